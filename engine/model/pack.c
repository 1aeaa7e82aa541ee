/*
 * pack.c: a kernel table's load-time layout of the Q8 matrices
 * (kernel_table.h q8_pack), kept beside the stored weights: the table's
 * dispatch reads it, every other table still reads the weights as stored.
 * Scales that are all IEEE halves exactly (GGUF Q8_0's fp16 d) are also
 * kept as halves, for every table, and packed as halves: the bytes a token
 * reads are the file's, the bits the same.
 */
#include "model/forward.h"
#include "formats/build.h"
#include "kernels/fbits.h"

/* 1 when every scale survives float -> half -> float bit for bit. */
static int
scales_are_half(const float *s, nm_i64 n)
{
	for (nm_i64 i = 0; i < n; i++)
		if (nm_f32_to_bits(nm_half_to_float(nm_float_to_half(s[i]))) != nm_f32_to_bits(s[i]))
			return 0;
	return 1;
}

/* The scales as halves (w->sh) when they all are: every table's unpacked
 * Q8 product can read those (matmul_q8h_batch). 1 when w->sh is set. */
static int
half_scales(nm_model *m, nm_tensor *w)
{
	nm_i64 n = (nm_i64)w->rows * (w->cols / w->group_size);

	if (w->sh != nil)
		return 1;
	if (!scales_are_half(w->s, n))
		return 0;
	w->sh = nm_model_own(m, (nm_u64)n * 2);
	if (w->sh == nil)
		return -1;
	for (nm_i64 i = 0; i < n; i++)
		w->sh[i] = nm_float_to_half(w->s[i]);
	return 1;
}

static int
pack_tensor(nm_model *m, nm_tensor *w, const nm_kernel_table *k)
{
	nm_i64 bytes;
	nm_u8 *raw;
	int half;

	if (w->type != NM_T_Q8)
		return 0;
	half = half_scales(m, w);
	if (half < 0)
		return -1;
	if (k->q8_pack == nil || w->packed_for == k)
		return 0;
	bytes = k->q8_packed_size(w->cols, w->rows, w->group_size, half);
	if (bytes <= 0)
		return 0;
	/* 64 more bytes to start the panels on a cache line */
	raw = nm_model_own(m, (nm_u64)bytes + 64);
	if (raw == nil)
		return -1;
	raw += (64 - (nm_u64)raw % 64) % 64;
	k->q8_pack(raw, w->q, w->s, w->cols, w->rows, w->group_size, half);
	w->packed = raw;
	w->packed_half = half;
	w->packed_for = k;
	return 0;
}

int
nm_model_pack(nm_model *m, const nm_kernel_table *k)
{
	for (int l = 0; l < m->cfg.n_layers; l++)
		if (pack_tensor(m, &m->wq[l], k) != 0 || pack_tensor(m, &m->wk[l], k) != 0 ||
		    pack_tensor(m, &m->wv[l], k) != 0 || pack_tensor(m, &m->wo[l], k) != 0 ||
		    pack_tensor(m, &m->w1[l], k) != 0 || pack_tensor(m, &m->w2[l], k) != 0 ||
		    pack_tensor(m, &m->w3[l], k) != 0)
			return -1;
	return pack_tensor(m, &m->wcls, k);
}
