/*
 * kquant_blocks.c: the GGUF block types Q5_0, Q5_1 and the K-quants
 * Q2_K..Q6_K: sizes, unpacking into nm_kblock (kquant.h) and ggml's float
 * dequantization. Element orders follow ggml's dequantize_row_* (written
 * out per type in docs/FORMATS.md).
 */
#include "kernels/kquant.h"

static int elems[NM_BLK_COUNT] = {32, 32, 256, 256, 256, 256, 256};
static int bytes[NM_BLK_COUNT] = {22, 24, 84, 110, 144, 176, 210};
static char *names[NM_BLK_COUNT] = {"Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"};

int
nm_block_elems(int blk)
{
	return elems[blk];
}

int
nm_block_bytes(int blk)
{
	return bytes[blk];
}

const char *
nm_block_name(int blk)
{
	return names[blk];
}

/* Block factors are little-endian fp16 whatever the host order. */
static float
half_at(const nm_u8 *b)
{
	return nm_half_to_float((nm_u16)(b[0] | (b[1] << 8)));
}

/* Q5_0 and Q5_1: qs nibbles (low: elements 0..15, high: 16..31), bit j of
 * the little-endian qh is element j's fifth bit. */
static void
unpack_q5(nm_kblock *u, const nm_u8 *qh4, const nm_u8 *qs, int offset)
{
	nm_u32 qh = (nm_u32)qh4[0] | (nm_u32)qh4[1] << 8 | (nm_u32)qh4[2] << 16 | (nm_u32)qh4[3] << 24;

	for (int j = 0; j < 16; j++) {
		u->q[j] = (nm_i8)(((qs[j] & 0x0f) | ((qh >> j) & 1) << 4) - offset);
		u->q[j + 16] = (nm_i8)(((qs[j] >> 4) | ((qh >> (j + 16)) & 1) << 4) - offset);
	}
	u->sc[0] = u->sc[1] = 1;
	u->m[0] = u->m[1] = 1;
}

/* Q4_K/Q5_K: 12 bytes hold 8 6-bit scales and 8 6-bit mins; pair j (of
 * 32 elements) is ggml's get_scale_min_k4(j). Stored per 16 elements. */
static void
unpack_k4_scales(nm_kblock *u, const nm_u8 *s)
{
	for (int j = 0; j < 8; j++) {
		int sc, m;
		if (j < 4) {
			sc = s[j] & 63;
			m = s[j + 4] & 63;
		} else {
			sc = (s[j + 4] & 0x0f) | (s[j - 4] >> 6) << 4;
			m = (s[j + 4] >> 4) | (s[j] >> 6) << 4;
		}
		u->sc[2 * j] = u->sc[2 * j + 1] = sc;
		u->m[2 * j] = u->m[2 * j + 1] = m;
	}
}

/*
 * Q2_K and Q3_K pack 2-bit values four to a byte: element e's bits are at
 * shift 2*((e%128)/32) of byte (e/128)*32 + e%32.
 */
static int
low2(const nm_u8 *qs, int e)
{
	return (qs[(e / 128) * 32 + e % 32] >> (2 * ((e % 128) / 32))) & 3;
}

void
nm_kblock_unpack(int blk, nm_kblock *u, const nm_u8 *b)
{
	u->elems = elems[blk];
	u->dm = 0.0f;
	u->min = 0;
	switch (blk) {
	case NM_BLK_Q5_0: /* d, qh[4], qs[16] */
		u->d = half_at(b);
		unpack_q5(u, b + 2, b + 6, 16);
		break;
	case NM_BLK_Q5_1: /* d, m, qh[4], qs[16] */
		u->d = half_at(b);
		u->dm = half_at(b + 2);
		u->min = 1;
		unpack_q5(u, b + 4, b + 8, 0);
		break;
	case NM_BLK_Q2_K: /* scales[16] (low 4 bits scale, high min), qs[64], d, dmin */
		for (int k = 0; k < 16; k++) {
			u->sc[k] = b[k] & 0x0f;
			u->m[k] = b[k] >> 4;
		}
		for (int e = 0; e < 256; e++)
			u->q[e] = (nm_i8)low2(b + 16, e);
		u->d = half_at(b + 80);
		u->dm = half_at(b + 82);
		u->min = -1;
		break;
	case NM_BLK_Q3_K: /* hmask[32], qs[64], scales[12], d */
		/* 16 6-bit scales: low 4 bits in bytes 0..7 (low nibbles for
		 * 0..7, high for 8..15), high 2 bits in bytes 8..11 (byte
		 * 8 + k%4, shift 2*(k/4)); stored biased by 32 */
		for (int k = 0; k < 16; k++) {
			const nm_u8 *s = b + 96;
			int lo = k < 8 ? s[k] & 0x0f : s[k - 8] >> 4;
			int hi = (s[8 + k % 4] >> (2 * (k / 4))) & 3;
			u->sc[k] = (lo | hi << 4) - 32;
		}
		/* the hmask bit (byte e%32, bit e/32) set adds 4 to low2 - 4 */
		for (int e = 0; e < 256; e++)
			u->q[e] = (nm_i8)(low2(b + 32, e) - ((b[e % 32] >> (e / 32)) & 1 ? 0 : 4));
		u->d = half_at(b + 108);
		break;
	case NM_BLK_Q4_K: /* d, dmin, scales[12], qs[128] */
		/* 64 elements per 32 bytes: low nibbles, then high nibbles */
		for (int e = 0; e < 256; e++) {
			int byte = b[16 + (e / 64) * 32 + e % 32];
			u->q[e] = (nm_i8)(e % 64 < 32 ? byte & 0x0f : byte >> 4);
		}
		unpack_k4_scales(u, b + 4);
		u->d = half_at(b);
		u->dm = half_at(b + 2);
		u->min = -1;
		break;
	case NM_BLK_Q5_K: /* d, dmin, scales[12], qh[32], qs[128] */
		/* Q4_K's nibbles, fifth bit in qh[e%32] bit e/32 */
		for (int e = 0; e < 256; e++) {
			int byte = b[48 + (e / 64) * 32 + e % 32];
			int lo = e % 64 < 32 ? byte & 0x0f : byte >> 4;
			u->q[e] = (nm_i8)(lo | ((b[16 + e % 32] >> (e / 32)) & 1) << 4);
		}
		unpack_k4_scales(u, b + 4);
		u->d = half_at(b);
		u->dm = half_at(b + 2);
		u->min = -1;
		break;
	default: /* NM_BLK_Q6_K: ql[128], qh[64], scales[16] int8, d */
		/* per 128 elements (half h): quarter j, lane l; low 4 bits from
		 * ql[64h + l + 32(j%2)] (low nibble for j < 2), high 2 bits from
		 * qh[32h + l] at shift 2j */
		for (int e = 0; e < 256; e++) {
			int h = e / 128, j = (e % 128) / 32, l = e % 32;
			int ql = b[64 * h + l + 32 * (j % 2)];
			int lo = j < 2 ? ql & 0x0f : ql >> 4;
			int hi = (b[128 + 32 * h + l] >> (2 * j)) & 3;
			u->q[e] = (nm_i8)((lo | hi << 4) - 32);
		}
		for (int k = 0; k < 16; k++)
			u->sc[k] = (nm_i8)b[192 + k];
		u->d = half_at(b + 208);
		break;
	}
}

void
nm_dequant_blocks(int blk, float *out, const nm_u8 *blocks, int n)
{
	nm_kblock u;
	int qk = elems[blk];

	for (int b = 0; b < n / qk; b++) {
		float *o = out + (nm_i64)b * qk;
		nm_kblock_unpack(blk, &u, blocks + (nm_i64)b * bytes[blk]);
		for (int e = 0; e < qk; e++) {
			float d1 = u.d * (float)u.sc[e / 16];
			if (u.min < 0)
				o[e] = d1 * (float)u.q[e] - u.dm * (float)u.m[e / 16];
			else if (u.min > 0)
				o[e] = d1 * (float)u.q[e] + u.dm * (float)u.m[e / 16];
			else
				o[e] = d1 * (float)u.q[e];
		}
	}
}
