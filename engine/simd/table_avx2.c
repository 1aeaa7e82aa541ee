/* table_avx2.c: the avx2 kernel table (AVX2 + FMA), host only, compiled
 * with -mavx2 -mfma (engine/CMakeLists.txt); selected only when CPUID
 * reports both (cpu.c). Kernels in body.h. */
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
#define IDOT(a, b, n) idot((a), (b), (n))
#define Q4DOT(blk, x) q4dot((blk), (x))
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

static inline nm_i32
hsum_epi32(__m256i v)
{
	__m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
	return _mm_cvtsi128_si32(s);
}

/* int8 -> int16 widening then pmaddwd: exact for every int8 value
 * (pmaddubsw's saturation and its unsigned operand would not be). */
static nm_i32
idot(const nm_i8 *a, const nm_i8 *b, int n)
{
	__m256i acc = _mm256_setzero_si256();
	int j = 0;
	nm_i32 s;

	for (; j + 16 <= n; j += 16) {
		__m256i a16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(a + j)));
		__m256i b16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + j)));
		acc = _mm256_add_epi32(acc, _mm256_madd_epi16(a16, b16));
	}
	s = hsum_epi32(acc);
	for (; j < n; j++)
		s += (nm_i32)a[j] * (nm_i32)b[j];
	return s;
}

static nm_i32
q4dot(const nm_u8 *nib, const nm_i8 *x)
{
	__m256i b16 = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)nib));
	__m256i eight = _mm256_set1_epi16(8);
	__m256i lo = _mm256_sub_epi16(_mm256_and_si256(b16, _mm256_set1_epi16(0x0f)), eight);
	__m256i hi = _mm256_sub_epi16(_mm256_srli_epi16(b16, 4), eight);
	__m256i x0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)x));
	__m256i x1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(x + 16)));
	return hsum_epi32(_mm256_add_epi32(_mm256_madd_epi16(lo, x0), _mm256_madd_epi16(hi, x1)));
}

#include "simd/body.h"

const nm_kernel_table *
nm_kernels_avx2_table(void)
{
	return &table_avx2;
}
