/* posix.c: the component tests' platform layer on Linux (host and guest). */
#include "ct.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

nm_u8 *
ct_read_file(const char *path, nm_i64 *len)
{
	FILE *f = fopen(path, "rb");
	nm_u8 *buf = nil;
	nm_i64 cap = 0, n = 0;
	size_t got;

	if (f == NULL)
		return nil;
	for (;;) {
		if (n == cap) {
			nm_u8 *grown;
			cap = cap ? cap * 2 : 65536;
			grown = realloc(buf, (size_t)cap);
			if (grown == NULL) {
				free(buf);
				fclose(f);
				return nil;
			}
			buf = grown;
		}
		got = fread(buf + n, 1, (size_t)(cap - n), f);
		if (got == 0)
			break;
		n += (nm_i64)got;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return nil;
	}
	fclose(f);
	/* Hand back memory the caller frees with nm_free (calloc/free). */
	{
		nm_u8 *out = nm_alloc((nm_u64)n + 1);
		if (out != nil)
			nm_memcpy(out, buf, (nm_u64)n);
		free(buf);
		*len = n;
		return out;
	}
}

int
ct_write_file(const char *path, const nm_u8 *p, nm_i64 len)
{
	FILE *f = fopen(path, "wb");
	int rc = 0;

	if (f == NULL)
		return -1;
	if (len > 0 && fwrite(p, 1, (size_t)len, f) != (size_t)len)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

void
ct_puts(const char *s)
{
	fputs(s, stdout);
	fflush(stdout);
}

void
ct_crash(void)
{
	fflush(stdout);
	raise(SIGSEGV);
	abort();
}

void
ct_hang(void)
{
	for (;;)
		pause();
}

int
main(int argc, char **argv)
{
	nm_fp_ieee_mode();
	return ct_main(argc, argv);
}
