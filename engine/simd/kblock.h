/*
 * kblock.h: the GGUF block products (kernels.h nm_matmul_blocks, every
 * NM_BLK_* type) for the levels with 256-bit integer vectors, included by
 * body.h after qblock.h.
 *
 * A row is cut into chunks of 8 groups of 32 elements: one 256-element
 * block (the K-quants) or 8 blocks of 32 (Q5_0, Q5_1; the row's last chunk
 * may hold fewer). A chunk is unpacked once into one register of unsigned
 * q per group (0..63: the type's q plus its offset, Q5_0 16, Q6_K 32,
 * Q3_K 4), 16 int32 sub-block scales and mins, and per-group factors, then
 * applied to every token. Per group, maddubs pairs q with x (at most
 * 2*63*127, no saturation), the offset comes off as offset * (pair sums of
 * x) in the same int16 lanes (|.| <= 24130), and madd with ones gives
 * int32 lanes whose low half is sub-block 2g, high half 2g+1. Two rounds
 * of hadd over 4 groups leave each sub-block's sum in one lane; those are
 * multiplied by their scales and the halves added: S (and M from the sums
 * of x) for 8 groups at once, the exact int32 values scalar computes.
 * The float steps then run lane-wise, each lane the operations scalar
 * performs for its group in scalar's order, and the 8 results are added
 * to the output in group order: scalar's bits.
 */

typedef struct {
	__m256i q[8];           /* per group: unsigned q + offset, 0..63 */
	__m256i sc[2], m[2];    /* sub-block scales and mins as LEVEL(kfold) pairs them */
	__m256 d, dm;           /* per group: d; dmin (-) or Q5_1's m (+) */
	int groups;             /* 1..8 */
} LEVEL(kchunk);

/*
 * The 16 sub-block values (bytes; signed for Q3_K, Q6_K) in lane order of
 * two hadd rounds over groups 0..3, then 4..7: [0, 2, 4, 6 | 1, 3, 5, 7]
 * and [8, 10, 12, 14 | 9, 11, 13, 15]. Built in registers: scales stored
 * one by one and loaded as a vector would stall store forwarding.
 */
static inline void
LEVEL(karrange16)(__m256i *out, __m128i v, int is_signed)
{
	const __m256i order = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
	__m128i hi = _mm_srli_si128(v, 8);

	out[0] = _mm256_permutevar8x32_epi32(is_signed ? _mm256_cvtepi8_epi32(v) : _mm256_cvtepu8_epi32(v), order);
	out[1] = _mm256_permutevar8x32_epi32(is_signed ? _mm256_cvtepi8_epi32(hi) : _mm256_cvtepu8_epi32(hi), order);
}

/* The same for one value (bytes 0..7) per group of 32: both halves of
 * group g's lane take it. */
static inline void
LEVEL(karrange8)(__m256i *out, __m128i v)
{
	__m256i w = _mm256_cvtepu8_epi32(v);

	out[0] = _mm256_permute2x128_si256(w, w, 0x00);
	out[1] = _mm256_permute2x128_si256(w, w, 0x11);
}

/* Per group g of a[0..7] (8 int32 lanes, low half sub-block 2g, high
 * 2g+1): the sum of each half times its scale (when scale is non-nil),
 * the two halves added; lane g of the result. */
static inline __m256i
LEVEL(kfold)(const __m256i *a, const __m256i *scale)
{
	__m256i u0 = _mm256_hadd_epi32(_mm256_hadd_epi32(a[0], a[1]), _mm256_hadd_epi32(a[2], a[3]));
	__m256i u1 = _mm256_hadd_epi32(_mm256_hadd_epi32(a[4], a[5]), _mm256_hadd_epi32(a[6], a[7]));

	if (scale != nil) {
		u0 = _mm256_mullo_epi32(u0, scale[0]);
		u1 = _mm256_mullo_epi32(u1, scale[1]);
	}
	return _mm256_add_epi32(_mm256_permute2x128_si256(u0, u1, 0x20), _mm256_permute2x128_si256(u0, u1, 0x31));
}

/*
 * a where a is NaN, else r = a op b. When both operands of an addition or
 * multiplication are NaN, x86 returns the first one, and scalar's compiled
 * code puts the C expression's left operand first; the compiler may swap
 * the operands of a commutative intrinsic, so the lanes pick it here (a is
 * the result of arithmetic: never a signalling NaN).
 */
static inline __m256
LEVEL(kleft)(__m256 a, __m256 r)
{
	return _mm256_blendv_ps(r, a, _mm256_cmp_ps(a, a, _CMP_UNORD_Q));
}

/* The chunk against one token's 256 xq and 8 xs, added to val (its NaN
 * kept over the group's, as scalar's val += keeps it). The type's
 * constants (inlined into one loop per type): offset 1 << shift (shift 0:
 * none), min as nm_kblock.min, scaled when sub-block scales are not 1. */
static inline __attribute__((always_inline)) float
LEVEL(kapply)(const LEVEL(kchunk) *c, const nm_i8 *x, const float *xs, float val, int shift, int min,
              int scaled)
{
	const __m256i one8 = _mm256_set1_epi8(1), one16 = _mm256_set1_epi16(1);
	__m256i D[8], X[8], S, M;
	__m256 t, xv;
	float tl[8];
	int g;

	for (g = 0; g < c->groups; g++) {
		__m256i xg = _mm256_loadu_si256((const __m256i *)(x + 32 * g));
		__m256i qx = _mm256_maddubs_epi16(c->q[g], xg);
		if (shift != 0 || min != 0) {
			__m256i xp = _mm256_maddubs_epi16(one8, xg); /* pair sums of x */
			if (shift != 0)
				qx = _mm256_sub_epi16(qx, _mm256_sll_epi16(xp, _mm_cvtsi32_si128(shift)));
			if (min != 0)
				X[g] = _mm256_madd_epi16(xp, one16);
		}
		D[g] = _mm256_madd_epi16(qx, one16);
	}
	for (; g < 8; g++)
		D[g] = X[g] = _mm256_setzero_si256();
	/* xs of the chunk's groups only (a row's last Q5 chunk may be short) */
	xv = c->groups == 8 ? _mm256_loadu_ps(xs)
	                    : _mm256_maskload_ps(xs, _mm256_cmpgt_epi32(_mm256_set1_epi32(c->groups),
	                                                                _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
	S = LEVEL(kfold)(D, scaled ? c->sc : nil);
	t = _mm256_mul_ps(_mm256_cvtepi32_ps(S), c->d);
	if (min != 0) {
		M = LEVEL(kfold)(X, scaled ? c->m : nil);
		__m256 tm = _mm256_mul_ps(_mm256_cvtepi32_ps(M), c->dm);
		t = min < 0 ? _mm256_sub_ps(t, tm) : LEVEL(kleft)(t, _mm256_add_ps(t, tm));
	}
	_mm256_storeu_ps(tl, LEVEL(kleft)(t, _mm256_mul_ps(t, xv)));
	for (g = 0; g < c->groups; g++)
		if (val == val)
			val += tl[g];
	return val;
}

/* The factors of a 256-element block, the same for its 8 groups. F16C
 * widens exactly as nm_half_to_float but quiets a signalling NaN; the
 * factors only enter products, which quiet it the same way. */
static inline void
LEVEL(kfactors)(LEVEL(kchunk) *c, const nm_u8 *d, const nm_u8 *dm)
{
	c->d = _mm256_set1_ps(_cvtsh_ss((unsigned short)(d[0] | (d[1] << 8))));
	c->dm = _mm256_set1_ps(dm != nil ? _cvtsh_ss((unsigned short)(dm[0] | (dm[1] << 8))) : 0.0f);
	c->groups = 8;
}

static inline nm_u32
LEVEL(kword)(const nm_u8 *p)
{
	return (nm_u32)p[0] | (nm_u32)p[1] << 8 | (nm_u32)p[2] << 16 | (nm_u32)p[3] << 24;
}

/* Q4_K/Q5_K: 32 bytes of qs hold groups 2c (low nibbles) and 2c+1 (high);
 * Q5_K's fifth bit of group g is bit g of qh[32]. */
static void
LEVEL(k45_unpack)(LEVEL(kchunk) *c, const nm_u8 *b, int five)
{
	const __m256i low4 = _mm256_set1_epi8(0x0f), one = _mm256_set1_epi8(1);
	const nm_u8 *qs = b + (five ? 48 : 16);
	/* nm_k4_scales four bytes at a time: sc 0..3 and m 0..3 are the low 6
	 * bits of bytes 0..3 and 4..7; sc 4..7 (m 4..7) the low (high) nibble
	 * of bytes 8..11 with bits 6..7 of bytes 0..3 (4..7) above it */
	nm_u32 u0 = LEVEL(kword)(b + 4), u1 = LEVEL(kword)(b + 8), u2 = LEVEL(kword)(b + 12);
	nm_u32 sc_lo = u0 & 0x3f3f3f3f, m_lo = u1 & 0x3f3f3f3f;
	nm_u32 sc_hi = (u2 & 0x0f0f0f0f) | ((u0 >> 2) & 0x30303030);
	nm_u32 m_hi = ((u2 >> 4) & 0x0f0f0f0f) | ((u1 >> 2) & 0x30303030);

	LEVEL(karrange8)(c->sc, _mm_setr_epi32((int)sc_lo, (int)sc_hi, 0, 0));
	LEVEL(karrange8)(c->m, _mm_setr_epi32((int)m_lo, (int)m_hi, 0, 0));
	for (int i = 0; i < 4; i++) {
		__m256i raw = _mm256_loadu_si256((const __m256i *)(qs + 32 * i));
		c->q[2 * i] = _mm256_and_si256(raw, low4);
		c->q[2 * i + 1] = _mm256_and_si256(_mm256_srli_epi16(raw, 4), low4);
	}
	if (five) {
		__m256i qh = _mm256_loadu_si256((const __m256i *)(b + 16));
		for (int g = 0; g < 8; g++) {
			__m256i bit = _mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(g)), one);
			c->q[g] = _mm256_or_si256(c->q[g], _mm256_slli_epi16(bit, 4));
		}
	}
	LEVEL(kfactors)(c, b, b + 2);
}

/* Q6_K: half h, quarter j is group 4h + j, its low 4 bits from
 * ql[64h + 32(j%2)..] (low nibbles for j < 2), high 2 from qh[32h..] at
 * shift 2j; q - 32 as offset 32. */
static void
LEVEL(q6_k_unpack)(LEVEL(kchunk) *c, const nm_u8 *b)
{
	const __m256i low4 = _mm256_set1_epi8(0x0f), three = _mm256_set1_epi8(3);

	for (int h = 0; h < 2; h++) {
		__m256i ql0 = _mm256_loadu_si256((const __m256i *)(b + 64 * h));
		__m256i ql1 = _mm256_loadu_si256((const __m256i *)(b + 64 * h + 32));
		__m256i qh = _mm256_loadu_si256((const __m256i *)(b + 128 + 32 * h));
		for (int j = 0; j < 4; j++) {
			__m256i ql = j % 2 ? ql1 : ql0;
			__m256i lo = j < 2 ? _mm256_and_si256(ql, low4) : _mm256_and_si256(_mm256_srli_epi16(ql, 4), low4);
			__m256i hi = _mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * j)), three);
			c->q[4 * h + j] = _mm256_or_si256(lo, _mm256_slli_epi16(hi, 4));
		}
	}
	LEVEL(karrange16)(c->sc, _mm_loadu_si128((const __m128i *)(b + 192)), 1);
	LEVEL(kfactors)(c, b + 208, nil);
}

/* Q2_K/Q3_K: group 4h + j's 2-bit values are qs[32h..] at shift 2j. Q3_K
 * adds 4 where its hmask bit (bit g of hmask[32]) is set: q + 4 = low2 +
 * 4 * bit, offset 4; its scales are 6-bit, stored biased by 32. */
static void
LEVEL(k23_unpack)(LEVEL(kchunk) *c, const nm_u8 *b, int three)
{
	const __m256i mask2 = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1);
	const __m128i low4 = _mm_set1_epi8(0x0f);
	const nm_u8 *qs = b + (three ? 32 : 16);

	for (int h = 0; h < 2; h++) {
		__m256i raw = _mm256_loadu_si256((const __m256i *)(qs + 32 * h));
		for (int j = 0; j < 4; j++)
			c->q[4 * h + j] = _mm256_and_si256(_mm256_srl_epi16(raw, _mm_cvtsi32_si128(2 * j)), mask2);
	}
	if (!three) { /* scales[16]: low nibble scale, high nibble min */
		__m128i s = _mm_loadu_si128((const __m128i *)b);
		LEVEL(karrange16)(c->sc, _mm_and_si128(s, low4), 0);
		LEVEL(karrange16)(c->m, _mm_and_si128(_mm_srli_epi16(s, 4), low4), 0);
		LEVEL(kfactors)(c, b + 80, b + 82);
		return;
	}
	__m256i hm = _mm256_loadu_si256((const __m256i *)b);
	for (int g = 0; g < 8; g++) {
		__m256i bit = _mm256_and_si256(_mm256_srl_epi16(hm, _mm_cvtsi32_si128(g)), one);
		c->q[g] = _mm256_or_si256(c->q[g], _mm256_slli_epi16(bit, 2));
	}
	/* 16 6-bit scales at b + 96: low 4 bits in bytes 0..7 (low nibbles for
	 * 0..7, high for 8..15), high 2 bits of scale k in byte 8 + k%4 at
	 * shift 2(k/4); minus the bias 32 */
	__m128i lo = _mm_loadl_epi64((const __m128i *)(b + 96));
	lo = _mm_unpacklo_epi64(_mm_and_si128(lo, low4), _mm_and_si128(_mm_srli_epi16(lo, 4), low4));
	__m128i hi = _mm_and_si128(_mm_srlv_epi32(_mm_set1_epi32((int)LEVEL(kword)(b + 104)), _mm_setr_epi32(0, 2, 4, 6)),
	                           _mm_set1_epi8(3));
	LEVEL(karrange16)(c->sc, _mm_sub_epi8(_mm_or_si128(lo, _mm_slli_epi16(hi, 4)), _mm_set1_epi8(32)), 1);
	LEVEL(kfactors)(c, b + 108, nil);
}

/* Q5_0/Q5_1: up to 8 blocks of 32, one group each: qs nibbles (low:
 * elements 0..15, high: 16..31) with bit j of qh as element j's fifth
 * bit. Q5_0's q - 16 is offset 16; Q5_1 adds M * m. */
static void
LEVEL(q5_unpack)(LEVEL(kchunk) *c, const nm_u8 *b, int blocks, int q5_1)
{
	const __m128i low4 = _mm_set1_epi8(0x0f);
	/* byte j of the chunk's 32 takes qh byte j/8 and tests bit j%8 */
	const __m256i spread = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3,
	                                        3, 3, 3, 3, 3, 3, 3);
	const __m256i bits = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
	const int bb = q5_1 ? 24 : 22, hq = q5_1 ? 4 : 2;
	nm_u16 hd[8] = {0, 0, 0, 0, 0, 0, 0, 0}, hm[8] = {0, 0, 0, 0, 0, 0, 0, 0};

	for (int k = 0; k < blocks; k++) {
		const nm_u8 *p = b + k * bb;
		__m128i raw = _mm_loadu_si128((const __m128i *)(p + hq + 4));
		__m256i q = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(raw, 4), low4), _mm_and_si128(raw, low4));
		nm_i32 qh = (nm_i32)((nm_u32)p[hq] | (nm_u32)p[hq + 1] << 8 | (nm_u32)p[hq + 2] << 16 | (nm_u32)p[hq + 3] << 24);
		__m256i hb = _mm256_and_si256(_mm256_shuffle_epi8(_mm256_set1_epi32(qh), spread), bits);
		c->q[k] = _mm256_or_si256(q, _mm256_and_si256(_mm256_cmpeq_epi8(hb, bits), _mm256_set1_epi8(0x10)));
		hd[k] = (nm_u16)(p[0] | (p[1] << 8));
		hm[k] = q5_1 ? (nm_u16)(p[2] | (p[3] << 8)) : 0;
	}
	/* widened by F16C, as in LEVEL(kfactors) */
	c->d = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)hd));
	c->dm = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)hm));
	c->groups = blocks;
}

#include "simd/kunpack.h"

/* Rows [r0, r1) of one type, its constants as LEVEL(kapply) takes them. */
static inline __attribute__((always_inline)) void
LEVEL(krows)(int blk, float *out, const nm_i8 *xq, const float *xs, const nm_u8 *w, int n, int d, int T,
             int r0, int r1, int shift, int min, int scaled)
{
	nm_i64 row_bytes = (nm_i64)(n / nm_block_elems(blk)) * nm_block_bytes(blk);
	LEVEL(kchunk) c;

	for (int i = r0; i < r1; i++) {
		const nm_u8 *row = w + (nm_i64)i * row_bytes;
		for (int t = 0; t < T; t++)
			out[(nm_i64)t * d + i] = 0.0f;
		for (int e = 0; e < n; e += 256) {
			LEVEL(kunpack)(blk, &c, row, e, n);
			for (int t = 0; t < T; t++) {
				float *o = out + (nm_i64)t * d + i;
				*o = LEVEL(kapply)(&c, xq + (nm_i64)t * n + e, xs + (nm_i64)t * (n / 32) + e / 32, *o, shift,
				                   min, scaled);
			}
		}
	}
}

static void
LEVEL(matmul_blocks_batch)(int blk, float *out, const nm_i8 *xq, const float *xs, const nm_u8 *w,
                           int n, int d, int T, int r0, int r1)
{
	switch (blk) { /* constant types, so each case inlines its own loop */
	case NM_BLK_Q5_0:
		LEVEL(krows)(NM_BLK_Q5_0, out, xq, xs, w, n, d, T, r0, r1, 4, 0, 0);
		break;
	case NM_BLK_Q5_1:
		LEVEL(krows)(NM_BLK_Q5_1, out, xq, xs, w, n, d, T, r0, r1, 0, 1, 0);
		break;
	case NM_BLK_Q2_K:
		LEVEL(krows)(NM_BLK_Q2_K, out, xq, xs, w, n, d, T, r0, r1, 0, -1, 1);
		break;
	case NM_BLK_Q3_K:
		LEVEL(krows)(NM_BLK_Q3_K, out, xq, xs, w, n, d, T, r0, r1, 2, 0, 1);
		break;
	case NM_BLK_Q4_K:
		LEVEL(krows)(NM_BLK_Q4_K, out, xq, xs, w, n, d, T, r0, r1, 0, -1, 1);
		break;
	case NM_BLK_Q5_K:
		LEVEL(krows)(NM_BLK_Q5_K, out, xq, xs, w, n, d, T, r0, r1, 0, -1, 1);
		break;
	default:
		LEVEL(krows)(NM_BLK_Q6_K, out, xq, xs, w, n, d, T, r0, r1, 5, 0, 1);
		break;
	}
}
