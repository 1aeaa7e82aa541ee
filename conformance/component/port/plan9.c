/* plan9.c: the component tests' platform layer on 9front. port.h (through
 * ct.h) includes <u.h> and <libc.h> when NINEML_PLAN9 is defined. */
#include "ct.h"

nm_u8 *
ct_read_file(const char *path, nm_i64 *len)
{
	int fd = open(path, OREAD);
	nm_u8 *buf = nil, *grown;
	nm_i64 cap = 0, n = 0;
	int got;

	if (fd < 0)
		return nil;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			grown = nm_alloc((nm_u64)cap + 1);
			if (grown == nil) {
				nm_free(buf);
				close(fd);
				return nil;
			}
			if (buf != nil)
				nm_memcpy(grown, buf, (nm_u64)n);
			nm_free(buf);
			buf = grown;
		}
		got = read(fd, buf + n, (int)(cap - n) > 65536 ? 65536 : (int)(cap - n));
		if (got < 0) {
			nm_free(buf);
			close(fd);
			return nil;
		}
		if (got == 0)
			break;
		n += got;
	}
	close(fd);
	*len = n;
	return buf;
}

int
ct_write_file(const char *path, const nm_u8 *p, nm_i64 len)
{
	int fd = create(path, OWRITE, 0664);
	nm_i64 done = 0;

	if (fd < 0)
		return -1;
	while (done < len) {
		int chunk = len - done > 65536 ? 65536 : (int)(len - done);
		if (write(fd, p + done, chunk) != chunk) {
			close(fd);
			return -1;
		}
		done += chunk;
	}
	return close(fd) < 0 ? -1 : 0;
}

void
ct_puts(const char *s)
{
	write(1, s, strlen(s));
}

void
ct_crash(void)
{
	volatile int *p = nil;
	*p = 1;
}

void
ct_hang(void)
{
	for (;;)
		sleep(1000);
}

void
main(int argc, char *argv[])
{
	nm_fp_ieee_mode();
	exits(ct_main(argc, argv) ? "fail" : nil);
}
