/*
 * kblock128.h: the GGUF block products (kernels.h nm_matmul_blocks, every
 * NM_BLK_* type) with SSE2 only (no maddubs, hadd or 32-bit mullo),
 * included by body.h for the sse2 level.
 *
 * As in kblock.h a row is cut into chunks of 8 groups of 32 (one K-quant
 * block, or up to 8 Q5_0/Q5_1 blocks). The chunk is unpacked once into
 * unsigned q (0..63, the type's q plus its offset) per 16-element
 * sub-block, then into int16 weights w = (q - offset) * scale (|w| <=
 * 4096: Q6_K 32 * 128), and applied to every token: pmaddwd of w with x
 * widened to int16 (|pair| <= 2 * 4096 * 127) gives a group's S in four
 * int32 lanes, and pmaddwd of the sub-block mins with the pair sums of x
 * its M. A transposing add leaves 4 groups' S (M) in one vector; they are
 * the exact int32 values scalar computes. The float steps run lane-wise in
 * scalar's order and the results are added to the output in group order:
 * scalar's bits.
 */

typedef struct {
	__m128i w[32];          /* 8 int16 weights per vector, element order */
	__m128i m[16];          /* per sub-block: its min in every int16 lane */
	float d[8], dm[8];      /* per group: d; dmin (-) or Q5_1's m (+) */
	int groups;             /* 1..8 */
	int min;                /* as nm_kblock.min */
} LEVEL(kchunk);

/* Unsigned q per sub-block to weights: (q - off) * sc[k], sc nil for 1. */
static void
LEVEL(kweights)(LEVEL(kchunk) *c, const __m128i *qb, int subs, int off, const nm_i32 *sc)
{
	const __m128i zero = _mm_setzero_si128(), o = _mm_set1_epi16((short)off);

	for (int k = 0; k < subs; k++) {
		__m128i lo = _mm_sub_epi16(_mm_unpacklo_epi8(qb[k], zero), o);
		__m128i hi = _mm_sub_epi16(_mm_unpackhi_epi8(qb[k], zero), o);
		if (sc != nil) {
			__m128i s = _mm_set1_epi16((short)sc[k]);
			lo = _mm_mullo_epi16(lo, s);
			hi = _mm_mullo_epi16(hi, s);
		}
		c->w[2 * k] = lo;
		c->w[2 * k + 1] = hi;
	}
}

static void
LEVEL(kmins)(LEVEL(kchunk) *c, const nm_i32 *m, int subs)
{
	for (int k = 0; k < subs; k++)
		c->m[k] = _mm_set1_epi16((short)m[k]);
}

/* Lane j = the sum of a[j]'s four int32 lanes. */
static inline __m128i
LEVEL(kfold4)(const __m128i *a)
{
	__m128i s01 = _mm_add_epi32(_mm_unpacklo_epi32(a[0], a[1]), _mm_unpackhi_epi32(a[0], a[1]));
	__m128i s23 = _mm_add_epi32(_mm_unpacklo_epi32(a[2], a[3]), _mm_unpackhi_epi32(a[2], a[3]));

	return _mm_add_epi32(_mm_unpacklo_epi64(s01, s23), _mm_unpackhi_epi64(s01, s23));
}

/* a where a is NaN, else r = a op b: the left operand's NaN, as in
 * kblock.h's LEVEL(kleft). */
static inline __m128
LEVEL(kleft)(__m128 a, __m128 r)
{
	__m128 nan = _mm_cmpunord_ps(a, a);

	return _mm_or_ps(_mm_and_ps(nan, a), _mm_andnot_ps(nan, r));
}

/* The chunk against one token's 256 xq and 8 xs, added to val (its NaN
 * kept over the group's, as scalar's val += keeps it). */
static float
LEVEL(kapply)(const LEVEL(kchunk) *c, const nm_i8 *x, const float *xs, float val)
{
	__m128i S[8], M[8];
	float tl[8];
	int g;

	for (g = 0; g < c->groups; g++) {
		__m128i x0 = _mm_loadu_si128((const __m128i *)(x + 32 * g));
		__m128i x1 = _mm_loadu_si128((const __m128i *)(x + 32 * g + 16));
		__m128i a = lo_epi16(x0), b = hi_epi16(x0), e = lo_epi16(x1), f = hi_epi16(x1);
		S[g] = _mm_add_epi32(_mm_add_epi32(_mm_madd_epi16(c->w[4 * g], a), _mm_madd_epi16(c->w[4 * g + 1], b)),
		                     _mm_add_epi32(_mm_madd_epi16(c->w[4 * g + 2], e), _mm_madd_epi16(c->w[4 * g + 3], f)));
		if (c->min != 0)
			M[g] = _mm_add_epi32(_mm_madd_epi16(_mm_add_epi16(a, b), c->m[2 * g]),
			                     _mm_madd_epi16(_mm_add_epi16(e, f), c->m[2 * g + 1]));
	}
	for (; g < 8; g++)
		S[g] = M[g] = _mm_setzero_si128();
	for (int h = 0; h < 2; h++) {
		__m128 t = _mm_mul_ps(_mm_cvtepi32_ps(LEVEL(kfold4)(S + 4 * h)), _mm_loadu_ps(c->d + 4 * h));
		if (c->min != 0) {
			__m128 tm = _mm_mul_ps(_mm_cvtepi32_ps(LEVEL(kfold4)(M + 4 * h)), _mm_loadu_ps(c->dm + 4 * h));
			t = c->min < 0 ? _mm_sub_ps(t, tm) : LEVEL(kleft)(t, _mm_add_ps(t, tm));
		}
		_mm_storeu_ps(tl + 4 * h, t);
	}
	for (g = 0; g < c->groups; g++) {
		float p = tl[g] * xs[g];
		if (tl[g] != tl[g])
			p = tl[g];
		if (val == val)
			val += p;
	}
	return val;
}

static void
LEVEL(kfactors)(LEVEL(kchunk) *c, float d, float dm, int min)
{
	for (int g = 0; g < 8; g++) {
		c->d[g] = d;
		c->dm[g] = dm;
	}
	c->groups = 8;
	c->min = min;
}

static inline float
LEVEL(khalf)(const nm_u8 *p)
{
	return nm_half_to_float((nm_u16)(p[0] | (p[1] << 8)));
}

/* Bit `bit` of each of 16 bytes, as 0 or `to` (a power of two). */
static inline __m128i
LEVEL(kbit)(__m128i v, int bit, int to)
{
	__m128i b = _mm_and_si128(_mm_srl_epi16(v, _mm_cvtsi32_si128(bit)), _mm_set1_epi8(1));

	return _mm_mullo_epi16(b, _mm_set1_epi16((short)to));
}

/* Q4_K/Q5_K: 32 bytes of qs hold groups 2c (low nibbles) and 2c+1 (high);
 * Q5_K's fifth bit of group g is bit g of qh[32]. */
static void
LEVEL(k45_unpack)(LEVEL(kchunk) *c, const nm_u8 *b, int five)
{
	const __m128i low4 = _mm_set1_epi8(0x0f);
	const nm_u8 *qs = b + (five ? 48 : 16);
	__m128i qb[16];
	nm_i32 sc[16], m[16];
	int s8[8], m8[8];

	nm_k4_scales(b + 4, s8, m8);
	for (int k = 0; k < 16; k++) {
		sc[k] = s8[k / 2];
		m[k] = m8[k / 2];
	}
	for (int i = 0; i < 8; i++) { /* 16 bytes: sub-block i%2 of groups 2(i/2), 2(i/2)+1 */
		__m128i raw = _mm_loadu_si128((const __m128i *)(qs + 16 * i));
		int g = 2 * (i / 2);
		qb[2 * g + i % 2] = _mm_and_si128(raw, low4);
		qb[2 * (g + 1) + i % 2] = _mm_and_si128(_mm_srli_epi16(raw, 4), low4);
	}
	if (five)
		for (int k = 0; k < 16; k++)
			qb[k] = _mm_or_si128(qb[k], LEVEL(kbit)(_mm_loadu_si128((const __m128i *)(b + 16 + 16 * (k % 2))), k / 2, 16));
	LEVEL(kweights)(c, qb, 16, 0, sc);
	LEVEL(kmins)(c, m, 16);
	LEVEL(kfactors)(c, LEVEL(khalf)(b), LEVEL(khalf)(b + 2), -1);
}

/* Q6_K: half h, quarter j is group 4h + j, its low 4 bits from
 * ql[64h + 32(j%2)..] (low nibbles for j < 2), high 2 from qh[32h..] at
 * shift 2j; q - 32 as offset 32. */
static void
LEVEL(q6_k_unpack)(LEVEL(kchunk) *c, const nm_u8 *b)
{
	const __m128i low4 = _mm_set1_epi8(0x0f), three = _mm_set1_epi8(3);
	__m128i qb[16];
	nm_i32 sc[16];

	for (int k = 0; k < 16; k++) {
		int g = k / 2, h = g / 4, j = g % 4, half = 16 * (k % 2);
		__m128i ql = _mm_loadu_si128((const __m128i *)(b + 64 * h + 32 * (j % 2) + half));
		__m128i qh = _mm_loadu_si128((const __m128i *)(b + 128 + 32 * h + half));
		__m128i lo = _mm_and_si128(j < 2 ? ql : _mm_srli_epi16(ql, 4), low4);
		__m128i hi = _mm_and_si128(_mm_srl_epi16(qh, _mm_cvtsi32_si128(2 * j)), three);
		qb[k] = _mm_or_si128(lo, _mm_slli_epi16(hi, 4));
		sc[k] = (nm_i8)b[192 + k];
	}
	LEVEL(kweights)(c, qb, 16, 32, sc);
	LEVEL(kfactors)(c, LEVEL(khalf)(b + 208), 0.0f, 0);
}

/* Q2_K/Q3_K: group 4h + j's 2-bit values are qs[32h..] at shift 2j. Q3_K
 * adds 4 where its hmask bit (bit g of hmask[32]) is set: q + 4 = low2 +
 * 4 * bit, offset 4; its scales are 6-bit, stored biased by 32. */
static void
LEVEL(k23_unpack)(LEVEL(kchunk) *c, const nm_u8 *b, int three)
{
	const nm_u8 *qs = b + (three ? 32 : 16);
	__m128i qb[16];
	nm_i32 sc[16], m[16];

	for (int k = 0; k < 16; k++) {
		int g = k / 2, half = 16 * (k % 2);
		__m128i raw = _mm_loadu_si128((const __m128i *)(qs + 32 * (g / 4) + half));
		qb[k] = _mm_and_si128(_mm_srl_epi16(raw, _mm_cvtsi32_si128(2 * (g % 4))), _mm_set1_epi8(3));
		if (three)
			qb[k] = _mm_or_si128(qb[k], LEVEL(kbit)(_mm_loadu_si128((const __m128i *)(b + half)), g, 4));
	}
	if (!three) {
		for (int k = 0; k < 16; k++) {
			sc[k] = b[k] & 0x0f;
			m[k] = b[k] >> 4;
		}
		LEVEL(kweights)(c, qb, 16, 0, sc);
		LEVEL(kmins)(c, m, 16);
		LEVEL(kfactors)(c, LEVEL(khalf)(b + 80), LEVEL(khalf)(b + 82), -1);
		return;
	}
	for (int k = 0; k < 16; k++) {
		const nm_u8 *s = b + 96;
		int lo = k < 8 ? s[k] & 0x0f : s[k - 8] >> 4;
		int hi = (s[8 + k % 4] >> (2 * (k / 4))) & 3;
		sc[k] = (lo | hi << 4) - 32;
	}
	LEVEL(kweights)(c, qb, 16, 4, sc);
	LEVEL(kfactors)(c, LEVEL(khalf)(b + 108), 0.0f, 0);
}

/* Q5_0/Q5_1: up to 8 blocks of 32, one group each: qs nibbles (low:
 * elements 0..15, high: 16..31) with bit j of qh as element j's fifth
 * bit. Q5_0's q - 16 is offset 16; Q5_1 adds M * m (every min 1). */
static void
LEVEL(q5_unpack)(LEVEL(kchunk) *c, const nm_u8 *b, int blocks, int q5_1)
{
	const __m128i low4 = _mm_set1_epi8(0x0f), five = _mm_set1_epi8(0x10);
	const __m128i bits = _mm_set1_epi64x((long long)0x8040201008040201ULL);
	const int bb = q5_1 ? 24 : 22, hq = q5_1 ? 4 : 2;
	nm_i32 ones[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
	__m128i qb[16];

	for (int k = 0; k < blocks; k++) {
		const nm_u8 *p = b + k * bb;
		__m128i raw = _mm_loadu_si128((const __m128i *)(p + hq + 4));
		nm_i32 qh = (nm_i32)((nm_u32)p[hq] | (nm_u32)p[hq + 1] << 8 | (nm_u32)p[hq + 2] << 16 | (nm_u32)p[hq + 3] << 24);
		/* byte j: qh byte j/8 (bytes 16..31 of the block in the second vector) */
		__m128i v = _mm_cvtsi32_si128(qh);
		v = _mm_unpacklo_epi8(v, v);
		v = _mm_unpacklo_epi16(v, v);
		__m128i h0 = _mm_and_si128(_mm_unpacklo_epi32(v, v), bits);
		__m128i h1 = _mm_and_si128(_mm_unpackhi_epi32(v, v), bits);
		qb[2 * k] = _mm_or_si128(_mm_and_si128(raw, low4), _mm_and_si128(_mm_cmpeq_epi8(h0, bits), five));
		qb[2 * k + 1] = _mm_or_si128(_mm_and_si128(_mm_srli_epi16(raw, 4), low4), _mm_and_si128(_mm_cmpeq_epi8(h1, bits), five));
		c->d[k] = LEVEL(khalf)(p);
		c->dm[k] = q5_1 ? LEVEL(khalf)(p + 2) : 0.0f;
	}
	for (int k = blocks; k < 8; k++)
		c->d[k] = c->dm[k] = 0.0f;
	LEVEL(kweights)(c, qb, 2 * blocks, q5_1 ? 0 : 16, nil);
	if (q5_1)
		LEVEL(kmins)(c, ones, 2 * blocks);
	c->groups = blocks;
	c->min = q5_1;
}

#include "simd/kunpack.h"

static void
LEVEL(matmul_blocks_batch)(int blk, float *out, const nm_i8 *xq, const float *xs, const nm_u8 *w,
                           int n, int d, int T, int r0, int r1)
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
				*o = LEVEL(kapply)(&c, xq + (nm_i64)t * n + e, xs + (nm_i64)t * (n / 32) + e / 32, *o);
			}
		}
	}
}
