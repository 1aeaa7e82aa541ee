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

#include <errno.h>
#include <sys/stat.h>
#include <stdio.h>

int
nm_read_file(const char *path, nm_u8 **data, nm_u64 *len, char *err, int errlen)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	nm_u8 *buf;
	long size;

	*data = nil;
	*len = 0;
	if (f == NULL) {
		snprintf(err, (size_t)errlen, "%s: cannot open (%s)", path, strerror(errno));
		return -1;
	}
	/* a directory opens and "seeks" on Linux, to a meaningless size */
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, (size_t)errlen, "%s: is a directory, not a file", path);
		fclose(f);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		snprintf(err, (size_t)errlen, "%s: cannot determine the file size (%s)", path, strerror(errno));
		fclose(f);
		return -1;
	}
	buf = nm_alloc((nm_u64)size + 1);
	if (buf == nil) {
		snprintf(err, (size_t)errlen, "%s: cannot allocate %ld bytes", path, size);
		fclose(f);
		return -1;
	}
	if (size > 0 && fread(buf, 1, (size_t)size, f) != (size_t)size) {
		snprintf(err, (size_t)errlen, "%s: read error", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	*data = buf;
	*len = (nm_u64)size;
	return 0;
}
