/*
 * par_products.c: batched matrix products spread over a pool, several
 * products that read the same x in one dispatch (wq, wk, wv; w1, w3), since
 * for small layers a dispatch costs as much as the work. The tasks take
 * contiguous runs of 16-row units of all the products in turn. Every row
 * is computed by exactly one task with the table's per-row arithmetic, so
 * the bits do not depend on the split. The job carries the products
 * themselves, not a pointer to the caller's array (often a local): the pool
 * copies the job block, and a Plan 9 worker cannot read the caller's stack
 * (port.h). More than NM_PAR_MAX products go in several dispatches.
 */
#include "parallel.h"

enum { UNIT = 16 }; /* rows; a multiple of every level's q8_pack_rows */

typedef struct {
	const nm_kernel_table *k;
	int count, units, tasks;
	const float *x;
	const nm_i8 *xq;
	const float *xs;
	int n, T;
	nm_par_product p[NM_PAR_MAX]; /* last: only count of them are copied */
} products_job;

static int
units_of(const nm_par_product *p)
{
	return (p->d + UNIT - 1) / UNIT;
}

/* Rows of a Q8 product that its packed layout holds (whole panels), 0
 * without one. */
static int
packed_rows(const nm_kernel_table *k, const nm_par_product *p)
{
	if (p->packed == nil || k->matmul_q8_packed_batch == nil || k->q8_pack_rows <= 0 ||
	    UNIT % k->q8_pack_rows != 0)
		return 0;
	return p->d - p->d % k->q8_pack_rows;
}

/* Rows [r0, r1) of one product; packed Q8 panels through the packed
 * entry, the rows past the last panel through the stored weights. */
static void
product_rows(const products_job *j, const nm_par_product *p, int r0, int r1)
{
	const nm_kernel_table *k = j->k;
	int dp;

	switch (p->type) {
	case NM_PAR_Q8:
		dp = packed_rows(k, p);
		if (r0 < dp)
			k->matmul_q8_packed_batch(p->out, j->xq, j->xs, p->packed, j->n, p->d, p->gs, j->T, r0,
			                          r1 < dp ? r1 : dp);
		if (r1 > dp)
			k->matmul_q8_batch(p->out, j->xq, j->xs, p->wq, p->ws, j->n, p->d, p->gs, j->T,
			                   r0 > dp ? r0 : dp, r1);
		break;
	case NM_PAR_Q4_0:
		k->matmul_q4_0_batch(p->out, j->xq, j->xs, p->blocks, j->n, p->d, j->T, r0, r1);
		break;
	case NM_PAR_BLOCKS:
		k->matmul_blocks_batch(p->blk, p->out, j->xq, j->xs, p->blocks, j->n, p->d, j->T, r0, r1);
		break;
	case NM_PAR_F16:
		k->matmul_f16_batch(p->out, j->x, p->h, j->n, p->d, j->T, r0, r1);
		break;
	case NM_PAR_BF16:
		k->matmul_bf16_batch(p->out, j->x, p->h, j->n, p->d, j->T, r0, r1);
		break;
	default:
		k->matmul_f32_batch(p->out, j->x, p->w, j->n, p->d, j->T, r0, r1);
		break;
	}
}

static void
run_units(void *arg, int t)
{
	products_job *j = arg;
	int u0 = (int)((nm_i64)j->units * t / j->tasks);
	int u1 = (int)((nm_i64)j->units * (t + 1) / j->tasks);
	int base = 0;

	for (int i = 0; i < j->count && base < u1; i++) {
		const nm_par_product *p = &j->p[i];
		int a = u0 - base, b = u1 - base, nu = units_of(p);
		if (a < nu && b > 0)
			product_rows(j, p, a > 0 ? a * UNIT : 0, b < nu ? b * UNIT : p->d);
		base += nu;
	}
}

void
nm_par_matmul_products(const nm_kernel_table *k, nm_pool *pool, const float *x, const nm_i8 *xq,
                       const float *xs, int n, int T, const nm_par_product *p, int count)
{
	products_job j;
	int tasks = nm_pool_size(pool);

	for (; count > NM_PAR_MAX; count -= NM_PAR_MAX, p += NM_PAR_MAX)
		nm_par_matmul_products(k, pool, x, xq, xs, n, T, p, NM_PAR_MAX);
	if (count < 1)
		return;
	j.k = k;
	for (int i = 0; i < count; i++)
		j.p[i] = p[i];
	j.count = count;
	j.x = x;
	j.xq = xq;
	j.xs = xs;
	j.n = n;
	j.T = T;
	j.units = 0;
	for (int i = 0; i < count; i++)
		j.units += units_of(&p[i]);
	if (tasks > j.units)
		tasks = j.units;
	j.tasks = tasks < 1 ? 1 : tasks;
	nm_pool_run(pool, run_units, &j, (int)((char *)&j.p[count] - (char *)&j), j.tasks);
}

void
nm_par_matmul_f32_batch(const nm_kernel_table *k, nm_pool *pool, float *out, const float *x,
                        const float *w, int n, int d, int T)
{
	nm_par_product p;

	nm_memset(&p, 0, sizeof p);
	p.type = NM_PAR_F32;
	p.out = out;
	p.w = w;
	p.d = d;
	nm_par_matmul_products(k, pool, x, nil, nil, n, T, &p, 1);
}

void
nm_par_matmul_q8_batch(const nm_kernel_table *k, nm_pool *pool, float *out, const nm_i8 *xq,
                       const float *xs, const nm_i8 *wq, const float *ws, const void *packed,
                       int n, int d, int gs, int T)
{
	nm_par_product p;

	nm_memset(&p, 0, sizeof p);
	p.type = NM_PAR_Q8;
	p.out = out;
	p.wq = wq;
	p.ws = ws;
	p.packed = packed;
	p.gs = gs;
	p.d = d;
	nm_par_matmul_products(k, pool, nil, xq, xs, n, T, &p, 1);
}

void
nm_par_matmul_q4_0_batch(const nm_kernel_table *k, nm_pool *pool, float *out, const nm_i8 *xq,
                         const float *xs, const nm_u8 *w, int n, int d, int T)
{
	nm_par_product p;

	nm_memset(&p, 0, sizeof p);
	p.type = NM_PAR_Q4_0;
	p.out = out;
	p.blocks = w;
	p.d = d;
	nm_par_matmul_products(k, pool, nil, xq, xs, n, T, &p, 1);
}

void
nm_par_matmul_blocks_batch(const nm_kernel_table *k, nm_pool *pool, int blk, float *out,
                           const nm_i8 *xq, const float *xs, const nm_u8 *w, int n, int d, int T)
{
	nm_par_product p;

	nm_memset(&p, 0, sizeof p);
	p.type = NM_PAR_BLOCKS;
	p.blk = blk;
	p.out = out;
	p.blocks = w;
	p.d = d;
	nm_par_matmul_products(k, pool, nil, xq, xs, n, T, &p, 1);
}

static void
batch_16(const nm_kernel_table *k, nm_pool *pool, int type, float *out, const float *x,
         const nm_u16 *w, int n, int d, int T)
{
	nm_par_product p;

	nm_memset(&p, 0, sizeof p);
	p.type = type;
	p.out = out;
	p.h = w;
	p.d = d;
	nm_par_matmul_products(k, pool, x, nil, nil, n, T, &p, 1);
}

void
nm_par_matmul_f16_batch(const nm_kernel_table *k, nm_pool *pool, float *out, const float *x,
                        const nm_u16 *w, int n, int d, int T)
{
	batch_16(k, pool, NM_PAR_F16, out, x, w, n, d, T);
}

void
nm_par_matmul_bf16_batch(const nm_kernel_table *k, nm_pool *pool, float *out, const float *x,
                         const nm_u16 *w, int n, int d, int T)
{
	batch_16(k, pool, NM_PAR_BF16, out, x, w, n, d, T);
}
