/* activation.c: SiLU, SwiGLU gating and the residual add. */
#include "kernels.h"

void
nm_silu(float *x, int n)
{
	for (int i = 0; i < n; i++) {
		float val = x[i];
		x[i] = val * (1.0f / (1.0f + nm_expf(-val)));
	}
}

void
nm_swiglu(float *hb, const float *hb2, int n)
{
	for (int i = 0; i < n; i++) {
		float val = hb[i];
		// run.c: val *= sigmoid; val *= hb2 -- two roundings, in this order.
		val *= (1.0f / (1.0f + nm_expf(-val)));
		val *= hb2[i];
		hb[i] = val;
	}
}

void
nm_residual_add(float *x, const float *y, int n)
{
	for (int i = 0; i < n; i++)
		x[i] += y[i];
}
