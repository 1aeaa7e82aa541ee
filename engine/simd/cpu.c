/* cpu.c: which SIMD tables this x86 CPU (and OS) can run, from CPUID via
 * the compiler's __builtin_cpu_supports (which also checks that the OS
 * saves the wider registers). Host only. */
#include "kernel_table.h"

const nm_kernel_table *nm_kernels_sse2_table(void);
const nm_kernel_table *nm_kernels_avx2_table(void);
const nm_kernel_table *nm_kernels_avx512_table(void);

static int
same(const char *a, const char *b)
{
	while (*a != 0 && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

const nm_kernel_table *
nm_simd_table(const char *name)
{
	__builtin_cpu_init();
	if (same(name, "sse2"))
		return __builtin_cpu_supports("sse2") ? nm_kernels_sse2_table() : nil;
	if (same(name, "avx2"))
		return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
		               __builtin_cpu_supports("f16c")
		           ? nm_kernels_avx2_table() : nil;
	if (same(name, "avx512"))
		return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
		               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni") &&
		               __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")
		           ? nm_kernels_avx512_table() : nil;
	return nil;
}
