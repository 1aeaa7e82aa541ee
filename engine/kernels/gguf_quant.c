/*
 * gguf_quant.c: float to IEEE half, and the GGUF Q8_0 / Q4_0 block
 * quantizers with llama.cpp's reference rules (docs/FORMATS.md,
 * "Quantization"). No libm: rounding is done on the bits.
 */
#include "kernels.h"
#include "kernels/fbits.h"

nm_u16
nm_float_to_half(float x)
{
	nm_u32 b = nm_f32_to_bits(x);
	nm_u32 sign = (b >> 16) & 0x8000U;
	nm_u32 exp = (b >> 23) & 0xffU;
	nm_u32 mant = b & 0x7fffffU;

	if (exp == 0xffU) // inf; NaN keeps its top payload bits and stays a NaN
		return (nm_u16)(sign | 0x7c00U | (mant != 0 ? 0x200U | (mant >> 13) : 0U));
	int e = (int)exp - 127 + 15;
	if (e >= 31)
		return (nm_u16)(sign | 0x7c00U);
	if (e <= 0) {
		// Subnormal half (or zero): shift the full significand right,
		// rounding to nearest even on the dropped bits.
		if (e < -10)
			return (nm_u16)sign;
		nm_u32 m = mant | 0x800000U;
		int shift = 14 - e; // 14..24
		nm_u32 q = m >> shift;
		nm_u32 rem = m & ((1U << shift) - 1U), half = 1U << (shift - 1);
		if (rem > half || (rem == half && (q & 1U)))
			q++;
		return (nm_u16)(sign | q);
	}
	nm_u32 q = ((nm_u32)e << 10) | (mant >> 13);
	nm_u32 rem = mant & 0x1fffU;
	if (rem > 0x1000U || (rem == 0x1000U && (q & 1U)))
		q++; // may carry into the exponent, up to inf: still correct
	return (nm_u16)(sign | q);
}

static void
put_half(nm_u8 *b, float d)
{
	nm_u16 h = nm_float_to_half(d);

	b[0] = (nm_u8)(h & 0xff);
	b[1] = (nm_u8)(h >> 8);
}

/* Ties away from zero, for |v| <= 127.5 (no libm round on Plan 9). */
static int
round_away(float v)
{
	int t = (int)v;
	float frac = v - (float)t;

	if (frac >= 0.5f)
		return t + 1;
	if (frac <= -0.5f)
		return t - 1;
	return t;
}

void
nm_q8_0_quantize(nm_u8 *blocks, const float *x, int n)
{
	for (int blk = 0; blk < n / 32; blk++) {
		const float *xb = x + blk * 32;
		nm_u8 *b = blocks + blk * 34;
		float amax = 0.0f;
		for (int j = 0; j < 32; j++) {
			float v = nm_fabsf(xb[j]);
			if (!nm_isnan(v) && v > amax)
				amax = v;
		}
		float d = amax / 127.0f;
		float id = d != 0.0f ? 1.0f / d : 0.0f;
		put_half(b, d);
		for (int j = 0; j < 32; j++) {
			float v = xb[j] * id;
			int q;
			if (nm_isnan(v))
				q = 0;
			else if (v >= 127.0f)
				q = 127;
			else if (v <= -127.0f)
				q = -127;
			else
				q = round_away(v);
			b[2 + j] = (nm_u8)(nm_i8)q;
		}
	}
}

/* (int)(v + 8.5f) clamped to [0, 15]; NaN gives 8 (the value 0). */
static int
nibble(float v)
{
	float s = v + 8.5f;

	if (nm_isnan(s))
		return 8;
	if (s <= 0.0f)
		return 0;
	if (s >= 15.0f)
		return 15;
	return (int)s;
}

void
nm_q4_0_quantize(nm_u8 *blocks, const float *x, int n)
{
	for (int blk = 0; blk < n / 32; blk++) {
		const float *xb = x + blk * 32;
		nm_u8 *b = blocks + blk * 18;
		float amax = 0.0f, max = 0.0f;
		// The signed element of largest magnitude; the first one on ties.
		for (int j = 0; j < 32; j++) {
			float v = nm_fabsf(xb[j]);
			if (!nm_isnan(v) && v > amax) {
				amax = v;
				max = xb[j];
			}
		}
		float d = max / -8.0f;
		float id = d != 0.0f ? 1.0f / d : 0.0f;
		put_half(b, d);
		for (int j = 0; j < 16; j++) {
			int lo = nibble(xb[j] * id);
			int hi = nibble(xb[16 + j] * id);
			b[2 + j] = (nm_u8)(lo | (hi << 4));
		}
	}
}
