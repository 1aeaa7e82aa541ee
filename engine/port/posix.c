/* posix.c: the platform layer on Linux and other POSIX hosts. */
#define _POSIX_C_SOURCE 200809L	// clock_gettime under -std=c11

#include "port/port.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void *
nm_alloc(nm_u64 bytes)
{
	if (bytes != (nm_u64)(size_t)bytes)
		return nil;
	// calloc(1, 0) may return NULL; a zero-byte request still succeeds.
	return calloc(1, bytes ? (size_t)bytes : 1);
}

void
nm_free(void *p)
{
	free(p);
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
