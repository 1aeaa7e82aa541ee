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

#include "simd/body.h"

const nm_kernel_table *
nm_kernels_avx2_table(void)
{
	return &table_avx2;
}
