/* table_avx2.c: the avx2 kernel table (AVX2 + FMA), host only, compiled
 * with -mavx2 -mfma -mf16c (engine/CMakeLists.txt); selected only when
 * CPUID reports all three (cpu.c). Kernels in body.h. */
#include <immintrin.h>

#include "kernel_table.h"

#define W 8
#define VF __m256
#define VLOAD(p) _mm256_loadu_ps(p)
#define VSTORE(p, v) _mm256_storeu_ps((p), (v))
#define VSET1(f) _mm256_set1_ps(f)
#define VZERO() _mm256_setzero_ps()
#define VADD(a, b) _mm256_add_ps((a), (b))
#define VMUL(a, b) _mm256_mul_ps((a), (b))
#define VMADD(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define VHSUM(v) hsum_ps(v)
#define VHSUM_LANES(v) hsum_lanes(v)
/* F16C's vcvtph2ps widens halves exactly (subnormals included); bfloat16
 * is the high half of a float. */
#define VLOAD_F16(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p)))
#define VLOAD_BF16(p) \
	_mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(p))), 16))
#define LEVEL(name) name##_avx2
#define LEVEL_NAME "avx2"

static inline float
hsum_ps(__m256 v)
{
	__m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
	s = _mm_add_ps(s, _mm_movehl_ps(s, s));
	s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
	return _mm_cvtss_f32(s);
}

/* Lane i = hsum_ps(v[i]) for 8 vectors, in its tree: lanes (j, j+4),
 * (j, j+2), (0, 1); afterwards lane 4k+j holds vector 2j+k. */
static inline __m256
hsum_lanes(const __m256 *v)
{
	__m256 a[4], b[2], r;

	for (int i = 0; i < 4; i++) /* 128-bit half h: v[2i+h]'s (j, j+4) */
		a[i] = _mm256_add_ps(_mm256_permute2f128_ps(v[2 * i], v[2 * i + 1], 0x20),
		                     _mm256_permute2f128_ps(v[2 * i], v[2 * i + 1], 0x31));
	for (int i = 0; i < 2; i++) /* half k: v[4i+k]'s, v[4i+2+k]'s (j, j+2) */
		b[i] = _mm256_add_ps(_mm256_shuffle_ps(a[2 * i], a[2 * i + 1], 0x44),
		                     _mm256_shuffle_ps(a[2 * i], a[2 * i + 1], 0xee));
	r = _mm256_add_ps(_mm256_shuffle_ps(b[0], b[1], 0x88), _mm256_shuffle_ps(b[0], b[1], 0xdd));
	return _mm256_permutevar8x32_ps(r, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

/*
 * maddubs multiplies unsigned by signed bytes into saturating int16 pair
 * sums. With |w| as the unsigned operand (0..128) and x carrying w's sign
 * (x in [-127, 127]) a pair sums to at most 2*128*127 = 32512: no
 * saturation, so the int32 group sums are exact.
 */
#define QBLOCK
#define QSUM32(acc, w, x)                                                                   \
	_mm256_add_epi32((acc), _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8((w), (w)), \
	                                                               _mm256_sign_epi8((x), (w))),  \
	                                          _mm256_set1_epi16(1)))

#define VD __m256d
#define DSET1(d) _mm256_set1_pd(d)
#define DADD(a, b) _mm256_add_pd((a), (b))
#define DSUB(a, b) _mm256_sub_pd((a), (b))
#define DMUL(a, b) _mm256_mul_pd((a), (b))
#define DMIN(a, b) _mm256_min_pd((a), (b))
#define DMAX(a, b) _mm256_max_pd((a), (b))
#define DROUND(v) _mm256_round_pd((v), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define DPOW2(k)                                                                               \
	_mm256_castsi256_pd(_mm256_slli_epi64(                                                     \
	    _mm256_cvtepi32_epi64(_mm_add_epi32(_mm256_cvtpd_epi32(k), _mm_set1_epi32(1023))), 52))
#include "simd/vexp.h"

/* expf of 8 floats: two halves of 4 doubles; NaN stays NaN. */
static inline __m256
vexp_ps(__m256 x)
{
	__m128 lo = _mm256_cvtpd_ps(exp_pd_avx2(_mm256_cvtps_pd(_mm256_castps256_ps128(x))));
	__m128 hi = _mm256_cvtpd_ps(exp_pd_avx2(_mm256_cvtps_pd(_mm256_extractf128_ps(x, 1))));

	return _mm256_blendv_ps(_mm256_set_m128(hi, lo), x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}
#define VEXP(v) vexp_ps(v)
#define VDIV(a, b) _mm256_div_ps((a), (b))
#define VSUB(a, b) _mm256_sub_ps((a), (b))
#define VMAX(a, b) _mm256_max_ps((a), (b))
#define VMASK_EQ(a, b) ((unsigned)_mm256_movemask_ps(_mm256_cmp_ps((a), (b), _CMP_EQ_OQ)))
/* (v1, v0) of each adjacent pair: the partner of every lane */
#define VSWAP_PAIRS(v) _mm256_permute_ps((v), 0xb1)

#include "simd/body.h"

const nm_kernel_table *
nm_kernels_avx2_table(void)
{
	return &table_avx2;
}
