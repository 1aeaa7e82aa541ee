/* state.c: allocation of the run state, every size checked for overflow. */
#include "model/forward.h"

enum { LIMIT_SHIFT = 62 };

/* How much of the KV cache nm_state_new touches up front (both caches). */
#define KV_PREFAULT_BYTES ((nm_u64)256 << 20)

/* a * b into *out unless the product passes 2^62 (then 0). */
static int
mul(nm_u64 a, nm_u64 b, nm_u64 *out)
{
	nm_u64 limit = (nm_u64)1 << LIMIT_SHIFT;

	if (a != 0 && b > limit / a)
		return 0;
	*out = a * b;
	return 1;
}

/* Zeroed array of n1*n2*n3 elements of `size` bytes, or nil on overflow or
 * when memory runs out. */
static void *
alloc3(nm_u64 n1, nm_u64 n2, nm_u64 n3, nm_u64 size)
{
	nm_u64 a, b, c;

	if (!mul(n1, n2, &a) || !mul(a, n3, &b) || !mul(b, size, &c))
		return nil;
	return nm_alloc(c);
}

/*
 * Writes the first positions of every layer's k and v rows, within
 * KV_PREFAULT_BYTES. The allocator hands out untouched pages, and decoding
 * would otherwise take a page fault every few positions in every layer
 * (measured: 12% of a 15M Q8 token in a VM). Past the budget (long-context
 * models) the pages still arrive as they are written.
 */
static void
prefault_kv(nm_state *s, const nm_config *c)
{
	nm_u64 row = (nm_u64)s->kv_dim * sizeof(float);
	nm_u64 positions = KV_PREFAULT_BYTES / (2 * (nm_u64)c->n_layers * row);
	nm_u64 layer = (nm_u64)s->ctx * s->kv_dim;

	if (positions > (nm_u64)s->ctx)
		positions = (nm_u64)s->ctx;
	for (int l = 0; l < c->n_layers; l++) {
		nm_memset(s->key_cache + l * layer, 0, positions * row);
		nm_memset(s->value_cache + l * layer, 0, positions * row);
	}
}

void
nm_state_free(nm_state *s)
{
	if (s == nil)
		return;
	nm_free(s->x);
	nm_free(s->xb);
	nm_free(s->xb2);
	nm_free(s->hb);
	nm_free(s->hb2);
	nm_free(s->q);
	nm_free(s->att);
	nm_free(s->logits);
	nm_free(s->key_cache);
	nm_free(s->value_cache);
	nm_free(s->xq);
	nm_free(s->xs);
	nm_free(s->freqs);
	nm_free(s);
}

nm_u64
nm_state_bytes(nm_state *s)
{
	if (s == nil)
		return 0;
	return nm_alloc_size(s) + nm_alloc_size(s->x) + nm_alloc_size(s->xb) + nm_alloc_size(s->xb2) +
	       nm_alloc_size(s->hb) + nm_alloc_size(s->hb2) + nm_alloc_size(s->q) +
	       nm_alloc_size(s->att) + nm_alloc_size(s->logits) + nm_alloc_size(s->key_cache) +
	       nm_alloc_size(s->value_cache) + nm_alloc_size(s->xq) + nm_alloc_size(s->xs) +
	       nm_alloc_size(s->freqs);
}

int
nm_default_ctx(const nm_model *m)
{
	return m->cfg.seq_len < NM_CTX_CAP ? m->cfg.seq_len : NM_CTX_CAP;
}

nm_state *
nm_state_new(const nm_model *m, const char **err)
{
	return nm_state_new_ctx(m, 0, err);
}

nm_state *
nm_state_new_ctx(const nm_model *m, int ctx, const char **err)
{
	const nm_config *c = &m->cfg;
	nm_state *s;
	const char *bad = nm_model_check(m);

	if (bad != nil) {
		*err = bad;
		return nil;
	}
	if (ctx > c->seq_len) {
		*err = "context longer than the model's seq_len";
		return nil;
	}
	s = nm_alloc(sizeof(nm_state));
	if (s == nil) {
		*err = "out of memory for the run state";
		return nil;
	}
	s->ctx = ctx > 0 ? ctx : nm_default_ctx(m);
	s->head_size = c->dim / c->n_heads;
	s->kv_dim = s->head_size * c->n_kv_heads;
	int widest = c->dim > c->hidden_dim ? c->dim : c->hidden_dim;
	nm_u64 f = sizeof(float);
	s->x = alloc3(NM_BATCH, c->dim, 1, f);
	s->xb = alloc3(NM_BATCH, c->dim, 1, f);
	s->xb2 = alloc3(NM_BATCH, c->dim, 1, f);
	s->hb = alloc3(NM_BATCH, c->hidden_dim, 1, f);
	s->hb2 = alloc3(NM_BATCH, c->hidden_dim, 1, f);
	s->q = alloc3(NM_BATCH, c->dim, 1, f);
	s->att = alloc3(c->n_heads, (nm_u64)s->ctx, 1, f);
	s->logits = alloc3(c->vocab_size, 1, 1, f);
	s->key_cache = alloc3(c->n_layers, (nm_u64)s->ctx, s->kv_dim, f);
	s->value_cache = alloc3(c->n_layers, (nm_u64)s->ctx, s->kv_dim, f);
	s->xq = alloc3(NM_BATCH, widest, 1, 1);
	s->xs = alloc3(NM_BATCH, widest, 1, f);
	if (c->rope_scaling.factor > 0.0f) {
		s->freqs = alloc3(s->head_size / 2, 1, 1, f);
		if (s->freqs != nil)
			nm_rope_scaled_freqs(s->freqs, s->head_size, c->rope_theta, &c->rope_scaling);
	}
	if (s->x == nil || s->xb == nil || s->xb2 == nil || s->hb == nil || s->hb2 == nil ||
	    s->q == nil || s->att == nil || s->logits == nil || s->key_cache == nil ||
	    s->value_cache == nil || s->xq == nil || s->xs == nil ||
	    (c->rope_scaling.factor > 0.0f && s->freqs == nil)) {
		nm_state_free(s);
		*err = "out of memory for the run state (KV cache too large?)";
		return nil;
	}
	prefault_kv(s, c);
	return s;
}
