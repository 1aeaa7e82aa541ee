/* check.c: the shape rules the forward pass relies on, checked once. */
#include "model/forward.h"

static const char *
check_tensor(const nm_tensor *t, int rows, int cols)
{
	if (t->rows != rows || t->cols != cols)
		return "tensor shape disagrees with the config";
	switch (t->type) {
	case NM_T_F32:
		if (t->f == nil)
			return "f32 tensor without data";
		return nil;
	case NM_T_Q8:
		if (t->q == nil || t->s == nil)
			return "Q8 tensor without data";
		if (t->group_size <= 0 || cols % t->group_size != 0)
			return "Q8 group size does not divide the row length";
		return nil;
	case NM_T_F16:
	case NM_T_BF16:
		if (t->h == nil)
			return "16-bit float tensor without data";
		return nil;
	case NM_T_Q4_0:
		if (t->blocks == nil)
			return "Q4_0 tensor without data";
		if (cols % 32 != 0)
			return "Q4_0 row length is not a multiple of 32";
		return nil;
	case NM_T_Q5_0:
	case NM_T_Q5_1:
	case NM_T_Q2_K:
	case NM_T_Q3_K:
	case NM_T_Q4_K:
	case NM_T_Q5_K:
	case NM_T_Q6_K:
		if (t->blocks == nil)
			return "block-quantized tensor without data";
		if (cols % nm_block_elems(t->type - NM_T_Q5_0) != 0)
			return "row length is not a whole number of the tensor's blocks";
		return nil;
	}
	return "unknown tensor type";
}

const char *
nm_model_check(const nm_model *m)
{
	const nm_config *c = &m->cfg;
	const char *err;

	if (c->dim <= 0 || c->hidden_dim <= 0 || c->n_layers <= 0 || c->n_heads <= 0 ||
	    c->n_kv_heads <= 0 || c->vocab_size <= 0 || c->seq_len <= 0)
		return "config has a non-positive dimension";
	if (c->dim % c->n_heads != 0 || (c->dim / c->n_heads) % 2 != 0)
		return "dim is not n_heads times an even head size";
	if (c->n_heads % c->n_kv_heads != 0)
		return "n_heads is not a multiple of n_kv_heads";
	if (c->sliding_window < 0)
		return "negative sliding window";
	if (c->rope_scaling.factor > 0.0f &&
	    (c->rope_scaling.low_freq_factor <= 0.0f || c->rope_scaling.original_max_position <= 0 ||
	     c->rope_scaling.high_freq_factor <= c->rope_scaling.low_freq_factor))
		return "rope scaling needs 0 < low_freq_factor < high_freq_factor and original_max_position > 0";
	if (m->rms_att == nil || m->rms_ffn == nil || m->rms_final == nil)
		return "missing norm weights";
	if (m->wq == nil || m->wk == nil || m->wv == nil || m->wo == nil || m->w1 == nil ||
	    m->w2 == nil || m->w3 == nil)
		return "missing layer weights";
	if (c->qkv_bias && (m->bq == nil || m->bk == nil || m->bv == nil))
		return "missing q/k/v bias";
	int kv_dim = c->dim / c->n_heads * c->n_kv_heads;
	if ((err = check_tensor(&m->token_embedding, c->vocab_size, c->dim)) != nil)
		return err;
	if ((err = check_tensor(&m->wcls, c->vocab_size, c->dim)) != nil)
		return err;
	for (int l = 0; l < c->n_layers; l++) {
		if ((err = check_tensor(&m->wq[l], c->dim, c->dim)) != nil ||
		    (err = check_tensor(&m->wk[l], kv_dim, c->dim)) != nil ||
		    (err = check_tensor(&m->wv[l], kv_dim, c->dim)) != nil ||
		    (err = check_tensor(&m->wo[l], c->dim, c->dim)) != nil ||
		    (err = check_tensor(&m->w1[l], c->hidden_dim, c->dim)) != nil ||
		    (err = check_tensor(&m->w2[l], c->dim, c->hidden_dim)) != nil ||
		    (err = check_tensor(&m->w3[l], c->hidden_dim, c->dim)) != nil)
			return err;
	}
	return nil;
}
