/* matmul_q4_0.c: GGUF Q4_0 weights times a Q8 activation (group 32). */
#include "kernels.h"

enum {
	QK = 32,		// elements per Q4_0 block (and per activation group)
	Q4_0_BYTES = 2 + QK / 2	// fp16 scale + 16 bytes of nibbles
};

/*
 * Per block b of row i: ival = int32 sum over the 32 elements of
 * (nibble - 8) * xq, low nibbles first (elements 0..15, then 16..31);
 * val += ((float)ival * d_w) * xs[b], blocks left to right. The same shape
 * as runq's Q8 matmul with the weight scale taken from the block's fp16 d.
 */
void
nm_matmul_q4_0(float *out, const nm_i8 *xq, const float *xs, const nm_u8 *w,
               int n, int d)
{
	int nb = n / QK;

	for (int i = 0; i < d; i++) {
		const nm_u8 *row = w + (nm_i64)i * nb * Q4_0_BYTES;
		float val = 0.0f;
		for (int b = 0; b < nb; b++) {
			const nm_u8 *blk = row + b * Q4_0_BYTES;
			const nm_i8 *xb = xq + b * QK;
			float dw = nm_half_to_float((nm_u16)(blk[0] | (blk[1] << 8)));
			nm_i32 ival = 0;
			for (int j = 0; j < QK / 2; j++) {
				ival += (nm_i32)((blk[2 + j] & 0x0f) - 8) * (nm_i32)xb[j];
				ival += (nm_i32)((blk[2 + j] >> 4) - 8) * (nm_i32)xb[j + QK / 2];
			}
			val += ((float)ival * dw) * xs[b];
		}
		out[i] = val;
	}
}
