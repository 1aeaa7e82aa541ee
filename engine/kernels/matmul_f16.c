/* matmul_f16.c: 16-bit float weights (IEEE half, bfloat16) times a float
 * vector: nm_matmul_f32's loop with each weight widened exactly first, so
 * the result has the bits of nm_matmul_f32 on the widened matrix. */
#include "kernels.h"
#include "kernels/fbits.h"

void
nm_matmul_f16(float *out, const float *x, const nm_u16 *w, int n, int d)
{
	for (int i = 0; i < d; i++) {
		const nm_u16 *row = w + (nm_i64)i * n;
		float val = 0.0f;
		for (int j = 0; j < n; j++)
			val += nm_half_to_float(row[j]) * x[j];
		out[i] = val;
	}
}

void
nm_matmul_bf16(float *out, const float *x, const nm_u16 *w, int n, int d)
{
	for (int i = 0; i < d; i++) {
		const nm_u16 *row = w + (nm_i64)i * n;
		float val = 0.0f;
		for (int j = 0; j < n; j++)
			val += nm_f32_from_bits((nm_u32)row[j] << 16) * x[j];
		out[i] = val;
	}
}
