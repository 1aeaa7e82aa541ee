/* matmul.c: float matrix-vector product, one float accumulator per row. */
#include "kernels.h"

void
nm_matmul_f32(float *out, const float *x, const float *w, int n, int d)
{
	for (int i = 0; i < d; i++) {
		const float *row = w + (nm_i64)i * n;
		float val = 0.0f;
		for (int j = 0; j < n; j++)
			val += row[j] * x[j];
		out[i] = val;
	}
}
