/*
 * forward.c: one token through the transformer, read top to bottom like
 * run.c's forward(). Matrix products go through nm_linear (quantizing the
 * activation for Q8/Q4_0 weights, as runq does); everything else through
 * the kernel table, so a SIMD table changes the kernels, not this order.
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

float *
nm_forward(nm_state *s, const nm_model *m, const nm_exec *e, int token, int pos)
{
	const nm_config *c = &m->cfg;
	const nm_kernel_table *k = e->k;
	int dim = c->dim, kv_dim = s->kv_dim;
	nm_i64 layer_cache = (nm_i64)c->seq_len * kv_dim;

	if (token < 0 || token >= c->vocab_size || pos < 0 || pos >= c->seq_len)
		return nil;
	nm_embedding_row(s->x, &m->token_embedding, token);

	for (int l = 0; l < c->n_layers; l++) {
		float *kc = s->key_cache + l * layer_cache;
		float *vc = s->value_cache + l * layer_cache;
		float *kpos = kc + (nm_i64)pos * kv_dim;
		float *vpos = vc + (nm_i64)pos * kv_dim;

		// Attention: q, k, v; RoPE; k and v written straight into the cache.
		k->rmsnorm(s->xb, s->x, m->rms_att + (nm_i64)l * dim, dim, c->norm_eps);
		nm_linear(s, e, s->q, s->xb, &m->wq[l]);
		nm_linear(s, e, kpos, s->xb, &m->wk[l]);
		nm_linear(s, e, vpos, s->xb, &m->wv[l]);
		rope(s, m, e, s->q, dim, pos);
		rope(s, m, e, kpos, kv_dim, pos);
		nm_par_attention(k, e->pool, s->xb, s->att, s->q, kc, vc, c->n_heads, c->n_kv_heads,
		                 s->head_size, pos, c->sliding_window);
		nm_linear(s, e, s->xb2, s->xb, &m->wo[l]);
		k->residual_add(s->x, s->xb2, dim);

		// Feed-forward: SwiGLU.
		k->rmsnorm(s->xb, s->x, m->rms_ffn + (nm_i64)l * dim, dim, c->norm_eps);
		nm_linear(s, e, s->hb, s->xb, &m->w1[l]);
		nm_linear(s, e, s->hb2, s->xb, &m->w3[l]);
		k->swiglu(s->hb, s->hb2, c->hidden_dim);
		nm_linear(s, e, s->xb, s->hb, &m->w2[l]);
		k->residual_add(s->x, s->xb, dim);
	}

	k->rmsnorm(s->x, s->x, m->rms_final, dim, c->norm_eps);
	nm_linear(s, e, s->logits, s->x, &m->wcls);
	return s->logits;
}
