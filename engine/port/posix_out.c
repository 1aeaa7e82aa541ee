/*
 * posix_out.c: port.h's atomic output files on POSIX hosts. The bytes go
 * to an unnamed O_TMPFILE in OUT's directory (Linux), else to a hidden
 * ".NAME.9ml-XXXXXX" there; commit fsyncs the file, links or renames it
 * over OUT and fsyncs the directory. Until then OUT is untouched.
 */
#define _GNU_SOURCE	// O_TMPFILE, linkat's AT_SYMLINK_FOLLOW

#include "port/port.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { BUFCAP = 1 << 20 };

struct nm_out {
	char *path;	/* as the caller named it, for messages */
	char *dest;	/* where the file lands: path, or what a symlink path points to */
	char *dir;	/* dest's directory: the temporary must be on its file system */
	char *tmp;	/* the named temporary, or nil */
	int fd;
	int unnamed;	/* fd is an O_TMPFILE */
	int direct;	/* dest is a device or pipe, written in place */
	nm_u8 *buf;
	nm_u64 used;
};

static char *
dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d != NULL)
		memcpy(d, s, n);
	return d;
}

static void
release(nm_out *o)
{
	if (o->fd >= 0)
		close(o->fd);
	if (o->tmp != NULL)
		unlink(o->tmp);
	free(o->path);
	free(o->dest);
	free(o->dir);
	free(o->tmp);
	free(o->buf);
	free(o);
}

/* dest's directory: "." for a bare name, "/" for a name in the root. */
static char *
dir_of(const char *dest)
{
	const char *slash = strrchr(dest, '/');
	char *d;

	if (slash == NULL)
		return dup_str(".");
	if (slash == dest)
		return dup_str("/");
	d = malloc((size_t)(slash - dest) + 1);
	if (d != NULL) {
		memcpy(d, dest, (size_t)(slash - dest));
		d[slash - dest] = 0;
	}
	return d;
}

/* Test hook: NINEML_OUT_NO_TMPFILE=1 takes the named-temporary path, as on
 * a file system or kernel without O_TMPFILE. */
static int
open_unnamed(nm_out *o)
{
#ifdef O_TMPFILE
	const char *no = getenv("NINEML_OUT_NO_TMPFILE");
	char proc[64];

	if (no != NULL && strcmp(no, "1") == 0)
		return -1;
	o->fd = open(o->dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
	if (o->fd < 0)
		return -1;
	// commit links it through /proc (linkat AT_EMPTY_PATH needs a capability)
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", o->fd);
	if (access(proc, F_OK) != 0) {
		close(o->fd);
		o->fd = -1;
		return -1;
	}
	o->unnamed = 1;
	return 0;
#else
	(void)o;
	return -1;
#endif
}

/* The next candidate for a hidden temporary beside dest,
 * ".NAME.9ml-XXXXXX", into o->tmp (allocated on the first call). */
static int
next_tmp_name(nm_out *o, unsigned *seed)
{
	const char *base = strrchr(o->dest, '/');
	size_t cap;

	base = base == NULL ? o->dest : base + 1;
	cap = strlen(o->dir) + strlen(base) + 32;
	if (o->tmp == NULL && (o->tmp = malloc(cap)) == NULL)
		return -1;
	*seed = *seed * 1103515245u + 12345u;
	snprintf(o->tmp, cap, "%s/.%s.9ml-%06x", o->dir, base, *seed >> 8 & 0xffffff);
	return 0;
}

static unsigned
tmp_seed(void)
{
	return (unsigned)getpid() * 2654435761u ^ (unsigned)time(NULL);
}

/* A hidden temporary created exclusively (0666 less the umask). */
static int
open_named(nm_out *o)
{
	unsigned seed = tmp_seed();

	for (int i = 0; i < 100 && next_tmp_name(o, &seed) == 0; i++) {
		o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (o->fd >= 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	free(o->tmp);
	o->tmp = NULL;
	return -1;
}

nm_out *
nm_out_open(const char *path, char *err, int errlen)
{
	nm_out *o = calloc(1, sizeof *o);
	struct stat st, lst;
	int exists;

	if (o == NULL) {
		snprintf(err, (size_t)errlen, "%s: cannot create (out of memory)", path);
		return nil;
	}
	o->fd = -1;
	o->path = dup_str(path);
	o->buf = malloc(BUFCAP);
	exists = stat(path, &st) == 0;
	o->dest = NULL;
	if (exists && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
		o->dest = realpath(path, NULL);
	if (o->dest == NULL)
		o->dest = dup_str(path);
	o->dir = o->dest == NULL ? NULL : dir_of(o->dest);
	if (o->path == NULL || o->buf == NULL || o->dest == NULL || o->dir == NULL) {
		snprintf(err, (size_t)errlen, "%s: cannot create (out of memory)", path);
		release(o);
		return nil;
	}
	if (exists && S_ISDIR(st.st_mode)) {
		snprintf(err, (size_t)errlen, "%s: is a directory, not a file", path);
		release(o);
		return nil;
	}
	if (exists && !S_ISREG(st.st_mode)) {
		o->direct = 1;
		o->fd = open(o->dest, O_WRONLY | O_TRUNC | O_CLOEXEC);
		if (o->fd < 0) {
			snprintf(err, (size_t)errlen, "%s: cannot open for writing (%s)", path, strerror(errno));
			release(o);
			return nil;
		}
		return o;
	}
	if (open_unnamed(o) != 0 && open_named(o) != 0) {
		snprintf(err, (size_t)errlen, "%s: cannot create a file in %s (%s)", path, o->dir, strerror(errno));
		release(o);
		return nil;
	}
	if (exists)
		fchmod(o->fd, st.st_mode & 07777);	// best effort: a file we do not own keeps ours
	return o;
}

static int
write_all(nm_out *o, const nm_u8 *p, nm_u64 n, char *err, int errlen)
{
	while (n > 0) {
		size_t chunk = n > (nm_u64)(1 << 30) ? (size_t)1 << 30 : (size_t)n;
		ssize_t got = write(o->fd, p, chunk);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			snprintf(err, (size_t)errlen, "%s: write failed (%s)", o->path, got < 0 ? strerror(errno) : "no progress");
			return -1;
		}
		p += got;
		n -= (nm_u64)got;
	}
	return 0;
}

static int
flush(nm_out *o, char *err, int errlen)
{
	nm_u64 n = o->used;

	o->used = 0;
	return write_all(o, o->buf, n, err, errlen);
}

int
nm_out_write(nm_out *o, const void *data, nm_u64 len, char *err, int errlen)
{
	const nm_u8 *p = data;

	if (o->used + len > BUFCAP && flush(o, err, errlen) != 0)
		return -1;
	if (len >= BUFCAP)
		return write_all(o, p, len, err, errlen);
	memcpy(o->buf + o->used, p, (size_t)len);
	o->used += len;
	return 0;
}

/* Makes the new name durable; some file systems cannot fsync a directory. */
static void
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* The O_TMPFILE into place: linked straight to a fresh dest, else linked
 * to a hidden name and renamed over dest (Linux cannot link over a name;
 * a kill between the two leaves that name, holding the complete file). */
static int
place_unnamed(nm_out *o)
{
	char proc[64];
	unsigned seed = tmp_seed();

	snprintf(proc, sizeof proc, "/proc/self/fd/%d", o->fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, o->dest, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != EEXIST)
		return -1;
	for (int i = 0; i < 100 && next_tmp_name(o, &seed) == 0; i++) {
		if (linkat(AT_FDCWD, proc, AT_FDCWD, o->tmp, AT_SYMLINK_FOLLOW) == 0)
			return rename(o->tmp, o->dest);
		if (errno != EEXIST)
			break;
	}
	free(o->tmp);	// not linked: nothing to remove
	o->tmp = NULL;
	return -1;
}

int
nm_out_commit(nm_out *o, char *err, int errlen)
{
	int rc;

	if (flush(o, err, errlen) != 0) {
		release(o);
		return -1;
	}
	if (!o->direct && fsync(o->fd) != 0) {
		snprintf(err, (size_t)errlen, "%s: write failed (fsync: %s)", o->path, strerror(errno));
		release(o);
		return -1;
	}
	if (o->direct) {
		rc = close(o->fd);
		o->fd = -1;
		if (rc != 0)
			snprintf(err, (size_t)errlen, "%s: write failed (%s)", o->path, strerror(errno));
		release(o);
		return rc != 0 ? -1 : 0;
	}
	rc = o->unnamed ? place_unnamed(o) : rename(o->tmp, o->dest);
	if (rc != 0) {
		snprintf(err, (size_t)errlen, "%s: cannot put the new file in place (%s)", o->path, strerror(errno));
		release(o);	// removes a named temporary
		return -1;
	}
	free(o->tmp);	// now dest's name: release must not unlink it
	o->tmp = NULL;
	sync_dir(o->dir);
	release(o);
	return 0;
}

void
nm_out_abort(nm_out *o)
{
	if (o != NULL)
		release(o);
}

int
nm_write_file(const char *path, const nm_u8 *data, nm_u64 len, char *err, int errlen)
{
	nm_out *o = nm_out_open(path, err, errlen);

	if (o == nil)
		return -1;
	if (nm_out_write(o, data, len, err, errlen) != 0) {
		nm_out_abort(o);
		return -1;
	}
	return nm_out_commit(o, err, errlen);
}

int
nm_same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
