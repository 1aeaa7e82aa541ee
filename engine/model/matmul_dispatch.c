/*
 * matmul_dispatch.c: the one place where a matrix product is handed to the
 * kernel table. Every row is computed the same way whatever the range, so
 * splitting rows across threads (e->pool) keeps the bits; without a pool
 * the calling thread takes rows [0, d).
 */
#include "model/forward.h"
#include "parallel.h"

void
nm_matmul_dispatch(const nm_exec *e, float *out, const float *x, const nm_i8 *xq,
                   const float *xs, const nm_tensor *w, int T)
{
	const nm_kernel_table *k = e->k;
	nm_pool *pool = e->pool;
	int n = w->cols, d = w->rows;

	switch (w->type) {
	case NM_T_Q8:
		nm_par_matmul_q8_batch(k, pool, out, xq, xs, w->q, w->s, n, d, w->group_size, T);
		break;
	case NM_T_Q4_0:
		nm_par_matmul_q4_0_batch(k, pool, out, xq, xs, w->blocks, n, d, T);
		break;
	default:
		nm_par_matmul_f32_batch(k, pool, out, x, w->f, n, d, T);
		break;
	}
}
