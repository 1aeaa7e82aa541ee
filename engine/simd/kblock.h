/*
 * kblock.h: the Q4_K and Q6_K products (kernels.h nm_matmul_blocks) for
 * the levels with 256-bit integer vectors, included by body.h after
 * qblock.h. A 32-element group is one register of q values (unsigned: Q4_K
 * 0..15, Q6_K 0..63 before its -32) against 32 int8 of x: maddubs pairs
 * (at most 2*63*127, no saturation), widened to int32 by madd with the
 * sub-block scales (Q6_K: one per 16 lanes) or ones. S and M are the exact
 * int32 sums scalar computes, and the float steps are scalar's, in group
 * order, so the bits are scalar's. The other types go to scalar's loop.
 */

/* sum over 32 lanes of q * x * (scale of the lane's 16-element half) */
static inline nm_i32
LEVEL(kdot)(__m256i q, __m256i x, __m256i scales)
{
	return LEVEL(reduce1)(_mm256_madd_epi16(_mm256_maddubs_epi16(q, x), scales));
}

static inline __m256i
LEVEL(kscales)(int lo, int hi)
{
	return _mm256_set_m128i(_mm_set1_epi16((short)hi), _mm_set1_epi16((short)lo));
}

/* One Q4_K block of a row against T tokens; groups g = 2c (low nibbles of
 * qs[32c..]) and 2c+1 (high nibbles). */
static void
LEVEL(q4_k_block)(const nm_u8 *b, float *out, const nm_i8 *xq, const float *xs, int n, int d, int T)
{
	const __m256i low4 = _mm256_set1_epi8(0x0f), one8 = _mm256_set1_epi8(1), one16 = _mm256_set1_epi16(1);
	float dw = nm_half_to_float((nm_u16)(b[0] | (b[1] << 8)));
	float dmin = nm_half_to_float((nm_u16)(b[2] | (b[3] << 8)));
	int sc[8], m[8];
	__m256i q[8];

	nm_k4_scales(b + 4, sc, m);
	for (int c = 0; c < 4; c++) {
		__m256i raw = _mm256_loadu_si256((const __m256i *)(b + 16 + 32 * c));
		q[2 * c] = _mm256_and_si256(raw, low4);
		q[2 * c + 1] = _mm256_and_si256(_mm256_srli_epi16(raw, 4), low4);
	}
	for (int t = 0; t < T; t++) {
		const nm_i8 *x = xq + (nm_i64)t * n;
		const float *s = xs + (nm_i64)t * (n / 32);
		float val = out[(nm_i64)t * d];
		for (int g = 0; g < 8; g++) {
			__m256i xv = _mm256_loadu_si256((const __m256i *)(x + 32 * g));
			nm_i32 S = sc[g] * LEVEL(kdot)(q[g], xv, one16);
			nm_i32 M = m[g] * LEVEL(kdot)(one8, xv, one16);
			val += ((float)S * dw - (float)M * dmin) * s[g];
		}
		out[(nm_i64)t * d] = val;
	}
}

/* One Q6_K block: half h, quarter j is group 4h + j, its low 4 bits from
 * ql[64h + 32(j%2)..] (low nibbles for j < 2), high 2 from qh[32h..] at
 * shift 2j; scales sc[8h + 2j], sc[8h + 2j + 1] per 16 lanes. */
static void
LEVEL(q6_k_block)(const nm_u8 *b, float *out, const nm_i8 *xq, const float *xs, int n, int d, int T)
{
	const __m256i low4 = _mm256_set1_epi8(0x0f), two = _mm256_set1_epi8(3), one8 = _mm256_set1_epi8(1);
	float dw = nm_half_to_float((nm_u16)(b[208] | (b[209] << 8)));
	__m256i q[8], scv[8];

	for (int h = 0; h < 2; h++) {
		__m256i ql0 = _mm256_loadu_si256((const __m256i *)(b + 64 * h));
		__m256i ql1 = _mm256_loadu_si256((const __m256i *)(b + 64 * h + 32));
		__m256i qh = _mm256_loadu_si256((const __m256i *)(b + 128 + 32 * h));
		for (int j = 0; j < 4; j++) {
			__m256i ql = j % 2 ? ql1 : ql0;
			__m256i lo = j < 2 ? _mm256_and_si256(ql, low4) : _mm256_and_si256(_mm256_srli_epi16(ql, 4), low4);
			__m256i hi = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * j), two);
			q[4 * h + j] = _mm256_or_si256(lo, _mm256_slli_epi16(hi, 4));
			scv[4 * h + j] = LEVEL(kscales)((nm_i8)b[192 + 8 * h + 2 * j], (nm_i8)b[192 + 8 * h + 2 * j + 1]);
		}
	}
	for (int t = 0; t < T; t++) {
		const nm_i8 *x = xq + (nm_i64)t * n;
		const float *s = xs + (nm_i64)t * (n / 32);
		float val = out[(nm_i64)t * d];
		for (int g = 0; g < 8; g++) {
			__m256i xv = _mm256_loadu_si256((const __m256i *)(x + 32 * g));
			/* sum sc (q - 32) x = sum sc q x - 32 sum sc x */
			nm_i32 S = LEVEL(kdot)(q[g], xv, scv[g]) - 32 * LEVEL(kdot)(one8, xv, scv[g]);
			val += ((float)S * dw) * s[g];
		}
		out[(nm_i64)t * d] = val;
	}
}

static void
LEVEL(matmul_blocks_batch)(int blk, float *out, const nm_i8 *xq, const float *xs, const nm_u8 *w,
                           int n, int d, int T, int r0, int r1)
{
	int nb = n / 256, bb;

	if (blk != NM_BLK_Q4_K && blk != NM_BLK_Q6_K) {
		nm_matmul_blocks(blk, out, xq, xs, w, n, d, T, r0, r1);
		return;
	}
	bb = nm_block_bytes(blk);
	for (int i = r0; i < r1; i++) {
		const nm_u8 *row = w + (nm_i64)i * nb * bb;
		for (int t = 0; t < T; t++)
			out[(nm_i64)t * d + i] = 0.0f;
		for (int b = 0; b < nb; b++) {
			if (blk == NM_BLK_Q4_K)
				LEVEL(q4_k_block)(row + (nm_i64)b * bb, out + i, xq + b * 256, xs + b * 8, n, d, T);
			else
				LEVEL(q6_k_block)(row + (nm_i64)b * bb, out + i, xq + b * 256, xs + b * 8, n, d, T);
		}
	}
}
