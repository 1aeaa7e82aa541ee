/* rmsnorm.c: RMS normalisation in run.c's order. */
#include "kernels.h"

void
nm_rmsnorm(float *out, const float *x, const float *w, int n, float eps)
{
	float ss = 0.0f;

	for (int j = 0; j < n; j++)
		ss += x[j] * x[j];
	ss /= n;
	ss += eps;
	ss = 1.0f / nm_sqrtf(ss);
	// w * (ss * x), not (w * ss) * x: the grouping changes the bits.
	for (int j = 0; j < n; j++)
		out[j] = w[j] * (ss * x[j]);
}
