/* plan9_simd.c: the plan9-sse2 kernel level (Plan 9 amd64 only): the
 * scalar table with the hot entries replaced by kernels built on the 6a
 * loops of plan9_sse2.s (6c has no intrinsics). Per docs/SIMD.md:
 *
 *   matmul_f32 rows/batch  one 4-lane accumulator per row, body.h's lane
 *                          sum, scalar tail: the host sse2 level's order
 *   rmsnorm                body.h's four-accumulator sum of squares, then
 *                          scalar's w * (ss * x) four lanes at a time
 *   softmax                vector max (exact) and sum, Plan 9's libm exp
 *   matmul_q8/q4_0         exact int32 group sums, float steps in scalar's
 *                          order: bit-exact with scalar
 *   residual_add, argmax   bit-exact with scalar
 *
 * The rest (rope, attention, swiglu, exp, q8_quantize) is scalar's.
 * Every row is computed the same way whatever the range, so any thread
 * split gives the same bits. */
#include "kernel_table.h"

float nm_p9_sse2_dot(const float *a, const float *b, int nv);
void nm_p9_sse2_dot4rows(float *out4, const float *w, const float *x, int n, int nv);
float nm_p9_sse2_dot4acc(const float *a, const float *b, int nv);
float nm_p9_sse2_sum(const float *x, int nv);
void nm_p9_sse2_maxpoison(const float *x, int nv, float *lanes8);
void nm_p9_sse2_divide(float *x, int nv, float s);
void nm_p9_sse2_scale_mul(float *out, const float *x, const float *w, int nv, float s);
void nm_p9_sse2_add(float *x, const float *y, int nv);
float nm_p9_sse2_max_nonan(const float *x, int nv);
int nm_p9_sse2_find(const float *x, int nv, float m);
void nm_p9_sse2_idot_groups(nm_i32 *sums, const nm_i8 *a, const nm_i8 *b, int groups, int gs);
void nm_p9_sse2_q4_groups(nm_i32 *sums, const nm_u8 *row, const nm_i8 *x, int nb);
int nm_p9_cpuid1_edx(void);

/* Group sums are computed this many groups at a time into a stack array
 * (each worker process has its own stack, and only it reads the array). */
enum { GROUPS_AT_ONCE = 64, Q4_BLOCK_BYTES = 18 };

static nm_kernel_table sse2_table;

/* Rows in fours (sharing the loads of x), then one at a time: the same
 * accumulation per row either way, then scalar's tail. */
static void
matmul_f32_rows(float *out, const float *x, const float *w, int n, int r0, int r1)
{
	float acc[4];
	int nv = n - n % 4, i = r0;

	for (; i + 4 <= r1; i += 4) {
		nm_p9_sse2_dot4rows(acc, w + (nm_i64)i * n, x, n, nv);
		for (int r = 0; r < 4; r++) {
			const float *row = w + (nm_i64)(i + r) * n;
			float s = acc[r];
			for (int j = nv; j < n; j++)
				s += row[j] * x[j];
			out[i + r] = s;
		}
	}
	for (; i < r1; i++) {
		const float *row = w + (nm_i64)i * n;
		float s = nm_p9_sse2_dot(row, x, nv);
		for (int j = nv; j < n; j++)
			s += row[j] * x[j];
		out[i] = s;
	}
}

static void
matmul_f32_batch(float *out, const float *x, const float *w, int n, int d, int T, int r0, int r1)
{
	for (int t = 0; t < T; t++)
		matmul_f32_rows(out + (nm_i64)t * d, x + (nm_i64)t * n, w, n, r0, r1);
}

static void
matmul_q8_rows(float *out, const nm_i8 *xq, const float *xs, const nm_i8 *wq, const float *ws,
               int n, int gs, int r0, int r1)
{
	nm_i32 sums[GROUPS_AT_ONCE];
	int groups = n / gs;

	if (gs % 16 != 0) {
		nm_kernels_scalar()->matmul_q8_rows(out, xq, xs, wq, ws, n, gs, r0, r1);
		return;
	}
	for (int i = r0; i < r1; i++) {
		const nm_i8 *wrow = wq + (nm_i64)i * n;
		const float *wsrow = ws + (nm_i64)i * groups;
		float val = 0.0f;
		for (int g0 = 0; g0 < groups; g0 += GROUPS_AT_ONCE) {
			int count = groups - g0 < GROUPS_AT_ONCE ? groups - g0 : GROUPS_AT_ONCE;
			nm_p9_sse2_idot_groups(sums, xq + g0 * gs, wrow + g0 * gs, count, gs);
			for (int k = 0; k < count; k++) {
				int g = g0 + k;
				// Scalar's expression: (ival * weight scale) * activation scale.
				val += ((float)sums[k]) * wsrow[g] * xs[g];
			}
		}
		out[i] = val;
	}
}

static void
matmul_q8_batch(float *out, const nm_i8 *xq, const float *xs, const nm_i8 *wq, const float *ws,
                int n, int d, int gs, int T, int r0, int r1)
{
	for (int t = 0; t < T; t++)
		matmul_q8_rows(out + (nm_i64)t * d, xq + (nm_i64)t * n, xs + (nm_i64)t * (n / gs), wq,
		               ws, n, gs, r0, r1);
}

static void
matmul_q4_0_rows(float *out, const nm_i8 *xq, const float *xs, const nm_u8 *w, int n, int r0,
                 int r1)
{
	nm_i32 sums[GROUPS_AT_ONCE];
	int nb = n / 32;

	for (int i = r0; i < r1; i++) {
		const nm_u8 *row = w + (nm_i64)i * nb * Q4_BLOCK_BYTES;
		float val = 0.0f;
		for (int b0 = 0; b0 < nb; b0 += GROUPS_AT_ONCE) {
			int count = nb - b0 < GROUPS_AT_ONCE ? nb - b0 : GROUPS_AT_ONCE;
			nm_p9_sse2_q4_groups(sums, row + b0 * Q4_BLOCK_BYTES, xq + b0 * 32, count);
			for (int k = 0; k < count; k++) {
				const nm_u8 *blk = row + (b0 + k) * Q4_BLOCK_BYTES;
				float dw = nm_half_to_float((nm_u16)(blk[0] | (blk[1] << 8)));
				val += ((float)sums[k] * dw) * xs[b0 + k];
			}
		}
		out[i] = val;
	}
}

static void
matmul_q4_0_batch(float *out, const nm_i8 *xq, const float *xs, const nm_u8 *w, int n, int d,
                  int T, int r0, int r1)
{
	for (int t = 0; t < T; t++)
		matmul_q4_0_rows(out + (nm_i64)t * d, xq + (nm_i64)t * n, xs + (nm_i64)t * (n / 32), w,
		                 n, r0, r1);
}

static void
rmsnorm(float *out, const float *x, const float *w, int n, float eps)
{
	int nv = n - n % 4;
	float ss = nm_p9_sse2_dot4acc(x, x, nv);

	for (int j = nv; j < n; j++)
		ss += x[j] * x[j];
	ss /= n;
	ss += eps;
	ss = 1.0f / nm_sqrtf(ss);
	nm_p9_sse2_scale_mul(out, x, w, nv, ss);
	for (int j = nv; j < n; j++)
		out[j] = w[j] * (ss * x[j]);
}

/* Finite inputs: the max from one vector pass (exact in any order), which
 * also flags NaN and infinities (x * 0 is NaN for them); any such entry
 * goes to scalar's softmax and its special-value rules. */
static void
softmax(float *x, int n)
{
	float lanes[8], max_val, sum;
	int nv = n - n % 4, special = 0;

	if (n <= 0)
		return;
	max_val = x[0];
	if (nv >= 4) {
		nm_p9_sse2_maxpoison(x, nv, lanes);
		for (int j = 0; j < 4; j++) {
			special |= nm_isnan(lanes[4 + j]);
			if (!nm_isnan(lanes[j]) && lanes[j] > max_val)
				max_val = lanes[j];
		}
	}
	for (int i = nv; i < n; i++) {
		special |= nm_isnan(x[i]) || nm_isinf(x[i]);
		if (!nm_isnan(x[i]) && x[i] > max_val)
			max_val = x[i];
	}
	if (special || nm_isnan(max_val) || nm_isinf(max_val)) {
		nm_softmax(x, n);
		return;
	}
	for (int i = 0; i < n; i++)
		x[i] = nm_expf(x[i] - max_val);
	sum = nm_p9_sse2_sum(x, nv);
	for (int i = nv; i < n; i++)
		sum += x[i];
	nm_p9_sse2_divide(x, nv, sum);
	for (int i = nv; i < n; i++)
		x[i] /= sum;
}

static void
residual_add(float *x, const float *y, int n)
{
	int nv = n - n % 4;

	nm_p9_sse2_add(x, y, nv);
	for (int j = nv; j < n; j++)
		x[j] += y[j];
}

/* The first maximum, NaN never wins: the largest non-NaN value from the
 * vector pass and the tail, then the first chunk holding it. Only -inf
 * maxima (or none) take scalar's loop. NaN is tested before every compare
 * (6c's float compares ignore the unordered case). */
static int
argmax(const float *x, int n)
{
	int nv = n - n % 4, i;
	float m = nm_p9_sse2_max_nonan(x, nv);

	for (i = nv; i < n; i++)
		if (!nm_isnan(x[i]) && x[i] > m)
			m = x[i];
	if (nm_isinf(m))
		return nm_sample_argmax(x, n);
	for (i = nm_p9_sse2_find(x, nv, m); i < n; i++)
		if (!nm_isnan(x[i]) && x[i] == m)
			return i;
	return nm_sample_argmax(x, n);
}

const nm_kernel_table *
nm_simd_table(const char *name)
{
	if (!nm_level_is(name, "plan9-sse2") || ((nm_p9_cpuid1_edx() >> 26) & 1) == 0)
		return nil;
	if (sse2_table.name == nil) {
		sse2_table = *nm_kernels_scalar();
		sse2_table.rmsnorm = rmsnorm;
		sse2_table.softmax = softmax;
		sse2_table.matmul_f32_rows = matmul_f32_rows;
		sse2_table.matmul_q8_rows = matmul_q8_rows;
		sse2_table.residual_add = residual_add;
		sse2_table.matmul_q4_0_rows = matmul_q4_0_rows;
		sse2_table.matmul_f32_batch = matmul_f32_batch;
		sse2_table.matmul_q8_batch = matmul_q8_batch;
		sse2_table.matmul_q4_0_batch = matmul_q4_0_batch;
		sse2_table.argmax = argmax;
		sse2_table.name = "plan9-sse2";
	}
	return &sse2_table;
}
