/* gguf_blocks.c: GGUF Q8_0/Q4_0 block dequantization, F16 and BF16 decoding. */
#include "kernels.h"
#include "kernels/fbits.h"

enum {
	QK = 32,		// elements per Q8_0/Q4_0 block
	Q8_0_BYTES = 2 + QK,	// fp16 scale + 32 int8
	Q4_0_BYTES = 2 + QK / 2	// fp16 scale + 16 bytes of nibbles
};

float
nm_half_to_float(nm_u16 h)
{
	nm_u32 sign = (nm_u32)(h >> 15) << 31;
	nm_u32 exp = (h >> 10) & 0x1fU;
	nm_u32 mant = h & 0x3ffU;

	if (exp == 0x1fU)	// inf, or NaN with its payload moved up
		return nm_f32_from_bits(sign | 0x7f800000U | (mant << 13));
	if (exp != 0)		// normal: rebias 15 -> 127
		return nm_f32_from_bits(sign | ((exp + 112U) << 23) | (mant << 13));
	if (mant == 0)
		return nm_f32_from_bits(sign);
	// Subnormal half: shift the leading 1 up to the implicit bit; every
	// half subnormal is a normal float.
	exp = 113U;
	while ((mant & 0x400U) == 0) {
		mant <<= 1;
		exp--;
	}
	return nm_f32_from_bits(sign | (exp << 23) | ((mant & 0x3ffU) << 13));
}

void
nm_f16_to_f32(float *out, const nm_u16 *in, int n)
{
	for (int i = 0; i < n; i++)
		out[i] = nm_half_to_float(in[i]);
}

void
nm_bf16_to_f32(float *out, const nm_u16 *in, int n)
{
	for (int i = 0; i < n; i++)
		out[i] = nm_f32_from_bits((nm_u32)in[i] << 16);
}

/* Block scales are little-endian fp16 whatever the host order. */
static float
block_scale(const nm_u8 *b)
{
	return nm_half_to_float((nm_u16)(b[0] | (b[1] << 8)));
}

void
nm_dequant_q8_0(float *out, const nm_u8 *blocks, int n)
{
	for (int blk = 0; blk < n / QK; blk++) {
		const nm_u8 *b = blocks + blk * Q8_0_BYTES;
		float d = block_scale(b);
		for (int j = 0; j < QK; j++)
			out[blk * QK + j] = d * (float)(nm_i8)b[2 + j];
	}
}

void
nm_dequant_q4_0(float *out, const nm_u8 *blocks, int n)
{
	for (int blk = 0; blk < n / QK; blk++) {
		const nm_u8 *b = blocks + blk * Q4_0_BYTES;
		float d = block_scale(b);
		float *o = out + blk * QK;
		for (int j = 0; j < QK / 2; j++) {
			int lo = (b[2 + j] & 0x0f) - 8;
			int hi = (b[2 + j] >> 4) - 8;
			o[j] = d * (float)lo;
			o[j + QK / 2] = d * (float)hi;
		}
	}
}
