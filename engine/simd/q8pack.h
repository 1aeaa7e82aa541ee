/*
 * q8pack.h: Q8 weights repacked at load into 16-row panels for vpdpbusd
 * (avx512 with VNNI; included by body.h under QBLOCK_ZMM, after qblock.h).
 *
 * A panel holds rows 16p..16p+15. Its chunks of 64 bytes go group after
 * group; chunk c of a group holds bytes 4c..4c+3 of the group of each of
 * the 16 rows, stored as w + 128 (w XOR 0x80, unsigned). One vpdpbusd of
 * a chunk with those 4 bytes of x broadcast adds four products to each
 * row's int32 sum, so a group's 16 sums finish in one register with no
 * horizontal reduction, and a panel is one sequential stream. sum (w +
 * 128) x = sum w x + 128 sum x: each sum starts at -128 sum x. The integer
 * sums are exact; the float steps per group are scalar's, lane by lane:
 * val += ((float)isum * ws) * xs, in group order, so the bits are
 * matmul_q8_batch's.
 *
 * The 16 rows' scales of a group come in one of two forms (half, chosen
 * per matrix by nm_model_pack): floats, 64 bytes in front of the group's
 * chunks; or, when every scale of the matrix is an IEEE half exactly (GGUF
 * Q8_0's are: the file stores fp16 d), halves, all of the panel's groups'
 * 32 bytes each at the panel's start, padded to 64 bytes so the chunks stay
 * on cache lines. vcvtph2ps widens them exactly, so both forms give the
 * same bits; the halves make a group of 32 cost 34 bytes a row, as in the
 * file, instead of 36.
 */

/* QP_AHEAD: software prefetch distance in a panel's stream (bytes); of 0,
 * 512, 1024, 2048 and 4096, 1024 decoded fastest here (docs/PERFORMANCE.md). */
enum { QP_ROWS = 16, QP_MAXGS = 4096, QP_AHEAD = 1024 };

/* Where a panel's parts are: group g's scales at panel + g * sstride, its
 * chunks from panel + cbase + g * gstride; panels pstride apart. */
typedef struct {
	nm_i64 sstride, cbase, gstride, pstride;
} LEVEL(qp_geom);

static LEVEL(qp_geom)
LEVEL(qp_geometry)(int groups, int gs, int half)
{
	LEVEL(qp_geom) q;
	nm_i64 chunks = (nm_i64)QP_ROWS * gs;

	if (half) {
		q.sstride = 2 * QP_ROWS;
		q.cbase = ((nm_i64)groups * 2 * QP_ROWS + 63) / 64 * 64;
		q.gstride = chunks;
	} else {
		q.sstride = 4 * QP_ROWS + chunks;
		q.cbase = 4 * QP_ROWS;
		q.gstride = q.sstride;
	}
	q.pstride = half ? q.cbase + (nm_i64)groups * q.gstride : (nm_i64)groups * q.gstride;
	return q;
}

static nm_i64
LEVEL(q8_packed_size)(int n, int d, int gs, int half)
{
	if (gs <= 0 || gs % 4 != 0 || gs > QP_MAXGS || n <= 0 || n % gs != 0 || n / gs > QB_XSUM ||
	    d < QP_ROWS)
		return 0;
	return (nm_i64)(d / QP_ROWS) * LEVEL(qp_geometry)(n / gs, gs, half).pstride;
}

/* half: ws holds only values nm_float_to_half keeps exactly (the caller
 * checks, engine/model/pack.c). */
static void
LEVEL(q8_pack)(void *dst, const nm_i8 *wq, const float *ws, int n, int d, int gs, int half)
{
	int groups = n / gs;
	LEVEL(qp_geom) q = LEVEL(qp_geometry)(groups, gs, half);

	nm_memset(dst, 0, (nm_u64)LEVEL(q8_packed_size)(n, d, gs, half));
	for (int p = 0; p < d / QP_ROWS; p++)
		for (int g = 0; g < groups; g++) {
			nm_u8 *panel = (nm_u8 *)dst + p * q.pstride;
			nm_u8 *sc = panel + g * q.sstride, *o = panel + q.cbase + g * q.gstride;
			const nm_i8 *w = wq + (nm_i64)p * QP_ROWS * n + (nm_i64)g * gs;
			for (int r = 0; r < QP_ROWS; r++) {
				const float *s = &ws[(nm_i64)(p * QP_ROWS + r) * groups + g];
				if (half) {
					nm_u16 h = nm_float_to_half(*s);
					nm_memcpy(sc + 2 * r, &h, 2);
				} else
					nm_memcpy(sc + 4 * r, s, 4);
			}
			for (int c = 0; c < gs; c += 4)
				for (int r = 0; r < QP_ROWS; r++)
					for (int b = 0; b < 4; b++)
						*o++ = (nm_u8)w[(nm_i64)r * n + c + b] ^ 0x80;
		}
}

static inline __m512i
LEVEL(bcast4)(const nm_i8 *p)
{
	nm_i32 v;

	__builtin_memcpy(&v, p, 4);
	return _mm512_set1_epi32(v);
}

/*
 * PB panels x TB tokens (compile-time after inlining, as is half): each
 * chunk loaded once serves TB tokens, each broadcast of x serves PB
 * panels. out, xq, xs and xsum point at the first token; out also at the
 * first panel's row.
 */
QB_INLINE void
LEVEL(q8p_block)(float *out, const nm_i8 *xq, const float *xs, const nm_i32 *xsum, const nm_u8 *panel,
                 LEVEL(qp_geom) q, int n, int d, int groups, int gs, int half, int PB, int TB)
{
	__m512 val[4][4];

	for (int p = 0; p < PB; p++)
		for (int t = 0; t < TB; t++)
			val[p][t] = _mm512_setzero_ps();
	for (int g = 0; g < groups; g++) {
		const nm_u8 *wg = panel + q.cbase + (nm_i64)g * q.gstride;
		__m512i acc[4][4];
		for (int t = 0; t < TB; t++) {
			__m512i bias = _mm512_set1_epi32(-128 * xsum[(nm_i64)t * groups + g]);
			for (int p = 0; p < PB; p++)
				acc[p][t] = bias;
		}
		for (int c = 0; c < gs; c += 4) {
			__m512i xb[4];
			for (int t = 0; t < TB; t++)
				xb[t] = LEVEL(bcast4)(xq + (nm_i64)t * n + (nm_i64)g * gs + c);
			for (int p = 0; p < PB; p++) {
				const nm_u8 *wc = wg + p * q.pstride + 16 * c;
				_mm_prefetch((const char *)(wc + QP_AHEAD), _MM_HINT_T0);
				__m512i wv = _mm512_loadu_si512((const void *)wc);
				for (int t = 0; t < TB; t++)
					acc[p][t] = _mm512_dpbusd_epi32(acc[p][t], wv, xb[t]);
			}
		}
		for (int p = 0; p < PB; p++) {
			const nm_u8 *ps = panel + p * q.pstride + (nm_i64)g * q.sstride;
			__m512 sc = half ? _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)ps))
			                 : _mm512_loadu_ps((const float *)ps);
			for (int t = 0; t < TB; t++)
				val[p][t] = _mm512_add_ps(val[p][t],
				                          _mm512_mul_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(acc[p][t]), sc),
				                                        _mm512_set1_ps(xs[(nm_i64)t * groups + g])));
		}
	}
	for (int p = 0; p < PB; p++)
		for (int t = 0; t < TB; t++)
			_mm512_storeu_ps(out + (nm_i64)t * d + p * QP_ROWS, val[p][t]);
}

/* Panels [p0, p1) for tn tokens: four panels per x broadcast when
 * decoding, two panels x four tokens when the weights serve a batch. */
QB_INLINE void
LEVEL(q8p_panels)(float *out, const nm_i8 *xq, const float *xs, const nm_i32 *xsum, const nm_u8 *packed,
                  int n, int d, int gs, int half, int tn, int p0, int p1)
{
	int groups = n / gs;
	LEVEL(qp_geom) q = LEVEL(qp_geometry)(groups, gs, half);
	int p = p0;

#define QP_BLOCK(PB, TB, t)                                                                            \
	LEVEL(q8p_block)(out + (nm_i64)(t) * d + (nm_i64)p * QP_ROWS, xq + (nm_i64)(t) * n,                \
	                 xs + (nm_i64)(t) * groups, xsum + (nm_i64)(t) * groups, packed + p * q.pstride, q, \
	                 n, d, groups, gs, half, PB, TB)
	if (tn == 1)
		for (; p + 4 <= p1; p += 4)
			QP_BLOCK(4, 1, 0);
	for (; p + 2 <= p1; p += 2) {
		int t = 0;
		for (; t + 4 <= tn; t += 4)
			QP_BLOCK(2, 4, t);
		for (; t < tn; t++)
			QP_BLOCK(2, 1, t);
	}
	for (; p < p1; p++) {
		int t = 0;
		for (; t + 4 <= tn; t += 4)
			QP_BLOCK(1, 4, t);
		for (; t < tn; t++)
			QP_BLOCK(1, 1, t);
	}
#undef QP_BLOCK
}

/* The scale form as a constant, so each form gets its own inlined loops. */
QB_INLINE void
LEVEL(q8p_form)(float *out, const nm_i8 *xq, const float *xs, const nm_i32 *xsum, const nm_u8 *packed,
                int n, int d, int gs, int half, int tn, int p0, int p1)
{
	if (half)
		LEVEL(q8p_panels)(out, xq, xs, xsum, packed, n, d, gs, 1, tn, p0, p1);
	else
		LEVEL(q8p_panels)(out, xq, xs, xsum, packed, n, d, gs, 0, tn, p0, p1);
}

static void
LEVEL(matmul_q8_packed_batch)(float *out, const nm_i8 *xq, const float *xs, const void *packed, int half,
                              int n, int d, int gs, int T, int r0, int r1)
{
	int groups = n / gs;
	int tc = QB_XSUM / groups; /* tokens whose x group sums fit the buffer (>= 1: see size) */
	nm_i32 xsum[QB_XSUM];

	for (int t0 = 0; t0 < T; t0 += tc) {
		int tn = T - t0 < tc ? T - t0 : tc;
		const nm_i8 *x = xq + (nm_i64)t0 * n;
		LEVEL(x_group_sums)(xsum, x, n, gs, tn);
		float *o = out + (nm_i64)t0 * d;
		const float *s = xs + (nm_i64)t0 * groups;
		/* constant group sizes unroll the chunk loop */
		if (gs == 32)
			LEVEL(q8p_form)(o, x, s, xsum, packed, n, d, 32, half, tn, r0 / QP_ROWS, r1 / QP_ROWS);
		else if (gs == 64)
			LEVEL(q8p_form)(o, x, s, xsum, packed, n, d, 64, half, tn, r0 / QP_ROWS, r1 / QP_ROWS);
		else
			LEVEL(q8p_form)(o, x, s, xsum, packed, n, d, gs, half, tn, r0 / QP_ROWS, r1 / QP_ROWS);
	}
}
