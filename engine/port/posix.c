/* posix.c: the platform layer on Linux and other POSIX hosts. */
#define _POSIX_C_SOURCE 200809L	// clock_gettime under -std=c11

#include "port/port.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __APPLE__
#include <malloc/malloc.h>
#define usable_size(p) malloc_size(p)
#else
#include <malloc.h>
#define usable_size(p) malloc_usable_size(p)
#endif

/* The usable bytes of every nm_alloc block not yet freed (nm_alloc_live). */
static _Atomic nm_u64 alloc_live;

void *
nm_alloc(nm_u64 bytes)
{
	void *p;

	if (bytes != (nm_u64)(size_t)bytes)
		return nil;
	// calloc(1, 0) may return NULL; a zero-byte request still succeeds.
	p = calloc(1, bytes ? (size_t)bytes : 1);
	if (p != nil)
		atomic_fetch_add_explicit(&alloc_live, (nm_u64)usable_size(p), memory_order_relaxed);
	return p;
}

void
nm_free(void *p)
{
	if (p == nil)
		return;
	atomic_fetch_sub_explicit(&alloc_live, (nm_u64)usable_size(p), memory_order_relaxed);
	free(p);
}

nm_u64
nm_alloc_size(void *p)
{
	return p == nil ? 0 : (nm_u64)usable_size(p);
}

nm_u64
nm_alloc_live(void)
{
	return atomic_load_explicit(&alloc_live, memory_order_relaxed);
}

void
nm_memcpy(void *dst, const void *src, nm_u64 bytes)
{
	if (bytes)
		memcpy(dst, src, (size_t)bytes);
}

void
nm_memset(void *dst, int byte, nm_u64 bytes)
{
	if (bytes)
		memset(dst, byte, (size_t)bytes);
}

float nm_expf(float x) { return expf(x); }
float nm_sqrtf(float x) { return sqrtf(x); }
float nm_powf(float x, float y) { return powf(x, y); }
float nm_sinf(float x) { return sinf(x); }
float nm_cosf(float x) { return cosf(x); }

int nm_isnan(float x) { return isnan(x) != 0; }
int nm_isinf(float x) { return isinf(x) != 0; }

/* Linux starts processes with every floating-point exception masked. */
void
nm_fp_ieee_mode(void)
{
}

double
nm_seconds(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0.0;
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *
nm_getenv(const char *name)
{
	return getenv(name);
}

int
nm_cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 1024 ? 1024 : (int)n;
}
