/*
 * matmul_dispatch.c: the one place where a matrix-vector product is handed
 * to the kernel table. Every row is computed the same way whatever the
 * range, so splitting rows across threads (e->pool) keeps the bits; without
 * a pool the calling thread takes rows [0, d).
 */
#include "model/forward.h"
#include "parallel.h"

void
nm_matmul_dispatch(const nm_exec *e, float *out, const float *x, const nm_i8 *xq,
                   const float *xs, const nm_tensor *w)
{
	const nm_kernel_table *k = e->k;
	nm_pool *pool = e->pool;
	int n = w->cols, d = w->rows;

	// Rows split over the pool (engine/parallel.h); nil pool: rows [0, d) here.
	switch (w->type) {
	case NM_T_Q8:
		nm_par_matmul_q8(k, pool, out, xq, xs, w->q, w->s, n, d, w->group_size);
		break;
	case NM_T_Q4_0:
		nm_par_matmul_q4_0(k, pool, out, xq, xs, w->blocks, n, d);
		break;
	default:
		nm_par_matmul_f32(k, pool, out, x, w->f, n, d);
		break;
	}
}
