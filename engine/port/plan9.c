/*
 * plan9.c: the platform layer on 9front (6c, amd64). port.h brings in
 * <u.h> and <libc.h> when NINEML_PLAN9 is defined. long is 32 bits here,
 * and libc's malloc/memmove/memset take a ulong count.
 */
#include "port/port.h"

/* Largest count handed to one memmove/memset call. */
#define CHUNK (1U << 30)

void *
nm_alloc(nm_u64 bytes)
{
	// A size that does not survive the conversion to ulong cannot be met.
	if (bytes != (nm_u64)(ulong)bytes)
		return nil;
	return mallocz((ulong)(bytes ? bytes : 1), 1);
}

void
nm_free(void *p)
{
	free(p);
}

void
nm_memcpy(void *dst, const void *src, nm_u64 bytes)
{
	uchar *d = dst;
	uchar *s = (uchar *)src;

	while (bytes > 0) {
		ulong n = bytes > CHUNK ? CHUNK : (ulong)bytes;
		memmove(d, s, n);
		d += n;
		s += n;
		bytes -= n;
	}
}

void
nm_memset(void *dst, int byte, nm_u64 bytes)
{
	uchar *d = dst;

	while (bytes > 0) {
		ulong n = bytes > CHUNK ? CHUNK : (ulong)bytes;
		memset(d, byte, n);
		d += n;
		bytes -= n;
	}
}

/* libc is double only: compute in double, round once to float. */
float nm_expf(float x) { return (float)exp((double)x); }
float nm_sqrtf(float x) { return (float)sqrt((double)x); }
float nm_powf(float x, float y) { return (float)pow((double)x, (double)y); }
float nm_sinf(float x) { return (float)sin((double)x); }
float nm_cosf(float x) { return (float)cos((double)x); }

/* isNaN/isInf inspect the bits, so they do not depend on 6c's compares. */
int nm_isnan(float x) { return isNaN((double)x); }
int nm_isinf(float x) { return isInf((double)x, 0); }

/*
 * 9front starts processes with invalid, divide-by-zero and overflow
 * trapping (a set FP bit enables the trap); mask them so kernels see
 * IEEE NaN and inf instead of dying with "sys: fp: ...".
 */
void
nm_fp_ieee_mode(void)
{
	setfcr(getfcr() & ~(FPINVAL|FPZDIV|FPOVFL));
}

double
nm_seconds(void)
{
	return (double)nsec() / 1e9;
}
