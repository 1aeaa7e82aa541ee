/*
 * body.h: the float kernels of one SIMD level, written once over a small
 * vector vocabulary that the including table_LEVEL.c defines first:
 *
 *   VF            vector of W floats
 *   VLOAD(p)      unaligned load        VSTORE(p, v)   unaligned store
 *   VSET1(f)      broadcast             VZERO()        all zero
 *   VADD VMUL     lane-wise             VMADD(a, b, c) a*b + c (fused on FMA levels)
 *   VHSUM(v)      sum of the lanes as a float
 *   IDOT(a, b, n) exact int32 dot product of n int8 pairs
 *   Q4DOT(blk, x) exact int32 dot product of one Q4_0 block's 32 values
 *                 (nibble - 8) with 32 int8
 *   LEVEL(name)   name mangled with the level, e.g. name##_avx2
 *
 * Per-row (per-head) arithmetic never depends on the row range, so any
 * thread split gives the same bits. Float reductions use W-lane partial sums
 * (a different order from scalar; still within gamma(n) of NUMERICS.md).
 * The Q8 and Q4_0 entries are bit-exact with scalar: their integer sums are
 * exact and the float steps run in scalar order. softmax, SiLU and RoPE are
 * dominated by libm calls (expf, powf, sinf, cosf) whose 1-ULP budget the
 * bounds assume, so the tables use the scalar functions for them.
 */

/* sum_j a[j] * b[j] with four vector accumulators, then the scalar tail. */
static float
LEVEL(dot)(const float *a, const float *b, int n)
{
	VF s0 = VZERO(), s1 = VZERO(), s2 = VZERO(), s3 = VZERO();
	int j = 0;
	float s;

	for (; j + 4 * W <= n; j += 4 * W) {
		s0 = VMADD(VLOAD(a + j), VLOAD(b + j), s0);
		s1 = VMADD(VLOAD(a + j + W), VLOAD(b + j + W), s1);
		s2 = VMADD(VLOAD(a + j + 2 * W), VLOAD(b + j + 2 * W), s2);
		s3 = VMADD(VLOAD(a + j + 3 * W), VLOAD(b + j + 3 * W), s3);
	}
	for (; j + W <= n; j += W)
		s0 = VMADD(VLOAD(a + j), VLOAD(b + j), s0);
	s = VHSUM(VADD(VADD(s0, s1), VADD(s2, s3)));
	for (; j < n; j++)
		s += a[j] * b[j];
	return s;
}

static void
LEVEL(matmul_f32_rows)(float *out, const float *x, const float *w, int n, int r0, int r1)
{
	for (int i = r0; i < r1; i++)
		out[i] = LEVEL(dot)(w + (nm_i64)i * n, x, n);
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

/* o[i] += a * v[i] */
static void
LEVEL(axpy)(float *o, float a, const float *v, int n)
{
	VF va = VSET1(a);
	int i = 0;

	for (; i + W <= n; i += W)
		VSTORE(o + i, VMADD(va, VLOAD(v + i), VLOAD(o + i)));
	for (; i < n; i++)
		o[i] += a * v[i];
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

		for (int t = start; t <= pos; t++)
			ah[t - start] = LEVEL(dot)(qh, k_cache + (nm_i64)t * kv_dim + kv_off, head_size) / scale;
		nm_softmax(ah, pos - start + 1);
		for (int i = 0; i < head_size; i++)
			oh[i] = 0.0f;
		for (int t = start; t <= pos; t++)
			LEVEL(axpy)(oh, ah[t - start], v_cache + (nm_i64)t * kv_dim + kv_off, head_size);
	}
}

/* Per group: exact integer sum, then ((float)ival * ws) * xs added in
 * group order, as runq does. */
static void
LEVEL(matmul_q8_rows)(float *out, const nm_i8 *xq, const float *xs, const nm_i8 *wq,
                      const float *ws, int n, int gs, int r0, int r1)
{
	int groups = n / gs;

	for (int i = r0; i < r1; i++) {
		const nm_i8 *row = wq + (nm_i64)i * n;
		const float *rs = ws + (nm_i64)i * groups;
		float val = 0.0f;

		for (int g = 0; g < groups; g++) {
			nm_i32 ival = IDOT(xq + g * gs, row + g * gs, gs);
			val += ((float)ival * rs[g]) * xs[g];
		}
		out[i] = val;
	}
}

static void
LEVEL(matmul_q4_0_rows)(float *out, const nm_i8 *xq, const float *xs, const nm_u8 *w, int n,
                        int r0, int r1)
{
	int nb = n / 32;

	for (int i = r0; i < r1; i++) {
		const nm_u8 *row = w + (nm_i64)i * nb * 18;
		float val = 0.0f;

		for (int b = 0; b < nb; b++) {
			const nm_u8 *blk = row + b * 18;
			float dw = nm_half_to_float((nm_u16)(blk[0] | (blk[1] << 8)));
			nm_i32 ival = Q4DOT(blk + 2, xq + b * 32);
			val += ((float)ival * dw) * xs[b];
		}
		out[i] = val;
	}
}

static const nm_kernel_table LEVEL(table) = {
	.name = LEVEL_NAME,
	.rmsnorm = LEVEL(rmsnorm),
	.softmax = nm_softmax,
	.matmul_f32_rows = LEVEL(matmul_f32_rows),
	.matmul_q8_rows = LEVEL(matmul_q8_rows),
	.rope = nm_rope,
	.attention_heads = LEVEL(attention_heads),
	.swiglu = nm_swiglu,
	.residual_add = LEVEL(residual_add),
	.matmul_q4_0_rows = LEVEL(matmul_q4_0_rows),
};
