/* select.c: picking a kernel table by name, by CPU, or by request. */
#include "kernel_table.h"

int
nm_level_is(const char *name, const char *level)
{
	while (*name != 0 && *name == *level) {
		name++;
		level++;
	}
	return *name == *level;
}

const nm_kernel_table *
nm_kernels_by_name(const char *name)
{
	if (name == nil)
		return nil;
	if (nm_level_is(name, "scalar"))
		return nm_kernels_scalar();
	if (nm_level_is(name, "sse2") || nm_level_is(name, "avx2") || nm_level_is(name, "avx512") ||
	    nm_level_is(name, "plan9-sse2"))
		return nm_simd_table(name);
	return nil;
}

const nm_kernel_table *
nm_kernels_best(void)
{
	/* The host's levels, then Plan 9's (each platform has only its own). */
	static const char *order[] = { "avx512", "avx2", "sse2", "plan9-sse2" };
	const nm_kernel_table *t;
	int i;

	for (i = 0; i < 4; i++) {
		t = nm_simd_table(order[i]);
		if (t != nil)
			return t;
	}
	return nm_kernels_scalar();
}

const nm_kernel_table *
nm_kernels_select(const char *request)
{
	if (request == nil || *request == 0)
		request = nm_getenv("NINEML_SIMD");
	if (request == nil || *request == 0)
		return nm_kernels_best();
	return nm_kernels_by_name(request);
}
