/*
 * matmul_blocks.c: GGUF Q5_0/Q5_1/K-quant weights times a Q8 activation
 * (group 32), the product shape of kernels.h nm_matmul_blocks. Each block
 * of a row is unpacked once (kquant.h) and applied to every token; a
 * token's value for the row is carried in out between blocks (a float
 * store and load change no bit), so T tokens give the bits of T = 1.
 */
#include "kernels/kquant.h"

/* The 32-element groups of one unpacked block against one token's xq
 * (the block's elements) and xs (one scale per group), added to val. */
static float
block_groups(const nm_kblock *u, const nm_i8 *xq, const float *xs, float val)
{
	for (int g = 0; g < u->elems / 32; g++) {
		nm_i32 S = 0, M = 0;
		for (int k = 2 * g; k < 2 * g + 2; k++) {
			const nm_i8 *q = u->q + 16 * k, *x = xq + 16 * k;
			nm_i32 qx = 0, xsum = 0;
			for (int j = 0; j < 16; j++)
				qx += (nm_i32)q[j] * (nm_i32)x[j];
			S += u->sc[k] * qx;
			if (u->min != 0) {
				for (int j = 0; j < 16; j++)
					xsum += x[j];
				M += u->m[k] * xsum;
			}
		}
		if (u->min < 0)
			val += ((float)S * u->d - (float)M * u->dm) * xs[g];
		else if (u->min > 0)
			val += ((float)S * u->d + (float)M * u->dm) * xs[g];
		else
			val += ((float)S * u->d) * xs[g];
	}
	return val;
}

void
nm_matmul_blocks(int blk, float *out, const nm_i8 *xq, const float *xs, const nm_u8 *w, int n,
                 int d, int T, int r0, int r1)
{
	int qk = nm_block_elems(blk), bb = nm_block_bytes(blk), nb = n / qk;
	nm_kblock u;

	for (int i = r0; i < r1; i++) {
		const nm_u8 *row = w + (nm_i64)i * nb * bb;
		for (int t = 0; t < T; t++)
			out[(nm_i64)t * d + i] = 0.0f;
		for (int b = 0; b < nb; b++) {
			nm_kblock_unpack(blk, &u, row + (nm_i64)b * bb);
			for (int t = 0; t < T; t++) {
				float *o = out + (nm_i64)t * d + i;
				*o = block_groups(&u, xq + (nm_i64)t * n + b * qk, xs + (nm_i64)t * (n / 32) + b * (qk / 32), *o);
			}
		}
	}
}
