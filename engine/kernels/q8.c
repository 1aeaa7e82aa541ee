/* q8.c: Q8_0 group quantization and runq's integer matmul. */
#include "kernels.h"
#include "kernels/fbits.h"

/*
 * Rounds q, with |q| <= 127, to an integer without libm (Plan 9 has no
 * round()). Truncation toward zero is exact here, and so is the fraction
 * q - t, because q has fewer than 24 significant bits left of the point.
 */
static int
round_q(float q, int rounding)
{
	int t = (int)q;
	float frac = q - (float)t;
	int odd = t % 2 != 0;

	if (frac > 0.5f || (frac == 0.5f && (rounding == NM_ROUND_AWAY || odd)))
		return t + 1;
	if (frac < -0.5f || (frac == -0.5f && (rounding == NM_ROUND_AWAY || odd)))
		return t - 1;
	return t;
}

/* x/scale rounded and clamped; NaN gives 0 (C's cast of NaN is undefined). */
static nm_i8
quantize_one(float x, float scale, int rounding)
{
	// scale 0 happens for a group of zeros (or a wmax too tiny to divide by
	// 127). Give the IEEE quotient's outcome without dividing, because Plan 9
	// traps on divide-by-zero unless nm_fp_ieee_mode ran.
	if (scale == 0.0f) {
		if (nm_isnan(x) || x == 0.0f)
			return 0;
		return x > 0.0f ? 127 : -127;
	}
	float q = x / scale;
	if (nm_isnan(q))
		return 0;
	if (q > 127.0f)
		q = 127.0f;
	if (q < -127.0f)
		q = -127.0f;
	return (nm_i8)round_q(q, rounding);
}

void
nm_q8_quantize(nm_i8 *q, float *scales, const float *x, int n, int gs,
               int rounding)
{
	for (int g = 0; g < n / gs; g++) {
		const float *xg = x + g * gs;
		float wmax = 0.0f;
		for (int i = 0; i < gs; i++) {
			float v = nm_fabsf(xg[i]);
			// NaN is skipped on purpose; 6c would not order the compare.
			if (!nm_isnan(v) && v > wmax)
				wmax = v;
		}
		float scale = wmax / 127.0f;
		scales[g] = scale;
		for (int i = 0; i < gs; i++)
			q[g * gs + i] = quantize_one(xg[i], scale, rounding);
	}
}

void
nm_q8_dequantize(float *out, const nm_i8 *q, const float *scales, int n, int gs)
{
	for (int i = 0; i < n; i++)
		out[i] = q[i] * scales[i / gs];
}

void
nm_matmul_q8(float *out, const nm_i8 *xq, const float *xs, const nm_i8 *wq,
             const float *ws, int n, int d, int gs)
{
	int groups = n / gs;

	for (int i = 0; i < d; i++) {
		const nm_i8 *wrow = wq + (nm_i64)i * n;
		const float *wsrow = ws + (nm_i64)i * groups;
		float val = 0.0f;
		for (int g = 0; g < groups; g++) {
			nm_i32 ival = 0;
			for (int k = 0; k < gs; k++)
				ival += (nm_i32)xq[g * gs + k] * (nm_i32)wrow[g * gs + k];
			// Left to right: (ival * weight scale) * activation scale.
			val += ((float)ival) * wsrow[g] * xs[g];
		}
		out[i] = val;
	}
}
