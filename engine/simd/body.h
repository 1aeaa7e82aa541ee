/*
 * body.h: the float kernels of one SIMD level, written once over a small
 * vector vocabulary that the including table_LEVEL.c defines first:
 *
 *   VF            vector of W floats
 *   VLOAD(p)      unaligned load        VSTORE(p, v)   unaligned store
 *   VSET1(f)      broadcast             VZERO()        all zero
 *   VADD VMUL     lane-wise             VMADD(a, b, c) a*b + c (fused on FMA levels)
 *   VHSUM(v)      sum of the lanes as a float
 *   VMASK_EQ(a, b) bit i set where lane i of a == lane i of b
 *   VHSUM_LANES(v) of W vectors v[0..W-1], the vector of their VHSUMs
 *                 (lane i: VHSUM(v[i]), bit for bit)
 *   IDOT(a, b, n) exact int32 dot product of n int8 pairs
 *   Q4DOT(blk, x) exact int32 dot product of one Q4_0 block's 32 values
 *                 (nibble - 8) with 32 int8
 *   VLOAD_F16(p)  W IEEE halves at p widened exactly to floats
 *   VLOAD_BF16(p) W bfloat16 at p widened (a 16-bit shift)
 *   LEVEL(name)   name mangled with the level, e.g. name##_avx2
 *
 * Per-row (per-head) arithmetic never depends on the row range, so any
 * thread split gives the same bits. Float reductions use W-lane partial sums
 * (a different order from scalar; still within gamma(n) of docs/TOLERANCES.md).
 * The Q8 and Q4_0 entries are bit-exact with scalar: their integer sums are
 * exact and the float steps run in scalar order. softmax and SiLU use the
 * level's VEXP (vexp.h: expf within the 1-ULP libm budget the bounds
 * assume); RoPE takes its angles from libm once per head position, as
 * scalar does, and rotates W lanes at a time with scalar's roundings, so
 * its bits are scalar's.
 */

#include "kernels/fbits.h"

/* The W lanes of sum_j a[j] * b[j] (j < n - n % W) before they are added:
 * four vector accumulators, then their sum. */
static inline __attribute__((always_inline)) VF
LEVEL(dot_lanes)(const float *a, const float *b, int n)
{
	VF s0 = VZERO(), s1 = VZERO(), s2 = VZERO(), s3 = VZERO();
	int j = 0;

	for (; j + 4 * W <= n; j += 4 * W) {
		s0 = VMADD(VLOAD(a + j), VLOAD(b + j), s0);
		s1 = VMADD(VLOAD(a + j + W), VLOAD(b + j + W), s1);
		s2 = VMADD(VLOAD(a + j + 2 * W), VLOAD(b + j + 2 * W), s2);
		s3 = VMADD(VLOAD(a + j + 3 * W), VLOAD(b + j + 3 * W), s3);
	}
	for (; j + W <= n; j += W)
		s0 = VMADD(VLOAD(a + j), VLOAD(b + j), s0);
	return VADD(VADD(s0, s1), VADD(s2, s3));
}

/* sum_j a[j] * b[j]: the lanes, VHSUM, then the scalar tail. */
static float
LEVEL(dot)(const float *a, const float *b, int n)
{
	float s = VHSUM(LEVEL(dot_lanes)(a, b, n));

	for (int j = n - n % W; j < n; j++)
		s += a[j] * b[j];
	return s;
}

/*
 * Attention reads a head's slice of every cached position, rows apart, and
 * the weight stream of each token has pushed them out of L2: prefetching
 * ATT_AHEAD positions ahead makes the 15M model's attention ~7% faster.
 */
enum { ATT_AHEAD = 16 };

/* Every cache line of n floats at p. */
static inline void
LEVEL(prefetch_floats)(const float *p, int n)
{
	for (int j = 0; j < n; j += 16)
		__builtin_prefetch(p + j);
	__builtin_prefetch(p + n - 1);
}

/*
 * The attention scores of one head: out[t] = (q . k_t) / scale for n_t
 * positions (k_t at k + t stride). W positions at a time, their lane sums
 * added by one transposed reduction (VHSUM_LANES: lane i is VHSUM of v[i],
 * the same additions in the same tree), so each score has dot()'s bits
 * without a horizontal sum per position.
 */
static void
LEVEL(scores)(float *out, const float *q, const float *k, nm_i64 stride, int n_t, int n,
              float scale)
{
	int t = 0;

	if (n % W == 0)
		for (; t + W <= n_t; t += W) {
			VF v[W];
			for (int i = 0; i < W; i++) {
				if (t + i + ATT_AHEAD < n_t)
					LEVEL(prefetch_floats)(k + (nm_i64)(t + i + ATT_AHEAD) * stride, n);
				v[i] = LEVEL(dot_lanes)(q, k + (nm_i64)(t + i) * stride, n);
			}
			VSTORE(out + t, VDIV(VHSUM_LANES(v), VSET1(scale)));
		}
	for (; t < n_t; t++)
		out[t] = LEVEL(dot)(q, k + (nm_i64)t * stride, n) / scale;
}

/*
 * Matrix products. Every output element W_i . x_t is computed the same way
 * whatever the tile it falls in: one vector accumulator over the W-wide
 * chunks left to right (fused on FMA levels), VHSUM, then the scalar tail.
 * So a row gives the same bits alone, in a block of rows, or in a batch of
 * tokens (prefill), which keeps prefill and decode, and every thread
 * split, bit-identical. 16-bit float weights go through the same tiles,
 * each chunk widened exactly as it is loaded: a row's bits are the f32
 * product's on the widened matrix. Tiles of rows x tokens only share the
 * loads and keep enough independent accumulators in flight; the batch
 * entries' cache blocking (product_batch) only changes which tile runs
 * when, and parks accumulators in memory between k-blocks, exactly.
 */
enum { WF32, WF16, WBF16 }; /* weight storage of a product (kernel_table.h) */

/* The register tile of the products, rows x tokens: 12 accumulators, 3 x
 * vectors and a weight vector fill the 16 registers of sse2/avx2; a level
 * with more registers defines a wider one before including this file. */
#ifndef TILE_R
#define TILE_R 4
#define TILE_C 3
#endif

/* Element j of a weight row of that storage, widened exactly as scalar does. */
static inline __attribute__((always_inline)) float
LEVEL(weight)(const void *w, nm_i64 j, int kind)
{
	if (kind == WF16)
		return nm_half_to_float(((const nm_u16 *)w)[j]);
	if (kind == WBF16)
		return nm_f32_from_bits((nm_u32)((const nm_u16 *)w)[j] << 16);
	return ((const float *)w)[j];
}

/* W weights from element j on, widened exactly (VLOAD_F16, VLOAD_BF16:
 * the level's conversions, the same values as LEVEL(weight)). */
static inline __attribute__((always_inline)) VF
LEVEL(wload)(const void *w, nm_i64 j, int kind)
{
	if (kind == WF16)
		return VLOAD_F16((const nm_u16 *)w + j);
	if (kind == WBF16)
		return VLOAD_BF16((const nm_u16 *)w + j);
	return VLOAD((const float *)w + j);
}

static inline __attribute__((always_inline)) float
LEVEL(finish)(VF acc, const void *w, nm_i64 row, const float *x, int j, int n, int kind)
{
	float s = VHSUM(acc);

	for (; j < n; j++)
		s += LEVEL(weight)(w, row + j, kind) * x[j];
	return s;
}

/*
 * The register tile: out[t*d + i] for rows i0..i0+R-1 and tokens
 * t0..t0+C-1 over the chunks [j0, j1) of the k-sum (multiples of W; R, C
 * and the weight kind constant at every call, so the loops unroll and the
 * R*C accumulators stay in registers). Each weight vector is loaded
 * (and widened) once and used for C tokens, each x vector for R rows.
 * The accumulators start at zero when j0 is 0, else from spill (where the
 * previous k-block stored them: spill[r*ss + c]); when j1 is the last
 * whole chunk they are finished (VHSUM, scalar tail) into out, else
 * stored back. A vector stored and loaded again is unchanged, so a
 * k-blocked output gets the one accumulator chain of the unblocked loop.
 */
static inline __attribute__((always_inline)) void
LEVEL(tile)(float *out, const float *x, const void *w, int n, int d, int i0, int t0, int R,
            int C, int kind, int j0, int j1, VF *spill, int ss)
{
	VF acc[TILE_R][TILE_C];
	int nv = n - n % W;

	for (int r = 0; r < R; r++)
		for (int c = 0; c < C; c++)
			acc[r][c] = j0 == 0 ? VZERO() : spill[r * ss + c];
	/* two chunks per trip: the loop's own instructions are a seventh of
	 * a 4 x 3 tile's (cold 110M-shape f32 products ~6% faster) */
#pragma GCC unroll 2
	for (int j = j0; j < j1; j += W) {
		VF xv[TILE_C];
		for (int c = 0; c < C; c++)
			xv[c] = VLOAD(x + (nm_i64)(t0 + c) * n + j);
		for (int r = 0; r < R; r++) {
			VF wv = LEVEL(wload)(w, (nm_i64)(i0 + r) * n + j, kind);
			for (int c = 0; c < C; c++)
				acc[r][c] = VMADD(wv, xv[c], acc[r][c]);
		}
	}
	for (int r = 0; r < R; r++)
		for (int c = 0; c < C; c++) {
			if (j1 < nv)
				spill[r * ss + c] = acc[r][c];
			else
				out[(nm_i64)(t0 + c) * d + i0 + r] = LEVEL(finish)(
				    acc[r][c], w, (nm_i64)(i0 + r) * n, x + (nm_i64)(t0 + c) * n, nv, n, kind);
		}
}

/* Decode: rows in fours, one token, the whole k-sum in registers. */
static inline __attribute__((always_inline)) void
LEVEL(product_rows)(float *out, const float *x, const void *w, int n, int r0, int r1, int kind)
{
	int i = r0, nv = n - n % W;

	for (; i + TILE_R <= r1; i += TILE_R)
		LEVEL(tile)(out, x, w, n, 0, i, 0, TILE_R, 1, kind, 0, nv, nil, 0);
	for (; i < r1; i++)
		LEVEL(tile)(out, x, w, n, 0, i, 0, 1, 1, kind, 0, nv, nil, 0);
}

/*
 * Prefill's cache blocking. A block of R rows x KB_MAX floats of k is
 * 4 x 3 KiB at most (f32), small enough to stay in L1 while every token
 * of the token block passes over it, TILE_C tokens at a time; the
 * tokens' activations (T x n, 96 KiB for 32 tokens of 768) stay in L2.
 * So each weight is read from memory once per call, not once per TILE_C
 * tokens. Longer rows (w2: 2048) are cut into near-equal k-blocks of
 * whole chunks, the accumulators spilled between them.
 */
enum { KB_MAX = 768, TB = 48 };

/* Bytes of one weight of that storage. */
static inline __attribute__((always_inline)) int
LEVEL(wsize)(int kind)
{
	return kind == WF32 ? 4 : 2;
}

/* Part `part` of `parts` of the cache lines of rows i0..i0+R-1, chunks
 * [j0, j1): the block the next panel reads, fetched from memory while
 * this one computes (the hardware prefetcher does not cross into it
 * early enough: cold f32 prefill gains ~15%). */
static inline __attribute__((always_inline)) void
LEVEL(prefetch_block)(const void *w, int kind, int n, int i0, int R, int j0, int j1, int part,
                      int parts)
{
	int es = LEVEL(wsize)(kind);
	nm_i64 a = (nm_i64)j0 * es, len = (nm_i64)(j1 - j0) * es;
	nm_i64 p0 = a + len * part / parts, p1 = a + len * (part + 1) / parts;

	for (int r = 0; r < R; r++) {
		const char *row = (const char *)w + (nm_i64)(i0 + r) * n * es;
		for (nm_i64 o = p0 - p0 % 64; o < p1; o += 64)
			__builtin_prefetch(row + o);
	}
}

/* Rows i0..i0+R-1 (R constant) of tokens [t0, t1) over chunks [j0, j1),
 * prefetching rows pi..pi+R-1, chunks [pj0, pj1) (none when pi < 0). */
static inline __attribute__((always_inline)) void
LEVEL(panel)(float *out, const float *x, const void *w, int n, int d, int i0, int R, int t0,
             int t1, int kind, int j0, int j1, VF *spill, int pi, int pj0, int pj1)
{
	int t = t0, parts = (t1 - t0 + TILE_C - 1) / TILE_C;

	for (; t + TILE_C <= t1; t += TILE_C) {
		if (pi >= 0)
			LEVEL(prefetch_block)(w, kind, n, pi, R, pj0, pj1, (t - t0) / TILE_C, parts);
		LEVEL(tile)(out, x, w, n, d, i0, t, R, TILE_C, kind, j0, j1, spill + (t - t0), TB);
	}
	if (pi >= 0 && t < t1)
		LEVEL(prefetch_block)(w, kind, n, pi, R, pj0, pj1, parts - 1, parts);
	switch (t1 - t) {
	case 3: LEVEL(tile)(out, x, w, n, d, i0, t, R, 3, kind, j0, j1, spill + (t - t0), TB); break;
	case 2: LEVEL(tile)(out, x, w, n, d, i0, t, R, 2, kind, j0, j1, spill + (t - t0), TB); break;
	case 1: LEVEL(tile)(out, x, w, n, d, i0, t, R, 1, kind, j0, j1, spill + (t - t0), TB); break;
	default: break;
	}
}

static inline __attribute__((always_inline)) void
LEVEL(product_batch)(float *out, const float *x, const void *w, int n, int d, int T, int r0,
                     int r1, int kind)
{
	VF spill[TILE_R * TB];
	int nc = (n - n % W) / W; /* whole chunks */
	int nb = 1;

	if (T > TILE_C)
		nb = (nc * W + KB_MAX - 1) / KB_MAX;
	if (nb < 1)
		nb = 1;
	for (int i = r0; i < r1; i += TILE_R) {
		int R = r1 - i < TILE_R ? r1 - i : TILE_R;
		for (int t0 = 0; t0 < T; t0 += TB) {
			int t1 = T - t0 < TB ? T : t0 + TB;
			for (int b = 0; b < nb; b++) {
				int j0 = nc * b / nb * W, j1 = nc * (b + 1) / nb * W;
				/* next: this block's rows, next k-block; else the next rows' first */
				int pi = b + 1 < nb ? i : i + TILE_R;
				int pb = b + 1 < nb ? b + 1 : 0;
				int pj0 = nc * pb / nb * W, pj1 = nc * (pb + 1) / nb * W;
				if (T <= TILE_C || pi + TILE_R > r1)
					pi = -1;
				if (R == TILE_R)
					LEVEL(panel)(out, x, w, n, d, i, TILE_R, t0, t1, kind, j0, j1, spill, pi,
					             pj0, pj1);
				else
					for (int r = 0; r < R; r++)
						LEVEL(panel)(out, x, w, n, d, i + r, 1, t0, t1, kind, j0, j1,
						             spill + r * TB, -1, 0, 0);
			}
		}
	}
}

static void
LEVEL(matmul_f32_rows)(float *out, const float *x, const float *w, int n, int r0, int r1)
{
	LEVEL(product_rows)(out, x, w, n, r0, r1, WF32);
}

static void
LEVEL(matmul_f16_rows)(float *out, const float *x, const nm_u16 *w, int n, int r0, int r1)
{
	LEVEL(product_rows)(out, x, w, n, r0, r1, WF16);
}

static void
LEVEL(matmul_bf16_rows)(float *out, const float *x, const nm_u16 *w, int n, int r0, int r1)
{
	LEVEL(product_rows)(out, x, w, n, r0, r1, WBF16);
}

static void
LEVEL(matmul_f32_batch)(float *out, const float *x, const float *w, int n, int d, int T,
                        int r0, int r1)
{
	LEVEL(product_batch)(out, x, w, n, d, T, r0, r1, WF32);
}

static void
LEVEL(matmul_f16_batch)(float *out, const float *x, const nm_u16 *w, int n, int d, int T,
                        int r0, int r1)
{
	LEVEL(product_batch)(out, x, w, n, d, T, r0, r1, WF16);
}

static void
LEVEL(matmul_bf16_batch)(float *out, const float *x, const nm_u16 *w, int n, int d, int T,
                         int r0, int r1)
{
	LEVEL(product_batch)(out, x, w, n, d, T, r0, r1, WBF16);
}

static void
LEVEL(rmsnorm)(float *out, const float *x, const float *w, int n, float eps)
{
	float ss = LEVEL(dot)(x, x, n);
	VF vs;
	int j = 0;

	ss /= n;
	ss += eps;
	ss = 1.0f / nm_sqrtf(ss);
	vs = VSET1(ss);
	for (; j + W <= n; j += W)
		VSTORE(out + j, VMUL(VLOAD(w + j), VMUL(vs, VLOAD(x + j))));
	for (; j < n; j++)
		out[j] = w[j] * (ss * x[j]);
}

static void
LEVEL(residual_add)(float *x, const float *y, int n)
{
	int j = 0;

	for (; j + W <= n; j += W)
		VSTORE(x + j, VADD(VLOAD(x + j), VLOAD(y + j)));
	for (; j < n; j++)
		x[j] += y[j];
}

/* expf of n floats in place through VEXP, the tail through a padded
 * vector so every element gets the same function. */
static void
LEVEL(exp_n)(float *x, int n)
{
	float pad[W];
	int i = 0;

	for (; i + W <= n; i += W)
		VSTORE(x + i, VEXP(VLOAD(x + i)));
	if (i < n) {
		for (int j = 0; j < W; j++)
			pad[j] = i + j < n ? x[i + j] : 0.0f;
		VSTORE(pad, VEXP(VLOAD(pad)));
		for (int j = 0; i + j < n; j++)
			x[i + j] = pad[j];
	}
}

/* nm_softmax's steps: the same special-value rules, max (exact in any
 * order), exp(x - max) (-inf entries exactly 0), W-lane partial sums,
 * then one division per element. */
static void
LEVEL(softmax)(float *x, int n)
{
	float max_val, sum;
	VF vmax, vsum = VZERO();
	int i = 0;

	if (n <= 0)
		return;
	/* Finite inputs (the usual case) in one vector pass: v * 0 is NaN
	 * exactly when v is NaN or +-inf, and max is exact in any order (a
	 * -0/+0 tie only flips the sign of a zero x - max, whose exp is 1
	 * either way). Any non-finite entry takes scalar's checks instead. */
	int special = 0;
	max_val = x[0];
	if (n >= W) {
		VF vm = VLOAD(x), poison = VMUL(vm, VZERO());
		float lanes[W];
		for (i = W; i + W <= n; i += W) {
			VF v = VLOAD(x + i);
			vm = VMAX(vm, v);
			poison = VADD(poison, VMUL(v, VZERO()));
		}
		VSTORE(lanes, poison);
		for (int j = 0; j < W; j++)
			special |= nm_isnan(lanes[j]);
		VSTORE(lanes, vm);
		for (int j = 0; j < W; j++)
			if (lanes[j] > max_val)
				max_val = lanes[j];
	}
	for (; i < n; i++) {
		special |= nm_isnan(x[i]) || nm_isinf(x[i]);
		if (x[i] > max_val)
			max_val = x[i];
	}
	i = 0;
	if (special || nm_isnan(max_val) || nm_isinf(max_val)) {
		for (int j = 0; j < n; j++)
			if (nm_isnan(x[j]) || (nm_isinf(x[j]) && x[j] > 0.0f)) {
				nm_softmax(x, n); /* poisoned: scalar writes the NaNs */
				return;
			}
		max_val = x[0];
		for (int j = 1; j < n; j++)
			if (x[j] > max_val)
				max_val = x[j];
		if (nm_isinf(max_val)) {
			nm_softmax(x, n); /* every entry -inf */
			return;
		}
	}
	vmax = VSET1(max_val);
	for (; i + W <= n; i += W)
		VSTORE(x + i, VSUB(VLOAD(x + i), vmax));
	for (; i < n; i++)
		x[i] = x[i] - max_val;
	LEVEL(exp_n)(x, n); /* exp(-inf) is exactly 0 */
	for (i = 0; i + W <= n; i += W)
		vsum = VADD(vsum, VLOAD(x + i));
	sum = VHSUM(vsum);
	for (; i < n; i++)
		sum += x[i];
	vsum = VSET1(sum);
	for (i = 0; i + W <= n; i += W)
		VSTORE(x + i, VDIV(VLOAD(x + i), vsum));
	for (; i < n; i++)
		x[i] /= sum;
}

/* run.c's SwiGLU, W at a time: val *= 1/(1 + exp(-val)); val *= hb2. */
static void
LEVEL(swiglu)(float *hb, const float *hb2, int n)
{
	VF one = VSET1(1.0f);
	float e[W];
	int i = 0;

	for (; i + W <= n; i += W) {
		VF v = VLOAD(hb + i);
		v = VMUL(v, VDIV(one, VADD(one, VEXP(VSUB(VZERO(), v)))));
		VSTORE(hb + i, VMUL(v, VLOAD(hb2 + i)));
	}
	if (i < n) {
		for (int j = 0; j < W; j++)
			e[j] = i + j < n ? -hb[i + j] : 0.0f;
		VSTORE(e, VEXP(VLOAD(e)));
		for (int j = 0; i + j < n; j++) {
			float val = hb[i + j];
			val *= (1.0f / (1.0f + e[j]));
			val *= hb2[i + j];
			hb[i + j] = val;
		}
	}
}

enum { ROPE_MAX_HEAD = 1024 };

/* nm_rope with the rotation W lanes at a time: per lane, out = v * c +
 * swap(v) * s' with s' = (-sin, +sin) per pair, which is scalar's
 * v0*c - v1*s and v0*s + v1*c rounding for rounding (negation is exact,
 * a + (-b) is a - b, and the two products add in either order). */
static void
LEVEL(rope)(float *vec, int dim, int head_size, int pos, float theta)
{
	float c[ROPE_MAX_HEAD], sn[ROPE_MAX_HEAD];

	if (head_size <= 0 || head_size > ROPE_MAX_HEAD || head_size % W != 0 || dim % head_size != 0) {
		nm_rope(vec, dim, head_size, pos, theta);
		return;
	}
	for (int head_dim = 0; head_dim < head_size; head_dim += 2) {
		float freq = 1.0f / nm_powf(theta, head_dim / (float)head_size);
		float val = pos * freq;
		float fcr = nm_cosf(val);
		float fci = nm_sinf(val);
		c[head_dim] = fcr;
		c[head_dim + 1] = fcr;
		sn[head_dim] = -fci;
		sn[head_dim + 1] = fci;
	}
	for (int h = 0; h < dim; h += head_size)
		for (int j = 0; j < head_size; j += W) {
			VF v = VLOAD(vec + h + j);
			VSTORE(vec + h + j, VADD(VMUL(v, VLOAD(c + j)), VMUL(VSWAP_PAIRS(v), VLOAD(sn + j))));
		}
}

/* NC chunks of W outputs of sum_t a[t] v_t, each in a register across t:
 * the same VMADD per (t, chunk) in t order as axpy into memory gives. */
static inline __attribute__((always_inline)) void
LEVEL(att_chunks)(float *o, const float *a, const float *v, nm_i64 stride, int n_t, int NC)
{
	VF acc[8];

	for (int c = 0; c < NC; c++)
		acc[c] = VZERO();
	for (int t = 0; t < n_t; t++) {
		VF va = VSET1(a[t]);
		const float *vt = v + (nm_i64)t * stride;
		if (t + ATT_AHEAD < n_t)
			LEVEL(prefetch_floats)(vt + ATT_AHEAD * stride, NC * W);
		for (int c = 0; c < NC; c++)
			acc[c] = VMADD(va, VLOAD(vt + c * W), acc[c]);
	}
	for (int c = 0; c < NC; c++)
		VSTORE(o + c * W, acc[c]);
}

/* o = sum_t a[t] v_t (v_t at v + t stride), bit for bit what zeroing o and
 * calling axpy(o, a[t], v_t) for t in order gives. */
static void
LEVEL(att_values)(float *o, const float *a, const float *v, nm_i64 stride, int n_t, int n)
{
	int nv = n - n % W, j = 0;

	for (; j + 8 * W <= nv; j += 8 * W)
		LEVEL(att_chunks)(o + j, a, v + j, stride, n_t, 8);
	switch ((nv - j) / W) {
	case 7: LEVEL(att_chunks)(o + j, a, v + j, stride, n_t, 7); break;
	case 6: LEVEL(att_chunks)(o + j, a, v + j, stride, n_t, 6); break;
	case 5: LEVEL(att_chunks)(o + j, a, v + j, stride, n_t, 5); break;
	case 4: LEVEL(att_chunks)(o + j, a, v + j, stride, n_t, 4); break;
	case 3: LEVEL(att_chunks)(o + j, a, v + j, stride, n_t, 3); break;
	case 2: LEVEL(att_chunks)(o + j, a, v + j, stride, n_t, 2); break;
	case 1: LEVEL(att_chunks)(o + j, a, v + j, stride, n_t, 1); break;
	default: break;
	}
	for (j = nv; j < n; j++) {
		float s = 0.0f;
		for (int t = 0; t < n_t; t++)
			s += a[t] * v[(nm_i64)t * stride + j];
		o[j] = s;
	}
}

static void
LEVEL(attention_heads)(float *out, float *att, const float *q, const float *k_cache,
                       const float *v_cache, int n_heads, int n_kv_heads, int head_size,
                       int pos, int window, int h0, int h1)
{
	int kv_dim = n_kv_heads * head_size;
	int kv_mul = n_heads / n_kv_heads;
	int start = 0;
	float scale = nm_sqrtf((float)head_size);

	if (window > 0 && pos - window + 1 > 0)
		start = pos - window + 1;
	for (int h = h0; h < h1; h++) {
		const float *qh = q + h * head_size;
		float *ah = att + h * (pos + 1);
		int kv_off = (h / kv_mul) * head_size;
		float *oh = out + h * head_size;

		LEVEL(scores)(ah, qh, k_cache + (nm_i64)start * kv_dim + kv_off, kv_dim, pos - start + 1,
		              head_size, scale);
		LEVEL(softmax)(ah, pos - start + 1);
		LEVEL(att_values)(oh, ah, v_cache + (nm_i64)start * kv_dim + kv_off, kv_dim, pos - start + 1,
		                  head_size);
	}
}

/*
 * Quantized products, bit-exact with scalar: per group the int32 sum is
 * exact in any order, the float product ((float)ival * w_scale) * x_scale
 * rounds the same lane-wise as scalar, and the products are added to the
 * output in group order, one float chain per output.
 */
#ifdef QBLOCK
#include "simd/qblock.h"
#include "kernels/kquant.h"
#include "simd/kblock.h"
#ifdef QBLOCK_ZMM
#include "simd/q8pack.h"
#endif
#else
#include "kernels/kquant.h"
#include "simd/kblock128.h"
/* One output element at a time with the level's integer dot products. */
/* rs: float scales, or nil and rsh: half scales (widened exactly). */
static float
LEVEL(q8_dot)(const nm_i8 *x, const float *xs, const nm_i8 *row, const float *rs, const nm_u16 *rsh,
              int n, int gs)
{
	float val = 0.0f;

	for (int g = 0; g < n / gs; g++) {
		nm_i32 ival = IDOT(x + g * gs, row + g * gs, gs);
		val += ((float)ival * (rs != nil ? rs[g] : nm_half_to_float(rsh[g]))) * xs[g];
	}
	return val;
}

static float
LEVEL(q4_0_dot)(const nm_i8 *x, const float *xs, const nm_u8 *row, int n)
{
	float val = 0.0f;

	for (int b = 0; b < n / 32; b++) {
		const nm_u8 *blk = row + b * 18;
		float dw = nm_half_to_float((nm_u16)(blk[0] | (blk[1] << 8)));
		nm_i32 ival = Q4DOT(blk + 2, x + b * 32);
		val += ((float)ival * dw) * xs[b];
	}
	return val;
}

static void
LEVEL(matmul_q8_batch)(float *out, const nm_i8 *xq, const float *xs, const nm_i8 *wq,
                       const float *ws, int n, int d, int gs, int T, int r0, int r1)
{
	int groups = n / gs;

	for (int i = r0; i < r1; i++)
		for (int t = 0; t < T; t++)
			out[(nm_i64)t * d + i] = LEVEL(q8_dot)(xq + (nm_i64)t * n, xs + (nm_i64)t * groups,
			                                       wq + (nm_i64)i * n, ws + (nm_i64)i * groups, nil, n, gs);
}

static void
LEVEL(matmul_q8h_batch)(float *out, const nm_i8 *xq, const float *xs, const nm_i8 *wq,
                        const nm_u16 *ws, int n, int d, int gs, int T, int r0, int r1)
{
	int groups = n / gs;

	for (int i = r0; i < r1; i++)
		for (int t = 0; t < T; t++)
			out[(nm_i64)t * d + i] = LEVEL(q8_dot)(xq + (nm_i64)t * n, xs + (nm_i64)t * groups,
			                                       wq + (nm_i64)i * n, nil, ws + (nm_i64)i * groups, n, gs);
}

static void
LEVEL(matmul_q4_0_batch)(float *out, const nm_i8 *xq, const float *xs, const nm_u8 *w, int n,
                         int d, int T, int r0, int r1)
{
	for (int i = r0; i < r1; i++)
		for (int t = 0; t < T; t++)
			out[(nm_i64)t * d + i] = LEVEL(q4_0_dot)(xq + (nm_i64)t * n, xs + (nm_i64)t * (n / 32),
			                                         w + (nm_i64)i * (n / 32) * 18, n);
}
#endif

static void
LEVEL(matmul_q8_rows)(float *out, const nm_i8 *xq, const float *xs, const nm_i8 *wq,
                      const float *ws, int n, int gs, int r0, int r1)
{
	LEVEL(matmul_q8_batch)(out, xq, xs, wq, ws, n, 0, gs, 1, r0, r1);
}

static void
LEVEL(matmul_q4_0_rows)(float *out, const nm_i8 *xq, const float *xs, const nm_u8 *w, int n,
                        int r0, int r1)
{
	LEVEL(matmul_q4_0_batch)(out, xq, xs, w, n, 0, 1, r0, r1);
}

/*
 * nm_sample_argmax in two vector passes: the largest non-NaN value (max_ps
 * returns its second operand when either is NaN, so a NaN never replaces
 * the running maximum), then the first index equal to it. Equality also
 * finds the first of tied zeros of either sign, as scalar's strict > does,
 * and the first -inf when nothing is larger; all NaN gives 0.
 */
static int
LEVEL(argmax)(const float *x, int n)
{
	VF m0 = VSET1(-__builtin_inff()), m1 = m0, m2 = m0, m3 = m0;
	float lanes[W], best = -__builtin_inff();
	int i = 0;

	for (; i + 4 * W <= n; i += 4 * W) {
		m0 = VMAX(VLOAD(x + i), m0);
		m1 = VMAX(VLOAD(x + i + W), m1);
		m2 = VMAX(VLOAD(x + i + 2 * W), m2);
		m3 = VMAX(VLOAD(x + i + 3 * W), m3);
	}
	for (; i + W <= n; i += W)
		m0 = VMAX(VLOAD(x + i), m0);
	VSTORE(lanes, VMAX(VMAX(m0, m1), VMAX(m2, m3)));
	for (int j = 0; j < W; j++)
		if (lanes[j] > best)
			best = lanes[j];
	for (; i < n; i++)
		if (x[i] > best)
			best = x[i];
	VF vb = VSET1(best);
	for (i = 0; i + W <= n; i += W) {
		unsigned eq = VMASK_EQ(VLOAD(x + i), vb);
		if (eq != 0)
			return i + __builtin_ctz(eq);
	}
	for (; i < n; i++)
		if (x[i] == best)
			return i;
	return 0;
}

/* The other GGUF block types, every one: kblock.h on the levels with
 * 256-bit integer vectors, kblock128.h on sse2. */
#define LEVEL_BLOCKS_BATCH LEVEL(matmul_blocks_batch)

static void
LEVEL(matmul_blocks_rows)(int blk, float *out, const nm_i8 *xq, const float *xs, const nm_u8 *w,
                          int n, int r0, int r1)
{
	LEVEL_BLOCKS_BATCH(blk, out, xq, xs, w, n, 0, 1, r0, r1);
}

static const nm_kernel_table LEVEL(table) = {
	.name = LEVEL_NAME,
	.rmsnorm = LEVEL(rmsnorm),
	.softmax = LEVEL(softmax),
	.matmul_f32_rows = LEVEL(matmul_f32_rows),
	.matmul_q8_rows = LEVEL(matmul_q8_rows),
	.rope = LEVEL(rope),
	.attention_heads = LEVEL(attention_heads),
	.swiglu = LEVEL(swiglu),
	.residual_add = LEVEL(residual_add),
	.matmul_q4_0_rows = LEVEL(matmul_q4_0_rows),
	.matmul_f32_batch = LEVEL(matmul_f32_batch),
	.matmul_q8_batch = LEVEL(matmul_q8_batch),
	.matmul_q4_0_batch = LEVEL(matmul_q4_0_batch),
#ifdef QBLOCK
	.q8_quantize = LEVEL(q8_quantize),
#else
	.q8_quantize = nm_q8_quantize,
#endif
	.exp = LEVEL(exp_n),
	.argmax = LEVEL(argmax),
	.matmul_f16_rows = LEVEL(matmul_f16_rows),
	.matmul_bf16_rows = LEVEL(matmul_bf16_rows),
	.matmul_f16_batch = LEVEL(matmul_f16_batch),
	.matmul_bf16_batch = LEVEL(matmul_bf16_batch),
	.matmul_blocks_rows = LEVEL(matmul_blocks_rows),
	.matmul_blocks_batch = LEVEL_BLOCKS_BATCH,
	.matmul_q8h_batch = LEVEL(matmul_q8h_batch),
#ifdef QBLOCK_ZMM
	.q8_pack_rows = QP_ROWS,
	.q8_packed_size = LEVEL(q8_packed_size),
	.q8_pack = LEVEL(q8_pack),
	.matmul_q8_packed_batch = LEVEL(matmul_q8_packed_batch),
#endif
};
