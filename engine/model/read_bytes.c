/*
 * read_bytes.c: the weight bytes a decoded token streams (forward.h
 * nm_model_read_bytes), counted from the layouts the dispatch reads, so
 * `9ml info` and `9ml bench` report what the products touch, not what
 * the file or the memory holds.
 */
#include "model/forward.h"

static nm_u64
stored_bytes(const nm_tensor *w, nm_u64 rows, int half_reader)
{
	nm_u64 n = rows * (nm_u64)w->cols;

	switch (w->type) {
	case NM_T_Q8: /* float scales, or halves where the table reads w->sh */
		return n + (w->sh != nil && half_reader ? 2 : 4) * (n / (nm_u64)w->group_size);
	case NM_T_Q4_0:
		return n / 32 * 18;
	case NM_T_F16:
	case NM_T_BF16:
		return 2 * n;
	}
	if (w->type >= NM_T_Q5_0 && w->type <= NM_T_Q6_K)
		return n / (nm_u64)nm_block_elems(w->type - NM_T_Q5_0) * (nm_u64)nm_block_bytes(w->type - NM_T_Q5_0);
	return 4 * n;
}

/* A packed Q8 matrix: its panels, and the rows past the last one as
 * stored (par_products.c reads them there, as it reads an unpacked one:
 * with the half scales w->sh when there are and the table reads them). */
static nm_u64
matrix_bytes(const nm_tensor *w, const nm_kernel_table *k)
{
	nm_u64 tail;
	int h = k->matmul_q8h_batch != nil;

	if (w->type != NM_T_Q8 || w->packed == nil || w->packed_for != k || k->q8_pack_rows <= 0)
		return stored_bytes(w, (nm_u64)w->rows, h);
	tail = (nm_u64)(w->rows % k->q8_pack_rows);
	return (nm_u64)k->q8_packed_size(w->cols, w->rows, w->group_size, w->packed_half) + stored_bytes(w, tail, h);
}

nm_u64
nm_model_read_bytes(const nm_model *m, const nm_kernel_table *k)
{
	const nm_config *c = &m->cfg;
	nm_u64 b = matrix_bytes(&m->wcls, k) + 4 * (2 * (nm_u64)c->n_layers + 1) * (nm_u64)c->dim;

	for (int l = 0; l < c->n_layers; l++)
		b += matrix_bytes(&m->wq[l], k) + matrix_bytes(&m->wk[l], k) + matrix_bytes(&m->wv[l], k) +
		     matrix_bytes(&m->wo[l], k) + matrix_bytes(&m->w1[l], k) + matrix_bytes(&m->w2[l], k) +
		     matrix_bytes(&m->w3[l], k);
	if (c->qkv_bias) /* f32 q, k, v biases of every layer */
		b += 4 * (nm_u64)c->n_layers * ((nm_u64)c->dim + 2 * (nm_u64)(c->dim / c->n_heads * c->n_kv_heads));
	return b;
}
