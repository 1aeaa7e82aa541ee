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
#define VHSUM_LANES(v) hsum_lanes(v)
/* F16C-class vcvtph2ps (AVX-512F) widens halves exactly; bfloat16 is the
 * high half of a float. */
#define VLOAD_F16(p) _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(p)))
#define VLOAD_BF16(p) \
	_mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(p))), 16))
#define LEVEL(name) name##_avx512
#define LEVEL_NAME "avx512"

/*
 * Lane i = _mm512_reduce_add_ps(v[i]) for 16 vectors at once, in its
 * tree: lanes (j, j+8), then (j, j+4), (j, j+2), (0, 1). Four rounds of
 * pairing two vectors' halves; afterwards lane 4k+j holds vector 4j+k,
 * which one permute puts in order.
 */
static inline __m512
hsum_lanes(const __m512 *v)
{
	__m512 a[8], b[4], c[2], r;

	for (int i = 0; i < 8; i++) /* lanes 0-7: v[2i]'s (j, j+8); 8-15: v[2i+1]'s */
		a[i] = _mm512_add_ps(_mm512_shuffle_f32x4(v[2 * i], v[2 * i + 1], 0x44),
		                     _mm512_shuffle_f32x4(v[2 * i], v[2 * i + 1], 0xee));
	for (int i = 0; i < 4; i++) /* quad k: v[4i+k]'s (j, j+4) */
		b[i] = _mm512_add_ps(_mm512_shuffle_f32x4(a[2 * i], a[2 * i + 1], 0x88),
		                     _mm512_shuffle_f32x4(a[2 * i], a[2 * i + 1], 0xdd));
	for (int i = 0; i < 2; i++) /* quad k: v[8i+k]'s, v[8i+4+k]'s (j, j+2) */
		c[i] = _mm512_add_ps(_mm512_shuffle_ps(b[2 * i], b[2 * i + 1], 0x44),
		                     _mm512_shuffle_ps(b[2 * i], b[2 * i + 1], 0xee));
	r = _mm512_add_ps(_mm512_shuffle_ps(c[0], c[1], 0x88), _mm512_shuffle_ps(c[0], c[1], 0xdd));
	return _mm512_permutexvar_ps(
	    _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), r);
}

/* vpdpbusd multiplies unsigned by signed bytes into int32 without
 * saturation: |w| (0..128) times x with w's sign (x in [-127, 127]). */
#define QBLOCK
#define QSUM32(acc, w, x) _mm256_dpbusd_epi32((acc), _mm256_abs_epi8(w), _mm256_sign_epi8((x), (w)))

/* Q8 groups also 64 values per zmm (qblock.h, QBLOCK_ZMM). */
#define QBLOCK_ZMM

#define VD __m512d
#define DSET1(d) _mm512_set1_pd(d)
#define DADD(a, b) _mm512_add_pd((a), (b))
#define DSUB(a, b) _mm512_sub_pd((a), (b))
#define DMUL(a, b) _mm512_mul_pd((a), (b))
#define DMIN(a, b) _mm512_min_pd((a), (b))
#define DMAX(a, b) _mm512_max_pd((a), (b))
#define DROUND(v) _mm512_roundscale_pd((v), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define DPOW2(k)                                                                               \
	_mm512_castsi512_pd(_mm512_slli_epi64(                                                     \
	    _mm512_cvtepi32_epi64(_mm256_add_epi32(_mm512_cvtpd_epi32(k), _mm256_set1_epi32(1023))), 52))
#include "simd/vexp.h"

/* expf of 16 floats: two halves of 8 doubles; NaN stays NaN. */
static inline __m512
vexp_ps(__m512 x)
{
	__m256 lo = _mm512_cvtpd_ps(exp_pd_avx512(_mm512_cvtps_pd(_mm512_castps512_ps256(x))));
	__m256 hi = _mm512_cvtpd_ps(exp_pd_avx512(_mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1)))));
	__m512 r = _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(lo)), _mm256_castps_pd(hi), 1));

	return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), r, x);
}
#define VEXP(v) vexp_ps(v)
#define VDIV(a, b) _mm512_div_ps((a), (b))
#define VSUB(a, b) _mm512_sub_ps((a), (b))
#define VMAX(a, b) _mm512_max_ps((a), (b))
#define VMASK_EQ(a, b) ((unsigned)_mm512_cmp_ps_mask((a), (b), _CMP_EQ_OQ))
#define VSWAP_PAIRS(v) _mm512_permute_ps((v), 0xb1)

/* 32 registers: product tiles of 4 rows x 4 tokens (16 accumulators, 4 x
 * vectors, a weight vector); prefill's 32 tokens are whole tiles. */
#define TILE_R 4
#define TILE_C 4
#include "simd/body.h"

const nm_kernel_table *
nm_kernels_avx512_table(void)
{
	return &table_avx512;
}
