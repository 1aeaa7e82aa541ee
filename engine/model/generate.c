/* generate.c: run.c's generation loop: force the prompt, then sample. */
#include "model/generate.h"

typedef struct {
	const nm_gen_callbacks *cb;
} Prefill;

static void
prefill_logits(void *arg, int pos, const float *logits, int n)
{
	const nm_gen_callbacks *cb = ((Prefill *)arg)->cb;

	cb->on_logits(cb->arg, pos, logits, n);
}

int
nm_generate(nm_state *s, const nm_model *m, const nm_exec *e, nm_sampler *sp,
            const int *prompt, int n_prompt, int steps, const nm_gen_callbacks *cb)
{
	int pos = 0, token, next, forced;
	Prefill pf;

	if (steps <= 0 || steps > s->ctx)
		steps = s->ctx;
	if (n_prompt < 1 || n_prompt > steps)
		return -1;
	for (int i = 0; i < n_prompt; i++)
		if (prompt[i] < 0 || prompt[i] >= m->cfg.vocab_size)
			return -1;

	// Positions whose next token is forced by the prompt run as one
	// prefill (their logits only go to on_logits); run.c's loop would stop
	// after position p if prompt[p + 1] is BOS, so prefill stops there too.
	forced = n_prompt - 1;
	for (int p = 0; p < n_prompt - 1; p++)
		if (prompt[p + 1] == NM_TOKEN_BOS) {
			forced = p + 1;
			break;
		}
	pf.cb = cb;
	if (forced > 0 &&
	    nm_prefill(s, m, e, prompt, forced, 0,
	               cb != nil && cb->on_logits != nil ? prefill_logits : nil, &pf) != 0)
		return -1;
	for (; pos < forced; pos++) {
		next = prompt[pos + 1];
		if (next == NM_TOKEN_BOS)
			return pos + 1;
		if (cb != nil && cb->on_token != nil)
			cb->on_token(cb->arg, prompt[pos], next);
	}

	token = prompt[pos];
	while (pos < steps) {
		float *logits;

		if (cb != nil && cb->stop != nil && cb->stop(cb->arg))
			break;
		logits = nm_forward(s, m, e, token, pos);
		if (logits == nil)
			return -1;
		if (cb != nil && cb->on_logits != nil)
			cb->on_logits(cb->arg, pos, logits, m->cfg.vocab_size);
		if (pos < n_prompt - 1)
			next = prompt[pos + 1];
		else
			next = nm_sampler_sample(sp, e->k, logits);
		pos++;
		if (next == NM_TOKEN_BOS)
			break;
		if (cb != nil && cb->on_token != nil)
			cb->on_token(cb->arg, token, next);
		token = next;
	}
	return pos;
}
