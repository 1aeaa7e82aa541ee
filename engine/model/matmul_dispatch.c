/*
 * matmul_dispatch.c: the one place where matrix products are handed to the
 * kernel table: a stored tensor becomes a product of parallel.h (with the
 * table's packed layout when the model was packed for it), and the products
 * that read the same x go to the pool together (kernels/par_products.c).
 */
#include "model/forward.h"
#include "parallel.h"

void
nm_matmul_dispatch(const nm_exec *e, float *const *outs, const float *x, const nm_i8 *xq,
                   const float *xs, const nm_tensor *const *ws, int count, int T)
{
	nm_par_product p[NM_LINEAR_MAX];

	for (int i = 0; i < count; i++) {
		const nm_tensor *w = ws[i];
		nm_memset(&p[i], 0, sizeof p[i]);
		p[i].out = outs[i];
		p[i].d = w->rows;
		switch (w->type) {
		case NM_T_Q8:
			p[i].type = NM_PAR_Q8;
			p[i].wq = w->q;
			p[i].ws = w->s;
			p[i].gs = w->group_size;
			p[i].packed = w->packed_for == e->k ? w->packed : nil;
			break;
		case NM_T_Q4_0:
			p[i].type = NM_PAR_Q4_0;
			p[i].blocks = w->blocks;
			break;
		case NM_T_F16:
		case NM_T_BF16:
			p[i].type = w->type == NM_T_F16 ? NM_PAR_F16 : NM_PAR_BF16;
			p[i].h = w->h;
			break;
		case NM_T_Q5_0:
		case NM_T_Q5_1:
		case NM_T_Q2_K:
		case NM_T_Q3_K:
		case NM_T_Q4_K:
		case NM_T_Q5_K:
		case NM_T_Q6_K:
			p[i].type = NM_PAR_BLOCKS;
			p[i].blk = w->type - NM_T_Q5_0;
			p[i].blocks = w->blocks;
			break;
		default:
			p[i].type = NM_PAR_F32;
			p[i].w = w->f;
			break;
		}
	}
	nm_par_matmul_products(e->k, e->pool, x, xq, xs, ws[0]->cols, T, p, count);
}
