/*
 * qblock.h: the Q8 and Q4_0 products of the levels with 256-bit integer
 * vectors (avx2, avx512), included by body.h. The including table defines
 *
 *   QSUM32(acc, w, x)  acc + eight int32 partial sums of the 32 int8 pairs
 *                      at w (any int8) and x (in [-127, 127], as every
 *                      activation nm_q8_quantize makes), as an __m256i
 *
 * and QBLOCK_ZMM when it has AVX-512 (F, BW, VL, VNNI): Q8 groups then also
 * go 64 values per zmm register (q8_wide below).
 *
 * Each output element (row i, token t) is one float chain: products of 8
 * consecutive groups are made together (their int32 sums reduced by one
 * transpose-and-add, converted, scaled lane-wise), parked in P, and then
 * added in group order. Up to four outputs run side by side so that their
 * chains overlap; the order inside each chain is scalar's.
 */

enum { QB_OUT = 4, QB_CHUNK = 64 };

typedef struct {
	const nm_i8 *x;  /* activation (n int8) and its group scales */
	const float *xs;
	const void *w;   /* weight row: int8 + scales (Q8) or 18-byte blocks (Q4_0) */
	const float *ws;
	const nm_u16 *wsh; /* Q8 with half scales (matmul_q8h_batch): these, ws nil */
	float *out;
	const nm_i32 *xsum; /* per group sum of x, or nil (QBLOCK_ZMM only) */
} LEVEL(qout);

/* The eight int32 lane-sums of a[0..7], in order, as one vector. */
static inline __m256i
LEVEL(reduce8)(const __m256i *a)
{
	__m256i t0 = _mm256_hadd_epi32(a[0], a[1]), t1 = _mm256_hadd_epi32(a[2], a[3]);
	__m256i t2 = _mm256_hadd_epi32(a[4], a[5]), t3 = _mm256_hadd_epi32(a[6], a[7]);
	__m256i u0 = _mm256_hadd_epi32(t0, t1), u1 = _mm256_hadd_epi32(t2, t3);

	return _mm256_add_epi32(_mm256_permute2x128_si256(u0, u1, 0x20),
	                        _mm256_permute2x128_si256(u0, u1, 0x31));
}

static inline nm_i32
LEVEL(reduce1)(__m256i v)
{
	__m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
	return _mm_cvtsi128_si32(s);
}

/* A Q4_0 block's 32 nibbles as signed bytes (q - 8), low nibbles first. */
static inline __m256i
LEVEL(q4_values)(const nm_u8 *nib)
{
	__m128i raw = _mm_loadu_si128((const __m128i *)nib);
	__m128i mask = _mm_set1_epi8(0x0f);
	__m256i q = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(raw, 4), mask), _mm_and_si128(raw, mask));

	return _mm256_sub_epi8(q, _mm256_set1_epi8(8));
}

#define QB_INLINE static inline __attribute__((always_inline))

/* W scales g..g+7 as floats; halves widen exactly (vcvtph2ps). */
QB_INLINE __m256
LEVEL(wscale8)(const LEVEL(qout) *o, int g)
{
	if (o->ws != nil)
		return _mm256_loadu_ps(o->ws + g);
	return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(o->wsh + g)));
}

/* The products of groups g..g+7 of one output into p[0..7]. */
QB_INLINE void
LEVEL(q8_group8)(float *p, const LEVEL(qout) *o, int g, int gs)
{
	const nm_i8 *w = (const nm_i8 *)o->w + (nm_i64)g * gs;
	const nm_i8 *x = o->x + (nm_i64)g * gs;
	__m256i a[8];

	for (int k = 0; k < 8; k++) {
		a[k] = _mm256_setzero_si256();
		_mm_prefetch((const char *)(w + 4096 + k * gs), _MM_HINT_T0);
		for (int j = k * gs; j < (k + 1) * gs; j += 32)
			a[k] = QSUM32(a[k], _mm256_loadu_si256((const __m256i *)(w + j)),
			              _mm256_loadu_si256((const __m256i *)(x + j)));
	}
	__m256 iv = _mm256_cvtepi32_ps(LEVEL(reduce8)(a));
	_mm256_storeu_ps(p, _mm256_mul_ps(_mm256_mul_ps(iv, LEVEL(wscale8)(o, g)), _mm256_loadu_ps(o->xs + g)));
}

QB_INLINE float
LEVEL(q8_group1)(const LEVEL(qout) *o, int g, int gs)
{
	const nm_i8 *w = (const nm_i8 *)o->w + (nm_i64)g * gs;
	const nm_i8 *x = o->x + (nm_i64)g * gs;
	__m256i a = _mm256_setzero_si256();

	for (int j = 0; j < gs; j += 32)
		a = QSUM32(a, _mm256_loadu_si256((const __m256i *)(w + j)),
		           _mm256_loadu_si256((const __m256i *)(x + j)));
	return ((float)LEVEL(reduce1)(a) * (o->ws != nil ? o->ws[g] : nm_half_to_float(o->wsh[g]))) * o->xs[g];
}

QB_INLINE void
LEVEL(q4_group8)(float *p, const LEVEL(qout) *o, int g, int gs)
{
	const nm_u8 *blk = (const nm_u8 *)o->w + (nm_i64)g * 18;
	const nm_i8 *x = o->x + (nm_i64)g * 32;
	__m256i a[8];
	short h[8];

	(void)gs;
	for (int k = 0; k < 8; k++) {
		h[k] = (short)(blk[18 * k] | (blk[18 * k + 1] << 8));
		a[k] = QSUM32(_mm256_setzero_si256(), LEVEL(q4_values)(blk + 18 * k + 2),
		              _mm256_loadu_si256((const __m256i *)(x + 32 * k)));
	}
	/* fp16 -> float is exact, as nm_half_to_float */
	__m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)h));
	__m256 iv = _mm256_cvtepi32_ps(LEVEL(reduce8)(a));
	_mm256_storeu_ps(p, _mm256_mul_ps(_mm256_mul_ps(iv, dw), _mm256_loadu_ps(o->xs + g)));
}

QB_INLINE float
LEVEL(q4_group1)(const LEVEL(qout) *o, int g, int gs)
{
	const nm_u8 *blk = (const nm_u8 *)o->w + (nm_i64)g * 18;
	__m256i a = QSUM32(_mm256_setzero_si256(), LEVEL(q4_values)(blk + 2),
	                   _mm256_loadu_si256((const __m256i *)(o->x + (nm_i64)g * 32)));
	float dw = nm_half_to_float((nm_u16)(blk[0] | (blk[1] << 8)));

	(void)gs;
	return ((float)LEVEL(reduce1)(a) * dw) * o->xs[g];
}

#ifdef QBLOCK_ZMM
/*
 * Q8 groups with 512-bit vectors: one zmm per 64 values (a group of 64, or
 * two groups of 32). AVX-512 has no vpsignb, so x takes w's sign through a
 * mask. Eight zmm accumulators reduce together: two unpack-and-add levels
 * leave, in each 128-bit lane L, the lane-L sums of four accumulators; the
 * lanes then add per group (all four lanes for gs 64k, pairs for gs 32).
 */
#define Q8_WIDE(gs) ((gs) == 32 ? 16 : (gs) % 64 == 0 ? 8 : 0)
enum { QB_XSUM = 8192 }; /* tokens x groups whose x sums fit the stack buffer */

/* sums[t * groups + g] = the sum of group g of token t's x (T x n int8). */
static void
LEVEL(x_group_sums)(nm_i32 *sums, const nm_i8 *xq, int n, int gs, int T)
{
	int groups = n / gs;

	for (int t = 0; t < T; t++)
		for (int g = 0; g < groups; g++) {
			const nm_i8 *xg = xq + (nm_i64)t * n + (nm_i64)g * gs;
			nm_i32 sum = 0;
			for (int j = 0; j < gs; j++)
				sum += xg[j];
			sums[t * groups + g] = sum;
		}
}

static inline __m512i
LEVEL(zsum64)(__m512i acc, const nm_i8 *w, const nm_i8 *x)
{
	__m512i vw = _mm512_loadu_si512((const void *)w);
	__m512i vx = _mm512_loadu_si512((const void *)x);
	__mmask64 neg = _mm512_movepi8_mask(vw);

	return _mm512_dpbusd_epi32(acc, _mm512_abs_epi8(vw),
	                           _mm512_mask_sub_epi8(vx, neg, _mm512_setzero_si512(), vx));
}

/* With the group sums of x at hand, w + 128 (w XOR 0x80: unsigned) times
 * x needs no sign juggling: sum (w + 128) x = sum w x + 128 sum x. */
static inline __m512i
LEVEL(zsum64u)(__m512i acc, const nm_i8 *w, const nm_i8 *x)
{
	__m512i vw = _mm512_xor_si512(_mm512_loadu_si512((const void *)w), _mm512_set1_epi8((char)0x80));

	return _mm512_dpbusd_epi32(acc, vw, _mm512_loadu_si512((const void *)x));
}

/* [a0 a1 a2 a3] sums of each 128-bit lane, one lane per 128-bit lane. */
static inline __m512i
LEVEL(zlanes4)(const __m512i *a)
{
	__m512i r0 = _mm512_add_epi32(_mm512_unpacklo_epi32(a[0], a[1]), _mm512_unpackhi_epi32(a[0], a[1]));
	__m512i r1 = _mm512_add_epi32(_mm512_unpacklo_epi32(a[2], a[3]), _mm512_unpackhi_epi32(a[2], a[3]));

	return _mm512_add_epi32(_mm512_unpacklo_epi64(r0, r1), _mm512_unpackhi_epi64(r0, r1));
}

QB_INLINE void
LEVEL(q8_wide)(float *p, const LEVEL(qout) *o, int g, int gs)
{
	const nm_i8 *w = (const nm_i8 *)o->w + (nm_i64)g * gs;
	const nm_i8 *x = o->x + (nm_i64)g * gs;
	__m512i a[8];

	for (int k = 0; k < 8; k++) {
		int span = gs == 32 ? 64 : gs; /* bytes per accumulator */
		a[k] = _mm512_setzero_si512();
		for (int j = k * span; j < (k + 1) * span; j += 64) {
			_mm_prefetch((const char *)(w + j + 4096), _MM_HINT_T0);
			a[k] = o->xsum != nil ? LEVEL(zsum64u)(a[k], w + j, x + j) : LEVEL(zsum64)(a[k], w + j, x + j);
		}
	}
	__m512i s0 = LEVEL(zlanes4)(a), s1 = LEVEL(zlanes4)(a + 4);
	/* lanes [s0 L0+L1, s0 L2+L3, s1 L0+L1, s1 L2+L3] */
	__m512i t = _mm512_add_epi32(_mm512_shuffle_i32x4(s0, s1, 0x88), _mm512_shuffle_i32x4(s0, s1, 0xdd));
	if (gs == 32) {
		/* t's lanes hold groups [0 2 4 6] [1 3 5 7] [8 10 12 14] [9 11 13 15] */
		__m512i order = _mm512_set_epi32(15, 11, 14, 10, 13, 9, 12, 8, 7, 3, 6, 2, 5, 1, 4, 0);
		__m512i sums = _mm512_permutexvar_epi32(order, t);
		if (o->xsum != nil)
			sums = _mm512_sub_epi32(sums, _mm512_slli_epi32(_mm512_loadu_si512((const void *)(o->xsum + g)), 7));
		__m512 iv = _mm512_cvtepi32_ps(sums);
		__m512 sw = o->ws != nil ? _mm512_loadu_ps(o->ws + g)
		                         : _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(o->wsh + g)));
		_mm512_storeu_ps(p, _mm512_mul_ps(_mm512_mul_ps(iv, sw), _mm512_loadu_ps(o->xs + g)));
	} else {
		/* [s0 L01, s1 L01, s0 L23, s1 L23], then the halves add */
		__m512i u = _mm512_shuffle_i32x4(t, t, 0xd8);
		__m256i v = _mm256_add_epi32(_mm512_castsi512_si256(u), _mm512_extracti64x4_epi64(u, 1));
		if (o->xsum != nil)
			v = _mm256_sub_epi32(v, _mm256_slli_epi32(_mm256_loadu_si256((const __m256i *)(o->xsum + g)), 7));
		__m256 iv = _mm256_cvtepi32_ps(v);
		_mm256_storeu_ps(p, _mm256_mul_ps(_mm256_mul_ps(iv, LEVEL(wscale8)(o, g)), _mm256_loadu_ps(o->xs + g)));
	}
}
#endif

/* R (<= QB_OUT) outputs of `groups` groups each; q4 picks the block format. */
QB_INLINE void
LEVEL(qoutputs)(const LEVEL(qout) *o, int R, int groups, int gs, int q4)
{
	float p[QB_OUT][QB_CHUNK];
	float val[QB_OUT] = {0.0f, 0.0f, 0.0f, 0.0f};

	for (int g0 = 0; g0 < groups; g0 += QB_CHUNK) {
		int ng = groups - g0 < QB_CHUNK ? groups - g0 : QB_CHUNK;
		for (int r = 0; r < R; r++) {
			int g = 0;
#ifdef Q8_WIDE
			// The level's wider step (Q8_WIDE groups at a time) where it has one.
			if (!q4 && Q8_WIDE(gs) > 0)
				for (; g + Q8_WIDE(gs) <= ng; g += Q8_WIDE(gs))
					LEVEL(q8_wide)(p[r] + g, &o[r], g0 + g, gs);
#endif
			for (; g + 8 <= ng; g += 8) {
				if (q4)
					LEVEL(q4_group8)(p[r] + g, &o[r], g0 + g, gs);
				else
					LEVEL(q8_group8)(p[r] + g, &o[r], g0 + g, gs);
			}
			for (; g < ng; g++)
				p[r][g] = q4 ? LEVEL(q4_group1)(&o[r], g0 + g, gs) : LEVEL(q8_group1)(&o[r], g0 + g, gs);
		}
		for (int g = 0; g < ng; g++)
			for (int r = 0; r < R; r++)
				val[r] += p[r][g];
	}
	for (int r = 0; r < R; r++)
		*o[r].out = val[r];
}

/* Rows [r0, r1) for T tokens. Decode (T = 1): four rows share x; prefill:
 * the tokens of one row share its weights while they sit in L1. gs must be
 * a multiple of 32; inlined with a constant gs (and q4) at each call below
 * so the group loops unroll. */
QB_INLINE void
LEVEL(qbatch)(float *out, const nm_i8 *xq, const float *xs, const void *w, const float *ws,
              const nm_u16 *wsh, int n, int d, int gs, int T, int r0, int r1, int q4)
{
	int groups = n / gs;
	nm_i64 wrow = q4 ? (nm_i64)groups * 18 : n;
	LEVEL(qout) o[QB_OUT];
	int k = 0;
	const nm_i32 *xsum = nil;
#ifdef QBLOCK_ZMM
	/* Group sums of every token's x, once per call, for zsum64u. */
	nm_i32 xsum_buf[QB_XSUM];
	if (!q4 && Q8_WIDE(gs) > 0 && (nm_i64)T * groups <= QB_XSUM) {
		LEVEL(x_group_sums)(xsum_buf, xq, n, gs, T);
		xsum = xsum_buf;
	}
#endif

	for (int i = r0; i < r1; i++)
		for (int t = 0; t < T; t++) {
			o[k].xsum = xsum != nil ? xsum + (nm_i64)t * groups : nil;
			o[k].x = xq + (nm_i64)t * n;
			o[k].xs = xs + (nm_i64)t * groups;
			o[k].w = (const nm_u8 *)w + (nm_i64)i * wrow;
			o[k].ws = ws != nil ? ws + (nm_i64)i * groups : nil;
			o[k].wsh = wsh != nil ? wsh + (nm_i64)i * groups : nil;
			o[k].out = out + (nm_i64)t * d + i;
			if (++k == QB_OUT) {
				LEVEL(qoutputs)(o, QB_OUT, groups, gs, q4);
				k = 0;
			}
		}
	for (int r = 0; r < k; r++)
		LEVEL(qoutputs)(&o[r], 1, groups, gs, q4);
}

/* Group sizes that are not a multiple of 32: one group at a time. */
static float
LEVEL(q8_dot_any)(const nm_i8 *x, const float *xs, const nm_i8 *row, const float *rs, const nm_u16 *rsh,
                  int n, int gs)
{
	float val = 0.0f;

	for (int g = 0; g < n / gs; g++) {
		nm_i32 ival = 0;
		for (int j = g * gs; j < (g + 1) * gs; j++)
			ival += (nm_i32)x[j] * (nm_i32)row[j];
		val += ((float)ival * (rs != nil ? rs[g] : nm_half_to_float(rsh[g]))) * xs[g];
	}
	return val;
}

/* W scales ws (float) or, ws nil, wsh (half). */
static void
LEVEL(q8_batch_any)(float *out, const nm_i8 *xq, const float *xs, const nm_i8 *wq, const float *ws,
                    const nm_u16 *wsh, int n, int d, int gs, int T, int r0, int r1)
{
	int groups = n / gs;

	if (gs == 32) {
		LEVEL(qbatch)(out, xq, xs, wq, ws, wsh, n, d, 32, T, r0, r1, 0);
		return;
	}
	if (gs == 64) {
		LEVEL(qbatch)(out, xq, xs, wq, ws, wsh, n, d, 64, T, r0, r1, 0);
		return;
	}
	if (gs % 32 == 0) {
		LEVEL(qbatch)(out, xq, xs, wq, ws, wsh, n, d, gs, T, r0, r1, 0);
		return;
	}
	for (int i = r0; i < r1; i++)
		for (int t = 0; t < T; t++)
			out[(nm_i64)t * d + i] =
			    LEVEL(q8_dot_any)(xq + (nm_i64)t * n, xs + (nm_i64)t * groups, wq + (nm_i64)i * n,
			                      ws != nil ? ws + (nm_i64)i * groups : nil,
			                      wsh != nil ? wsh + (nm_i64)i * groups : nil, n, gs);
}

static void
LEVEL(matmul_q8_batch)(float *out, const nm_i8 *xq, const float *xs, const nm_i8 *wq,
                       const float *ws, int n, int d, int gs, int T, int r0, int r1)
{
	LEVEL(q8_batch_any)(out, xq, xs, wq, ws, nil, n, d, gs, T, r0, r1);
}

static void
LEVEL(matmul_q8h_batch)(float *out, const nm_i8 *xq, const float *xs, const nm_i8 *wq,
                        const nm_u16 *ws, int n, int d, int gs, int T, int r0, int r1)
{
	LEVEL(q8_batch_any)(out, xq, xs, wq, nil, ws, n, d, gs, T, r0, r1);
}

static void
LEVEL(matmul_q4_0_batch)(float *out, const nm_i8 *xq, const float *xs, const nm_u8 *w, int n,
                         int d, int T, int r0, int r1)
{
	LEVEL(qbatch)(out, xq, xs, w, nil, nil, n, d, 32, T, r0, r1, 1);
}

/*
 * nm_q8_quantize eight floats at a time, bit-exact with q8.c: max|x|
 * skipping NaN (maxps returns its second operand for a NaN first), one
 * scalar division for the scale, then per element the same IEEE quotient,
 * clamp to [-127, 127], and q8.c's rounding: truncate, and step away from
 * zero when the exact fraction reaches one half (ties away), or round to
 * nearest even; NaN quotients give 0. A group of zeros (scale 0) and group
 * sizes that are not a multiple of 8 take the scalar function.
 */
static void
LEVEL(q8_quantize)(nm_i8 *q, float *scales, const float *x, int n, int gs, int rounding)
{
	const __m256 sign = _mm256_set1_ps(-0.0f), lim = _mm256_set1_ps(127.0f), half = _mm256_set1_ps(0.5f);
	const __m256 one = _mm256_set1_ps(1.0f);

	if (gs % 8 != 0) {
		nm_q8_quantize(q, scales, x, n, gs, rounding);
		return;
	}
	for (int g = 0; g < n / gs; g++) {
		const float *xg = x + (nm_i64)g * gs;
		nm_i8 *qg = q + (nm_i64)g * gs;
		__m256 vmax = _mm256_setzero_ps();
		float wmax, scale;

		for (int j = 0; j < gs; j += 8)
			vmax = _mm256_max_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(xg + j)), vmax);
		__m128 m = _mm_max_ps(_mm256_castps256_ps128(vmax), _mm256_extractf128_ps(vmax, 1));
		m = _mm_max_ps(m, _mm_movehl_ps(m, m));
		m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
		wmax = _mm_cvtss_f32(m);
		scale = wmax / 127.0f;
		if (scale == 0.0f) {
			nm_q8_quantize(qg, scales + g, xg, gs, gs, rounding);
			continue;
		}
		scales[g] = scale;
		__m256 vs = _mm256_set1_ps(scale);
		for (int j = 0; j < gs; j += 8) {
			__m256 v = _mm256_div_ps(_mm256_loadu_ps(xg + j), vs);
			__m256 nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
			__m256 r;
			v = _mm256_max_ps(_mm256_min_ps(v, lim), _mm256_sub_ps(_mm256_setzero_ps(), lim));
			if (rounding == NM_ROUND_AWAY) {
				__m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
				__m256 frac = _mm256_sub_ps(v, t);
				__m256 up = _mm256_and_ps(_mm256_cmp_ps(frac, half, _CMP_GE_OQ), one);
				__m256 down = _mm256_and_ps(_mm256_cmp_ps(frac, _mm256_sub_ps(_mm256_setzero_ps(), half), _CMP_LE_OQ), one);
				r = _mm256_sub_ps(_mm256_add_ps(t, up), down);
			} else {
				r = _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
			}
			__m256i i32 = _mm256_cvttps_epi32(_mm256_andnot_ps(nan, r));
			__m128i i16 = _mm_packs_epi32(_mm256_castsi256_si128(i32), _mm256_extracti128_si256(i32, 1));
			_mm_storel_epi64((__m128i *)(qg + j), _mm_packs_epi16(i16, i16));
		}
	}
}
