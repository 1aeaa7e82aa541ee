/* parallel.c: row and head ranges of the kernel table spread over a pool.
 * Task t of T takes the contiguous range [total*t/T, total*(t+1)/T). The
 * job is a local that the pool copies (port.h); its pointers are the
 * caller's, which parallel.h requires to be in the heap or static. */
#include "parallel.h"

typedef struct {
	const nm_kernel_table *k;
	int kind; /* which entry: one of the enum below */
	int tasks, total;
	float *out, *att;
	const float *x, *w, *xs, *ws, *q, *kc, *vc;
	const nm_i8 *xq, *wq;
	const nm_u8 *blocks;
	const nm_u16 *h;
	int n, gs, n_heads, n_kv_heads, head_size, pos, window, blk;
	int T, att_stride; /* J_ATT_BATCH: positions pos..pos+T-1 */
} job;

enum { J_F32, J_Q8, J_Q4_0, J_F16, J_BF16, J_BLOCKS, J_ATT, J_ATT_BATCH };

/* Heads [h0, h1) of positions pos..pos+T-1, one head at a time: head h's
 * scores at att + h*att_stride, which attention_heads (placing head h at
 * h*(pos+1)) is given by offsetting att by h*(att_stride - (pos+1)). */
static void
attention_rows(job *j, int h0, int h1)
{
	int dim = j->n_heads * j->head_size;

	for (int t = 0; t < j->T; t++) {
		int pos = j->pos + t;
		for (int h = h0; h < h1; h++)
			j->k->attention_heads(j->out + (nm_i64)t * dim,
			                      j->att + (nm_i64)h * (j->att_stride - (pos + 1)),
			                      j->q + (nm_i64)t * dim, j->kc, j->vc, j->n_heads, j->n_kv_heads,
			                      j->head_size, pos, j->window, h, h + 1);
	}
}

static int
split(int total, int t, int tasks)
{
	return (int)((nm_i64)total * t / tasks);
}

static void
run_task(void *arg, int t)
{
	job *j = arg;
	int r0 = split(j->total, t, j->tasks);
	int r1 = split(j->total, t + 1, j->tasks);

	if (r0 >= r1)
		return;
	switch (j->kind) {
	case J_F32:
		j->k->matmul_f32_rows(j->out, j->x, j->w, j->n, r0, r1);
		break;
	case J_Q8:
		j->k->matmul_q8_rows(j->out, j->xq, j->xs, j->wq, j->ws, j->n, j->gs, r0, r1);
		break;
	case J_Q4_0:
		j->k->matmul_q4_0_rows(j->out, j->xq, j->xs, j->blocks, j->n, r0, r1);
		break;
	case J_BLOCKS:
		j->k->matmul_blocks_rows(j->blk, j->out, j->xq, j->xs, j->blocks, j->n, r0, r1);
		break;
	case J_F16:
		j->k->matmul_f16_rows(j->out, j->x, j->h, j->n, r0, r1);
		break;
	case J_BF16:
		j->k->matmul_bf16_rows(j->out, j->x, j->h, j->n, r0, r1);
		break;
	case J_ATT_BATCH:
		attention_rows(j, r0, r1);
		break;
	default:
		j->k->attention_heads(j->out, j->att, j->q, j->kc, j->vc, j->n_heads,
		                      j->n_kv_heads, j->head_size, j->pos, j->window, r0, r1);
		break;
	}
}

static void
start(job *j, const nm_kernel_table *k, nm_pool *pool, int kind, int total)
{
	int tasks = nm_pool_size(pool);

	if (tasks > total)
		tasks = total;
	if (tasks < 1)
		tasks = 1;
	j->k = k;
	j->kind = kind;
	j->total = total;
	j->tasks = tasks;
	nm_pool_run(pool, run_task, j, (int)sizeof *j, tasks);
}

void
nm_par_matmul_f32(const nm_kernel_table *k, nm_pool *pool, float *out, const float *x,
                  const float *w, int n, int d)
{
	job j;

	nm_memset(&j, 0, sizeof j);
	j.out = out;
	j.x = x;
	j.w = w;
	j.n = n;
	start(&j, k, pool, J_F32, d);
}

void
nm_par_matmul_q8(const nm_kernel_table *k, nm_pool *pool, float *out, const nm_i8 *xq,
                 const float *xs, const nm_i8 *wq, const float *ws, int n, int d, int gs)
{
	job j;

	nm_memset(&j, 0, sizeof j);
	j.out = out;
	j.xq = xq;
	j.xs = xs;
	j.wq = wq;
	j.ws = ws;
	j.n = n;
	j.gs = gs;
	start(&j, k, pool, J_Q8, d);
}

/* Q4_0 and the other block types: the same job but for its kind and blk. */
static void
blocks_job(const nm_kernel_table *k, nm_pool *pool, int kind, int blk, float *out, const nm_i8 *xq,
           const float *xs, const nm_u8 *w, int n, int d)
{
	job j;

	nm_memset(&j, 0, sizeof j);
	j.out = out;
	j.xq = xq;
	j.xs = xs;
	j.blocks = w;
	j.blk = blk;
	j.n = n;
	start(&j, k, pool, kind, d);
}

void
nm_par_matmul_q4_0(const nm_kernel_table *k, nm_pool *pool, float *out, const nm_i8 *xq,
                   const float *xs, const nm_u8 *w, int n, int d)
{
	blocks_job(k, pool, J_Q4_0, 0, out, xq, xs, w, n, d);
}

void
nm_par_matmul_blocks(const nm_kernel_table *k, nm_pool *pool, int blk, float *out,
                     const nm_i8 *xq, const float *xs, const nm_u8 *w, int n, int d)
{
	blocks_job(k, pool, J_BLOCKS, blk, out, xq, xs, w, n, d);
}

static void
matmul_16(const nm_kernel_table *k, nm_pool *pool, int kind, float *out, const float *x,
          const nm_u16 *w, int n, int d)
{
	job j;

	nm_memset(&j, 0, sizeof j);
	j.out = out;
	j.x = x;
	j.h = w;
	j.n = n;
	start(&j, k, pool, kind, d);
}

void
nm_par_matmul_f16(const nm_kernel_table *k, nm_pool *pool, float *out, const float *x,
                  const nm_u16 *w, int n, int d)
{
	matmul_16(k, pool, J_F16, out, x, w, n, d);
}

void
nm_par_matmul_bf16(const nm_kernel_table *k, nm_pool *pool, float *out, const float *x,
                   const nm_u16 *w, int n, int d)
{
	matmul_16(k, pool, J_BF16, out, x, w, n, d);
}

/* The fields every attention job has (pos: the first position). */
static void
attention_job(job *j, float *out, float *att, const float *q, const float *k_cache,
              const float *v_cache, int n_heads, int n_kv_heads, int head_size, int pos, int window)
{
	nm_memset(j, 0, sizeof *j);
	j->out = out;
	j->att = att;
	j->q = q;
	j->kc = k_cache;
	j->vc = v_cache;
	j->n_heads = n_heads;
	j->n_kv_heads = n_kv_heads;
	j->head_size = head_size;
	j->pos = pos;
	j->window = window;
}

void
nm_par_attention(const nm_kernel_table *k, nm_pool *pool, float *out, float *att,
                 const float *q, const float *k_cache, const float *v_cache, int n_heads,
                 int n_kv_heads, int head_size, int pos, int window)
{
	job j;

	attention_job(&j, out, att, q, k_cache, v_cache, n_heads, n_kv_heads, head_size, pos, window);
	start(&j, k, pool, J_ATT, n_heads);
}

void
nm_par_attention_batch(const nm_kernel_table *k, nm_pool *pool, float *out, float *att,
                       int att_stride, const float *q, const float *k_cache, const float *v_cache,
                       int n_heads, int n_kv_heads, int head_size, int pos0, int T, int window)
{
	job j;

	attention_job(&j, out, att, q, k_cache, v_cache, n_heads, n_kv_heads, head_size, pos0, window);
	j.att_stride = att_stride;
	j.T = T;
	start(&j, k, pool, J_ATT_BATCH, n_heads);
}
