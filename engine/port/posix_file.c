/*
 * posix_file.c: reading input files on POSIX hosts: whole-file reads for
 * small companions (tokenizers, config.json) and read-only mappings for
 * model weights. Both refuse anything but a regular file.
 */
#define _DEFAULT_SOURCE	// madvise, MAP_* under -std=c11

#include "port/port.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Opens path for reading if it is a regular file: O_NONBLOCK so that a FIFO
 * cannot block the open itself, then fstat on the descriptor (no race with
 * a rename between a stat and the open). Returns the descriptor and its
 * size, or -1 with the message in err.
 */
static int
open_regular(const char *path, nm_u64 *size, char *err, int errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, (size_t)errlen, "%s: cannot open (%s)", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, (size_t)errlen, "%s: cannot determine the file size (%s)", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, (size_t)errlen, "%s: %s, not a regular file", path,
		         S_ISDIR(st.st_mode) ? "is a directory" : S_ISFIFO(st.st_mode) ? "is a FIFO" : "is a device or socket");
		close(fd);
		return -1;
	}
	if (fcntl(fd, F_SETFL, 0) != 0) {	// back to blocking reads
		snprintf(err, (size_t)errlen, "%s: cannot open (%s)", path, strerror(errno));
		close(fd);
		return -1;
	}
	*size = (nm_u64)st.st_size;
	return fd;
}

int
nm_read_file(const char *path, nm_u8 **data, nm_u64 *len, char *err, int errlen)
{
	nm_u64 size, got = 0;
	nm_u8 *buf;
	int fd;

	*data = nil;
	*len = 0;
	if ((fd = open_regular(path, &size, err, errlen)) < 0)
		return -1;
	buf = nm_alloc(size + 1);
	if (buf == nil) {
		snprintf(err, (size_t)errlen, "%s: cannot allocate %llu bytes", path, (unsigned long long)size);
		close(fd);
		return -1;
	}
	while (got < size) {
		ssize_t n = read(fd, buf + got, (size_t)(size - got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, (size_t)errlen, "%s: read error (%s)", path,
			         n == 0 ? "file shrank while reading" : strerror(errno));
			nm_free(buf);
			close(fd);
			return -1;
		}
		got += (nm_u64)n;
	}
	close(fd);
	*data = buf;
	*len = size;
	return 0;
}

int
nm_view_file(nm_file_view *v, const char *path, char *err, int errlen)
{
	static const nm_u8 empty[1];
	nm_u64 size;
	void *p;
	int fd;

	nm_memset(v, 0, sizeof *v);
	if ((fd = open_regular(path, &size, err, errlen)) < 0)
		return -1;
	if (size == 0) {	// mmap refuses a zero length
		close(fd);
		v->data = empty;
		return 0;
	}
	if (size != (nm_u64)(size_t)size) {
		snprintf(err, (size_t)errlen, "%s: too large to map (%llu bytes)", path, (unsigned long long)size);
		close(fd);
		return -1;
	}
	p = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);	// the mapping keeps the file
	if (p == MAP_FAILED) {
		snprintf(err, (size_t)errlen, "%s: cannot map (%s)", path, strerror(errno));
		return -1;
	}
	v->data = p;
	v->len = size;
	v->mapped = 1;
	return 0;
}

void
nm_view_close(nm_file_view *v)
{
	if (v->mapped)
		munmap((void *)v->data, (size_t)v->len);
	nm_memset(v, 0, sizeof *v);
}

void
nm_view_drop(const nm_file_view *v, const void *p, nm_u64 n)
{
	long page = sysconf(_SC_PAGESIZE);
	nm_u64 pg = page > 0 ? (nm_u64)page : 4096;
	nm_u64 base = (nm_u64)(size_t)v->data, lo = (nm_u64)(size_t)p, hi = lo + n;

	if (!v->mapped || lo < base || hi > base + v->len)
		return;
	lo = (lo + pg - 1) / pg * pg;	// whole pages inside the range only
	hi = hi / pg * pg;
	if (hi > lo)
		madvise((void *)(size_t)lo, (size_t)(hi - lo), MADV_DONTNEED);
}

int
nm_real_path(const char *path, char *out, int cap, char *err, int errlen)
{
	char *r = realpath(path, NULL);
	size_t n;

	if (r == NULL) {
		snprintf(err, (size_t)errlen, "%s: cannot resolve (%s)", path, strerror(errno));
		return -1;
	}
	n = strlen(r);
	if (cap <= 0 || n >= (size_t)cap) {
		snprintf(err, (size_t)errlen, "%s: resolves to a path of %zu bytes, longer than %d", path, n,
		         cap > 0 ? cap - 1 : 0);
		free(r);
		return -1;
	}
	memcpy(out, r, n + 1);
	free(r);
	return 0;
}
