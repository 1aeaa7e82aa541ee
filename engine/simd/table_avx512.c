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
#define LEVEL(name) name##_avx512
#define LEVEL_NAME "avx512"

/* vpdpbusd multiplies unsigned by signed bytes into int32 without
 * saturation: |w| (0..128) times x with w's sign (x in [-127, 127]). */
#define QBLOCK
#define QSUM32(acc, w, x) _mm256_dpbusd_epi32((acc), _mm256_abs_epi8(w), _mm256_sign_epi8((x), (w)))

/* Q8 groups also 64 values per zmm (qblock.h, QBLOCK_ZMM). */
#define QBLOCK_ZMM

#include "simd/body.h"

const nm_kernel_table *
nm_kernels_avx512_table(void)
{
	return &table_avx512;
}
