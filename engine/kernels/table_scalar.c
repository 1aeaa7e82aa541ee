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
};

const nm_kernel_table *
nm_kernels_scalar(void)
{
	return &scalar_table;
}
