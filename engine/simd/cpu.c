/* cpu.c: which SIMD tables this x86 CPU (and OS) can run, from CPUID via
 * the compiler's __builtin_cpu_supports (which also checks that the OS
 * saves the wider registers). Host only. */
#include <cpuid.h>

#include "kernel_table.h"

const nm_kernel_table *nm_kernels_sse2_table(void);
const nm_kernel_table *nm_kernels_avx2_table(void);
const nm_kernel_table *nm_kernels_avx512_table(void);

/* F16C (vcvtph2ps): CPUID leaf 1, ECX bit 29. Asked directly because
 * clang's __builtin_cpu_supports has no "f16c". */
static int
has_f16c(void)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	return (c >> 29) & 1;
}

const nm_kernel_table *
nm_simd_table(const char *name)
{
	__builtin_cpu_init();
	if (nm_level_is(name, "sse2"))
		return __builtin_cpu_supports("sse2") ? nm_kernels_sse2_table() : nil;
	if (nm_level_is(name, "avx2"))
		return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
		               has_f16c()
		           ? nm_kernels_avx2_table() : nil;
	if (nm_level_is(name, "avx512"))
		return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
		               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni") &&
		               __builtin_cpu_supports("fma") && has_f16c()
		           ? nm_kernels_avx512_table() : nil;
	return nil;
}
