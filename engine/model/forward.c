/*
 * forward.c: T consecutive positions through the transformer, read top to
 * bottom like run.c's forward(). T = 1 is decoding; T > 1 is prefill, where
 * every matrix product is one matrix-matrix call (nm_linear_batch), so the
 * weights stream once for T tokens. Each output element has the same bits
 * either way (kernel_table.h), and everything else runs per position in
 * run.c's order, so prefill and decode agree exactly.
 */
#include "model/forward.h"
#include "parallel.h"

static void
rope(nm_state *s, const nm_model *m, const nm_exec *e, float *vec, int n, int pos)
{
	if (s->freqs != nil)
		nm_rope_freqs(vec, n, s->head_size, pos, s->freqs);
	else
		e->k->rope(vec, n, s->head_size, pos, m->cfg.rope_theta);
}

/* Hands the T rows (stride apart) of step `step` in layer l to the observer. */
static void
trace(nm_state *s, int pos0, int T, int l, char *step, float *v, int n, nm_i64 stride)
{
	if (s->trace == nil)
		return;
	for (int t = 0; t < T; t++)
		s->trace(s->trace_arg, pos0 + t, l, step, v + (nm_i64)t * stride, n);
}

int
nm_forward_batch(nm_state *s, const nm_model *m, const nm_exec *e, const int *tokens, int T,
                 int pos0)
{
	const nm_config *c = &m->cfg;
	const nm_kernel_table *k = e->k;
	int dim = c->dim, kv_dim = s->kv_dim, hidden = c->hidden_dim;
	nm_i64 layer_cache = (nm_i64)s->ctx * kv_dim;

	if (T < 1 || T > NM_BATCH || pos0 < 0 || pos0 > s->ctx - T)
		return -1;
	for (int t = 0; t < T; t++) {
		if (tokens[t] < 0 || tokens[t] >= c->vocab_size)
			return -1;
		nm_embedding_row(s->x + (nm_i64)t * dim, &m->token_embedding, tokens[t]);
	}
	trace(s, pos0, T, 0, "embedding", s->x, dim, dim);

	for (int l = 0; l < c->n_layers; l++) {
		float *kc = s->key_cache + l * layer_cache;
		float *vc = s->value_cache + l * layer_cache;
		// The T positions' k and v rows are consecutive in the cache.
		float *kpos = kc + (nm_i64)pos0 * kv_dim;
		float *vpos = vc + (nm_i64)pos0 * kv_dim;
		// Element by element: 6c wants constant aggregate initializers.
		float *qkv_out[3], *ffn_out[2];
		const nm_tensor *qkv[3], *ffn[2], *wo[1], *w2[1];

		qkv_out[0] = s->q;
		qkv_out[1] = kpos;
		qkv_out[2] = vpos;
		qkv[0] = &m->wq[l];
		qkv[1] = &m->wk[l];
		qkv[2] = &m->wv[l];
		ffn_out[0] = s->hb;
		ffn_out[1] = s->hb2;
		ffn[0] = &m->w1[l];
		ffn[1] = &m->w3[l];
		wo[0] = &m->wo[l];
		w2[0] = &m->w2[l];

		// Attention: q, k, v (plus their biases, Qwen2: the residual_add kernel
		// adds one float to each, as llama.cpp's ggml_add); RoPE; k and v written straight into the cache.
		for (int t = 0; t < T; t++)
			k->rmsnorm(s->xb + (nm_i64)t * dim, s->x + (nm_i64)t * dim,
			           m->rms_att + (nm_i64)l * dim, dim, c->norm_eps);
		trace(s, pos0, T, l, "attn_norm", s->xb, dim, dim);
		nm_linear_batch(s, e, s->xb, T, 3, qkv_out, qkv);
		if (c->qkv_bias)
			for (int t = 0; t < T; t++) {
				k->residual_add(s->q + (nm_i64)t * dim, m->bq + (nm_i64)l * dim, dim);
				k->residual_add(kpos + (nm_i64)t * kv_dim, m->bk + (nm_i64)l * kv_dim, kv_dim);
				k->residual_add(vpos + (nm_i64)t * kv_dim, m->bv + (nm_i64)l * kv_dim, kv_dim);
			}
		trace(s, pos0, T, l, "q", s->q, dim, dim);
		trace(s, pos0, T, l, "k", kpos, kv_dim, kv_dim);
		trace(s, pos0, T, l, "v", vpos, kv_dim, kv_dim);
		for (int t = 0; t < T; t++) {
			rope(s, m, e, s->q + (nm_i64)t * dim, dim, pos0 + t);
			rope(s, m, e, kpos + (nm_i64)t * kv_dim, kv_dim, pos0 + t);
		}
		trace(s, pos0, T, l, "q_rope", s->q, dim, dim);
		trace(s, pos0, T, l, "k_rope", kpos, kv_dim, kv_dim);
		// Position t reads keys 0..pos0+t only, all rotated by now: one
		// dispatch for the T positions, each with decode's bits.
		if (T == 1)
			nm_par_attention(k, e->pool, s->xb, s->att, s->q, kc, vc, c->n_heads, c->n_kv_heads,
			                 s->head_size, pos0, c->sliding_window);
		else
			nm_par_attention_batch(k, e->pool, s->xb, s->att, s->ctx, s->q, kc, vc, c->n_heads,
			                       c->n_kv_heads, s->head_size, pos0, T, c->sliding_window);
		trace(s, pos0, T, l, "attn_out", s->xb, dim, dim);
		nm_linear_batch(s, e, s->xb, T, 1, &s->xb2, wo);
		trace(s, pos0, T, l, "wo", s->xb2, dim, dim);
		for (int t = 0; t < T; t++)
			k->residual_add(s->x + (nm_i64)t * dim, s->xb2 + (nm_i64)t * dim, dim);
		trace(s, pos0, T, l, "x_attn", s->x, dim, dim);

		// Feed-forward: SwiGLU.
		for (int t = 0; t < T; t++)
			k->rmsnorm(s->xb + (nm_i64)t * dim, s->x + (nm_i64)t * dim,
			           m->rms_ffn + (nm_i64)l * dim, dim, c->norm_eps);
		trace(s, pos0, T, l, "ffn_norm", s->xb, dim, dim);
		nm_linear_batch(s, e, s->xb, T, 2, ffn_out, ffn);
		trace(s, pos0, T, l, "w1", s->hb, hidden, hidden);
		trace(s, pos0, T, l, "w3", s->hb2, hidden, hidden);
		for (int t = 0; t < T; t++)
			k->swiglu(s->hb + (nm_i64)t * hidden, s->hb2 + (nm_i64)t * hidden, hidden);
		trace(s, pos0, T, l, "swiglu", s->hb, hidden, hidden);
		nm_linear_batch(s, e, s->hb, T, 1, &s->xb, w2);
		trace(s, pos0, T, l, "w2", s->xb, dim, dim);
		for (int t = 0; t < T; t++)
			k->residual_add(s->x + (nm_i64)t * dim, s->xb + (nm_i64)t * dim, dim);
		trace(s, pos0, T, l, "x_ffn", s->x, dim, dim);
	}

	for (int t = 0; t < T; t++)
		k->rmsnorm(s->x + (nm_i64)t * dim, s->x + (nm_i64)t * dim, m->rms_final, dim, c->norm_eps);
	trace(s, pos0, T, -1, "final_norm", s->x, dim, dim);
	return 0;
}

float *
nm_logits(nm_state *s, const nm_model *m, const nm_exec *e, int t)
{
	float *x = s->x + (nm_i64)t * m->cfg.dim;
	const nm_tensor *wcls[1];

	wcls[0] = &m->wcls;
	nm_linear_batch(s, e, x, 1, 1, &s->logits, wcls);
	return s->logits;
}

float *
nm_forward(nm_state *s, const nm_model *m, const nm_exec *e, int token, int pos)
{
	if (nm_forward_batch(s, m, e, &token, 1, pos) != 0)
		return nil;
	return nm_logits(s, m, e, 0);
}

int
nm_prefill(nm_state *s, const nm_model *m, const nm_exec *e, const int *tokens, int n, int pos0,
           void (*on_logits)(void *arg, int pos, const float *logits, int n), void *arg)
{
	for (int done = 0; done < n;) {
		int T = n - done < NM_BATCH ? n - done : NM_BATCH;
		if (nm_forward_batch(s, m, e, tokens + done, T, pos0 + done) != 0)
			return -1;
		if (on_logits != nil)
			for (int t = 0; t < T; t++)
				on_logits(arg, pos0 + done + t, nm_logits(s, m, e, t), m->cfg.vocab_size);
		done += T;
	}
	return 0;
}
