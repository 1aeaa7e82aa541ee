/* generate.c: run.c's generation loop: force the prompt, then sample. */
#include "model/generate.h"

int
nm_generate(nm_state *s, const nm_model *m, const nm_exec *e, nm_sampler *sp,
            const int *prompt, int n_prompt, int steps, const nm_gen_callbacks *cb)
{
	int pos = 0, token, next;

	if (steps <= 0 || steps > m->cfg.seq_len)
		steps = m->cfg.seq_len;
	if (n_prompt < 1 || n_prompt > steps)
		return -1;
	for (int i = 0; i < n_prompt; i++)
		if (prompt[i] < 0 || prompt[i] >= m->cfg.vocab_size)
			return -1;

	token = prompt[0];
	while (pos < steps) {
		float *logits = nm_forward(s, m, e, token, pos);
		if (cb != nil && cb->on_logits != nil)
			cb->on_logits(cb->arg, pos, logits, m->cfg.vocab_size);
		if (pos < n_prompt - 1)
			next = prompt[pos + 1];
		else
			next = nm_sampler_sample(sp, logits);
		pos++;
		if (next == NM_TOKEN_BOS)
			break;
		if (cb != nil && cb->on_token != nil)
			cb->on_token(cb->arg, token, next);
		token = next;
	}
	return pos;
}
