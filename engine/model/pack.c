/*
 * pack.c: a kernel table's load-time layout of the Q8 matrices
 * (kernel_table.h q8_pack), kept beside the stored weights: the table's
 * dispatch reads it, every other table still reads the weights as stored.
 */
#include "model/forward.h"
#include "formats/build.h"

static int
pack_tensor(nm_model *m, nm_tensor *w, const nm_kernel_table *k)
{
	nm_i64 bytes;
	nm_u8 *raw;

	if (w->type != NM_T_Q8 || w->packed_for == k)
		return 0;
	bytes = k->q8_packed_size(w->cols, w->rows, w->group_size);
	if (bytes <= 0)
		return 0;
	/* 64 more bytes to start the panels on a cache line */
	raw = nm_model_own(m, (nm_u64)bytes + 64);
	if (raw == nil)
		return -1;
	raw += (64 - (nm_u64)raw % 64) % 64;
	k->q8_pack(raw, w->q, w->s, w->cols, w->rows, w->group_size);
	w->packed = raw;
	w->packed_for = k;
	return 0;
}

int
nm_model_pack(nm_model *m, const nm_kernel_table *k)
{
	if (k->q8_pack == nil)
		return 0;
	for (int l = 0; l < m->cfg.n_layers; l++)
		if (pack_tensor(m, &m->wq[l], k) != 0 || pack_tensor(m, &m->wk[l], k) != 0 ||
		    pack_tensor(m, &m->wv[l], k) != 0 || pack_tensor(m, &m->wo[l], k) != 0 ||
		    pack_tensor(m, &m->w1[l], k) != 0 || pack_tensor(m, &m->w2[l], k) != 0 ||
		    pack_tensor(m, &m->w3[l], k) != 0)
			return -1;
	return pack_tensor(m, &m->wcls, k);
}
