/* table_sse2.c: the sse2 kernel table (baseline x86-64: SSE2 only, no FMA,
 * so a*b+c rounds twice as in scalar), host only. Kernels in body.h. */
#include <emmintrin.h>

#include "kernel_table.h"

#define W 4
#define VF __m128
#define VLOAD(p) _mm_loadu_ps(p)
#define VSTORE(p, v) _mm_storeu_ps((p), (v))
#define VSET1(f) _mm_set1_ps(f)
#define VZERO() _mm_setzero_ps()
#define VADD(a, b) _mm_add_ps((a), (b))
#define VMUL(a, b) _mm_mul_ps((a), (b))
#define VMADD(a, b, c) _mm_add_ps(_mm_mul_ps((a), (b)), (c))
#define VHSUM(v) hsum_ps(v)
#define VHSUM_LANES(v) hsum_lanes(v)
#define IDOT(a, b, n) idot((a), (b), (n))
#define Q4DOT(blk, x) q4dot((blk), (x))
#define LEVEL(name) name##_sse2
#define LEVEL_NAME "sse2"

static inline float
hsum_ps(__m128 s)
{
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
	return _mm_cvtss_f32(s);
}

/* Lane i = hsum_ps(v[i]) for 4 vectors, in its tree: (j, j+2), (0, 1). */
static inline __m128
hsum_lanes(const __m128 *v)
{
	__m128 a = _mm_add_ps(_mm_shuffle_ps(v[0], v[1], 0x44), _mm_shuffle_ps(v[0], v[1], 0xee));
	__m128 b = _mm_add_ps(_mm_shuffle_ps(v[2], v[3], 0x44), _mm_shuffle_ps(v[2], v[3], 0xee));

	return _mm_add_ps(_mm_shuffle_ps(a, b, 0x88), _mm_shuffle_ps(a, b, 0xdd));
}

static inline nm_i32
hsum_epi32(__m128i s)
{
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
	return _mm_cvtsi128_si32(s);
}

/* Sign-extend the low (high) 8 bytes to int16: each byte lands in the high
 * half of a 16-bit lane, then an arithmetic shift brings it down. */
static inline __m128i
lo_epi16(__m128i v)
{
	return _mm_srai_epi16(_mm_unpacklo_epi8(v, v), 8);
}

static inline __m128i
hi_epi16(__m128i v)
{
	return _mm_srai_epi16(_mm_unpackhi_epi8(v, v), 8);
}

static nm_i32
idot(const nm_i8 *a, const nm_i8 *b, int n)
{
	__m128i acc = _mm_setzero_si128();
	int j = 0;
	nm_i32 s;

	for (; j + 16 <= n; j += 16) {
		__m128i va = _mm_loadu_si128((const __m128i *)(a + j));
		__m128i vb = _mm_loadu_si128((const __m128i *)(b + j));
		acc = _mm_add_epi32(acc, _mm_madd_epi16(lo_epi16(va), lo_epi16(vb)));
		acc = _mm_add_epi32(acc, _mm_madd_epi16(hi_epi16(va), hi_epi16(vb)));
	}
	s = hsum_epi32(acc);
	for (; j < n; j++)
		s += (nm_i32)a[j] * (nm_i32)b[j];
	return s;
}

static nm_i32
q4dot(const nm_u8 *nib, const nm_i8 *x)
{
	__m128i raw = _mm_loadu_si128((const __m128i *)nib);
	__m128i mask = _mm_set1_epi8(0x0f);
	__m128i eight = _mm_set1_epi16(8);
	__m128i zero = _mm_setzero_si128();
	__m128i lo = _mm_and_si128(raw, mask);
	__m128i hi = _mm_and_si128(_mm_srli_epi16(raw, 4), mask);
	__m128i x0 = _mm_loadu_si128((const __m128i *)x);
	__m128i x1 = _mm_loadu_si128((const __m128i *)(x + 16));
	__m128i acc;

	acc = _mm_madd_epi16(_mm_sub_epi16(_mm_unpacklo_epi8(lo, zero), eight), lo_epi16(x0));
	acc = _mm_add_epi32(acc, _mm_madd_epi16(_mm_sub_epi16(_mm_unpackhi_epi8(lo, zero), eight), hi_epi16(x0)));
	acc = _mm_add_epi32(acc, _mm_madd_epi16(_mm_sub_epi16(_mm_unpacklo_epi8(hi, zero), eight), lo_epi16(x1)));
	acc = _mm_add_epi32(acc, _mm_madd_epi16(_mm_sub_epi16(_mm_unpackhi_epi8(hi, zero), eight), hi_epi16(x1)));
	return hsum_epi32(acc);
}

/* bfloat16: each 16-bit value into the high half of a zero 32-bit lane. */
static inline __m128
load_bf16(const nm_u16 *p)
{
	return _mm_castsi128_ps(_mm_unpacklo_epi16(_mm_setzero_si128(), _mm_loadl_epi64((const __m128i *)p)));
}

/*
 * IEEE half without F16C, exactly, as nm_half_to_float: normal values by
 * rebiasing the exponent (15 -> 127: add 112 << 23 to the shifted bits),
 * inf/NaN by rebiasing once more (exponent 31 -> 255, payload kept), zeros
 * and subnormals as the integer mantissa times 2^-24 (cvtepi32_ps and the
 * power-of-two scaling are exact, and every such value is a normal float),
 * then the sign.
 */
static inline __m128
load_f16(const nm_u16 *p)
{
	__m128i h = _mm_unpacklo_epi16(_mm_loadl_epi64((const __m128i *)p), _mm_setzero_si128());
	__m128i em = _mm_and_si128(h, _mm_set1_epi32(0x7fff));
	__m128i sign = _mm_slli_epi32(_mm_xor_si128(h, em), 16);
	__m128i rebias = _mm_set1_epi32(112 << 23);
	__m128i normal = _mm_add_epi32(_mm_slli_epi32(em, 13), rebias);
	__m128i infnan = _mm_cmpgt_epi32(em, _mm_set1_epi32(0x7bff));
	__m128i small = _mm_cmplt_epi32(em, _mm_set1_epi32(0x0400));
	__m128i sub = _mm_castps_si128(_mm_mul_ps(_mm_cvtepi32_ps(em), _mm_set1_ps(0x1p-24f)));

	normal = _mm_add_epi32(normal, _mm_and_si128(infnan, rebias));
	return _mm_castsi128_ps(
	    _mm_or_si128(sign, _mm_or_si128(_mm_and_si128(small, sub), _mm_andnot_si128(small, normal))));
}
#define VLOAD_F16(p) load_f16(p)
#define VLOAD_BF16(p) load_bf16(p)

#define VD __m128d
#define DSET1(d) _mm_set1_pd(d)
#define DADD(a, b) _mm_add_pd((a), (b))
#define DSUB(a, b) _mm_sub_pd((a), (b))
#define DMUL(a, b) _mm_mul_pd((a), (b))
#define DMIN(a, b) _mm_min_pd((a), (b))
#define DMAX(a, b) _mm_max_pd((a), (b))
/* SSE2 has no roundpd: convert with the MXCSR mode (nearest, ties to even) */
#define DROUND(v) _mm_cvtepi32_pd(_mm_cvtpd_epi32(v))
#define DPOW2(k)                                                                                   \
	_mm_castsi128_pd(_mm_slli_epi64(                                                               \
	    _mm_unpacklo_epi32(_mm_add_epi32(_mm_cvtpd_epi32(k), _mm_set1_epi32(1023)), _mm_setzero_si128()), \
	    52))
#include "simd/vexp.h"

/* expf of 4 floats: two halves of 2 doubles; NaN stays NaN. */
static inline __m128
vexp_ps(__m128 x)
{
	__m128 lo = _mm_cvtpd_ps(exp_pd_sse2(_mm_cvtps_pd(x)));
	__m128 hi = _mm_cvtpd_ps(exp_pd_sse2(_mm_cvtps_pd(_mm_movehl_ps(x, x))));
	__m128 r = _mm_movelh_ps(lo, hi);
	__m128 nan = _mm_cmpunord_ps(x, x);

	return _mm_or_ps(_mm_and_ps(nan, x), _mm_andnot_ps(nan, r));
}
#define VEXP(v) vexp_ps(v)
#define VDIV(a, b) _mm_div_ps((a), (b))
#define VSUB(a, b) _mm_sub_ps((a), (b))
#define VMAX(a, b) _mm_max_ps((a), (b))
#define VMASK_EQ(a, b) ((unsigned)_mm_movemask_ps(_mm_cmpeq_ps((a), (b))))
#define VSWAP_PAIRS(v) _mm_shuffle_ps((v), (v), 0xb1)

#include "simd/body.h"

const nm_kernel_table *
nm_kernels_sse2_table(void)
{
	return &table_sse2;
}
