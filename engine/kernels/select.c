/* select.c: picking a kernel table by name, by CPU, or by request. */
#include "kernel_table.h"

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
nm_kernels_by_name(const char *name)
{
	if (name == nil)
		return nil;
	if (same(name, "scalar"))
		return nm_kernels_scalar();
	if (same(name, "sse2") || same(name, "avx2") || same(name, "avx512") ||
	    same(name, "plan9-sse2"))
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
