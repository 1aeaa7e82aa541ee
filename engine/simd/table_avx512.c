/* table_avx512.c: the avx512 kernel table (AVX-512 F, BW, VL and VNNI, with
 * FMA), host only, compiled with the matching -m flags; selected only when
 * CPUID reports all of them (cpu.c). Kernels in body.h; the integer dot
 * products use vpdpbusd. */
#include <immintrin.h>

#include "kernel_table.h"

#define W 16
#define VF __m512
#define VLOAD(p) _mm512_loadu_ps(p)
#define VSTORE(p, v) _mm512_storeu_ps((p), (v))
#define VSET1(f) _mm512_set1_ps(f)
#define VZERO() _mm512_setzero_ps()
#define VADD(a, b) _mm512_add_ps((a), (b))
#define VMUL(a, b) _mm512_mul_ps((a), (b))
#define VMADD(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define VHSUM(v) _mm512_reduce_add_ps(v)
#define IDOT(a, b, n) idot((a), (b), (n))
#define Q4DOT(blk, x) q4dot((blk), (x))
#define LEVEL(name) name##_avx512
#define LEVEL_NAME "avx512"

static inline nm_i32
hsum256_epi32(__m256i v)
{
	__m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
	return _mm_cvtsi128_si32(s);
}

/*
 * vpdpbusd multiplies unsigned by signed bytes. With a' = a + 128 (a XOR
 * 0x80, in 0..255): sum a*b = sum a'*b - 128 * sum b, and 128 * sum b is
 * vpdpbusd of 0x80 bytes with b. Both sums are exact in int32 for any int8.
 */
static nm_i32
idot(const nm_i8 *a, const nm_i8 *b, int n)
{
	__m512i acc = _mm512_setzero_si512(), corr = _mm512_setzero_si512();
	__m512i flip = _mm512_set1_epi8((char)0x80);
	__m256i acc2 = _mm256_setzero_si256(), corr2 = _mm256_setzero_si256();
	__m256i flip2 = _mm256_set1_epi8((char)0x80);
	int j = 0;
	nm_i32 s;

	for (; j + 64 <= n; j += 64) {
		__m512i va = _mm512_loadu_si512((const void *)(a + j));
		__m512i vb = _mm512_loadu_si512((const void *)(b + j));
		acc = _mm512_dpbusd_epi32(acc, _mm512_xor_si512(va, flip), vb);
		corr = _mm512_dpbusd_epi32(corr, flip, vb);
	}
	for (; j + 32 <= n; j += 32) {
		__m256i va = _mm256_loadu_si256((const __m256i *)(a + j));
		__m256i vb = _mm256_loadu_si256((const __m256i *)(b + j));
		acc2 = _mm256_dpbusd_epi32(acc2, _mm256_xor_si256(va, flip2), vb);
		corr2 = _mm256_dpbusd_epi32(corr2, flip2, vb);
	}
	s = _mm512_reduce_add_epi32(_mm512_sub_epi32(acc, corr)) +
	    hsum256_epi32(_mm256_sub_epi32(acc2, corr2));
	for (; j < n; j++)
		s += (nm_i32)a[j] * (nm_i32)b[j];
	return s;
}

/* Nibbles are already unsigned: sum (q - 8) x = sum q x - 8 sum x. */
static nm_i32
q4dot(const nm_u8 *nib, const nm_i8 *x)
{
	__m128i raw = _mm_loadu_si128((const __m128i *)nib);
	__m128i mask = _mm_set1_epi8(0x0f);
	__m256i q = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(raw, 4), mask),
	                             _mm_and_si128(raw, mask));
	__m256i vx = _mm256_loadu_si256((const __m256i *)x);
	__m256i zero = _mm256_setzero_si256();
	__m256i dot = _mm256_dpbusd_epi32(zero, q, vx);
	__m256i corr = _mm256_dpbusd_epi32(zero, _mm256_set1_epi8(8), vx);
	return hsum256_epi32(_mm256_sub_epi32(dot, corr));
}

#include "simd/body.h"

const nm_kernel_table *
nm_kernels_avx512_table(void)
{
	return &table_avx512;
}
