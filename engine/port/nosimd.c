/* nosimd.c: the SIMD part of kernel selection where no SIMD tables are
 * built (Plan 9, whose 6c has no intrinsics, and non-x86 hosts): every
 * level other than scalar is absent. */
#include "kernel_table.h"

const nm_kernel_table *
nm_simd_table(const char *name)
{
	(void)name;
	return nil;
}
