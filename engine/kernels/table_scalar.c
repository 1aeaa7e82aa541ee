/* table_scalar.c: the scalar kernels as a kernel table. The row and head
 * range variants compute each row/head exactly as the whole-matrix kernels
 * do, so any split gives the same bits. */
#include "kernel_table.h"

static void
matmul_f32_rows(float *out, const float *x, const float *w, int n, int r0, int r1)
{
	nm_matmul_f32(out + r0, x, w + (nm_i64)r0 * n, n, r1 - r0);
}

static void
matmul_q8_rows(float *out, const nm_i8 *xq, const float *xs, const nm_i8 *wq,
               const float *ws, int n, int gs, int r0, int r1)
{
	nm_matmul_q8(out + r0, xq, xs, wq + (nm_i64)r0 * n, ws + (nm_i64)r0 * (n / gs), n,
	             r1 - r0, gs);
}

static void
matmul_q4_0_rows(float *out, const nm_i8 *xq, const float *xs, const nm_u8 *w, int n,
                 int r0, int r1)
{
	nm_matmul_q4_0(out + r0, xq, xs, w + (nm_i64)r0 * (n / 32) * 18, n, r1 - r0);
}

/* Batches: token by token through the row kernels (same bits by construction). */
static void
matmul_f32_batch(float *out, const float *x, const float *w, int n, int d, int T, int r0, int r1)
{
	for (int t = 0; t < T; t++)
		matmul_f32_rows(out + (nm_i64)t * d, x + (nm_i64)t * n, w, n, r0, r1);
}

static void
matmul_q8_batch(float *out, const nm_i8 *xq, const float *xs, const nm_i8 *wq, const float *ws,
                int n, int d, int gs, int T, int r0, int r1)
{
	for (int t = 0; t < T; t++)
		matmul_q8_rows(out + (nm_i64)t * d, xq + (nm_i64)t * n, xs + (nm_i64)t * (n / gs), wq,
		               ws, n, gs, r0, r1);
}

static void
matmul_q4_0_batch(float *out, const nm_i8 *xq, const float *xs, const nm_u8 *w, int n, int d,
                  int T, int r0, int r1)
{
	for (int t = 0; t < T; t++)
		matmul_q4_0_rows(out + (nm_i64)t * d, xq + (nm_i64)t * n, xs + (nm_i64)t * (n / 32), w,
		                 n, r0, r1);
}

static void
matmul_f16_rows(float *out, const float *x, const nm_u16 *w, int n, int r0, int r1)
{
	nm_matmul_f16(out + r0, x, w + (nm_i64)r0 * n, n, r1 - r0);
}

static void
matmul_bf16_rows(float *out, const float *x, const nm_u16 *w, int n, int r0, int r1)
{
	nm_matmul_bf16(out + r0, x, w + (nm_i64)r0 * n, n, r1 - r0);
}

static void
matmul_f16_batch(float *out, const float *x, const nm_u16 *w, int n, int d, int T, int r0, int r1)
{
	for (int t = 0; t < T; t++)
		matmul_f16_rows(out + (nm_i64)t * d, x + (nm_i64)t * n, w, n, r0, r1);
}

static void
matmul_bf16_batch(float *out, const float *x, const nm_u16 *w, int n, int d, int T, int r0, int r1)
{
	for (int t = 0; t < T; t++)
		matmul_bf16_rows(out + (nm_i64)t * d, x + (nm_i64)t * n, w, n, r0, r1);
}

static void
matmul_blocks_rows(int blk, float *out, const nm_i8 *xq, const float *xs, const nm_u8 *w, int n,
                   int r0, int r1)
{
	nm_matmul_blocks(blk, out, xq, xs, w, n, 0, 1, r0, r1);
}

static void
exp_n(float *x, int n)
{
	for (int i = 0; i < n; i++)
		x[i] = nm_expf(x[i]);
}

static const nm_kernel_table scalar_table = {
	"scalar",
	nm_rmsnorm,
	nm_softmax,
	matmul_f32_rows,
	matmul_q8_rows,
	nm_rope,
	nm_attention_heads,
	nm_swiglu,
	nm_residual_add,
	matmul_q4_0_rows,
	matmul_f32_batch,
	matmul_q8_batch,
	matmul_q4_0_batch,
	nm_q8_quantize,
	exp_n,
	nm_sample_argmax,
	0, nil, nil, nil, /* no packed Q8 layout: the weights are read as stored */
	matmul_f16_rows,
	matmul_bf16_rows,
	matmul_f16_batch,
	matmul_bf16_batch,
	matmul_blocks_rows,
	nm_matmul_blocks,
};

const nm_kernel_table *
nm_kernels_scalar(void)
{
	return &scalar_table;
}
