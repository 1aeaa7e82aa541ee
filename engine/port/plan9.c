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

int
nm_read_file(const char *path, nm_u8 **data, nm_u64 *len, char *err, int errlen)
{
	Dir *d;
	vlong size, got;
	uchar *buf;
	int fd;
	long n;

	*data = nil;
	*len = 0;
	fd = open(path, OREAD);
	if (fd < 0) {
		snprint(err, errlen, "%s: cannot open (%r)", path);
		return -1;
	}
	d = dirfstat(fd);
	if (d == nil) {
		snprint(err, errlen, "%s: cannot determine the file size (%r)", path);
		close(fd);
		return -1;
	}
	size = d->length;
	if (d->qid.type & QTDIR) {
		free(d);
		snprint(err, errlen, "%s: is a directory, not a regular file", path);
		close(fd);
		return -1;
	}
	free(d);
	buf = nm_alloc((nm_u64)size + 1);
	if (buf == nil) {
		snprint(err, errlen, "%s: cannot allocate %lld bytes", path, size);
		close(fd);
		return -1;
	}
	for (got = 0; got < size; got += n) {
		n = read(fd, buf + got, size - got > CHUNK ? CHUNK : (long)(size - got));
		if (n <= 0) {
			snprint(err, errlen, "%s: read error (%r)", path);
			free(buf);
			close(fd);
			return -1;
		}
	}
	close(fd);
	*data = buf;
	*len = (nm_u64)size;
	return 0;
}

/*
 * Atomic output files (port.h). Plan 9 has no atomic replace: commit
 * removes OUT, then renames the temporary ".NAME.9ml-PID-N" (created in
 * OUT's directory, since wstat renames only within a directory) to OUT's
 * name. A crash between the two leaves the new file under the temporary
 * name and no OUT; a failed rename keeps it there and says so. An existing
 * OUT served by a kernel device (Dir.type other than 'M', e.g. /dev/null)
 * is written in place.
 */
enum { OUTBUF = 1 << 20 };

struct nm_out {
	char *path;	/* as the caller named it */
	char *tmp;	/* the temporary, or nil when direct */
	char *base;	/* path's last element: the name the temporary takes */
	int fd;
	int exists;	/* path existed at open */
	ulong mode;	/* its permissions, given to the new file */
	uchar *buf;
	vlong used;
};

static void
out_release(nm_out *o)
{
	if (o->fd >= 0)
		close(o->fd);
	if (o->tmp != nil)
		remove(o->tmp);
	free(o->path);
	free(o->tmp);
	free(o->base);
	free(o->buf);
	free(o);
}

nm_out *
nm_out_open(const char *path, char *err, int errlen)
{
	nm_out *o;
	Dir *d;
	char *slash;
	int i;

	o = mallocz(sizeof *o, 1);
	if (o == nil) {
		snprint(err, errlen, "%s: cannot create (out of memory)", path);
		return nil;
	}
	o->fd = -1;
	o->path = strdup(path);
	o->buf = malloc(OUTBUF);
	slash = strrchr(path, '/');
	o->base = strdup(slash == nil ? path : slash + 1);
	if (o->path == nil || o->buf == nil || o->base == nil) {
		snprint(err, errlen, "%s: cannot create (out of memory)", path);
		out_release(o);
		return nil;
	}
	d = dirstat(path);
	if (d != nil) {
		o->exists = 1;
		o->mode = d->mode;
		if (d->mode & DMDIR) {
			free(d);
			snprint(err, errlen, "%s: is a directory, not a file", path);
			out_release(o);
			return nil;
		}
		if (d->type != 'M') {
			free(d);
			o->fd = open(path, OWRITE|OTRUNC);
			if (o->fd < 0) {
				snprint(err, errlen, "%s: cannot open for writing (%r)", path);
				out_release(o);
				return nil;
			}
			return o;
		}
		free(d);
	}
	for (i = 0; i < 100; i++) {
		if (slash == nil)
			o->tmp = smprint(".%s.9ml-%d-%d", o->base, getpid(), i);
		else
			o->tmp = smprint("%.*s/.%s.9ml-%d-%d", (int)(slash - path), path, o->base, getpid(), i);
		if (o->tmp == nil)
			break;
		o->fd = create(o->tmp, OWRITE|OEXCL, 0666);
		if (o->fd >= 0)
			return o;
		free(o->tmp);
		o->tmp = nil;
	}
	snprint(err, errlen, "%s: cannot create a file beside it (%r)", path);
	out_release(o);
	return nil;
}

static int
out_write_all(nm_out *o, uchar *p, vlong n, char *err, int errlen)
{
	long w;

	while (n > 0) {
		w = write(o->fd, p, n > CHUNK ? CHUNK : (long)n);
		if (w <= 0) {
			snprint(err, errlen, "%s: write failed (%r)", o->path);
			return -1;
		}
		p += w;
		n -= w;
	}
	return 0;
}

int
nm_out_write(nm_out *o, const void *data, nm_u64 len, char *err, int errlen)
{
	vlong n = o->used;

	if (n + (vlong)len > OUTBUF) {
		o->used = 0;
		if (out_write_all(o, o->buf, n, err, errlen) != 0)
			return -1;
	}
	if ((vlong)len >= OUTBUF)
		return out_write_all(o, (uchar *)data, (vlong)len, err, errlen);
	memmove(o->buf + o->used, (void *)data, (ulong)len);
	o->used += len;
	return 0;
}

int
nm_out_commit(nm_out *o, char *err, int errlen)
{
	vlong n = o->used;
	Dir d;

	o->used = 0;
	if (out_write_all(o, o->buf, n, err, errlen) != 0) {
		out_release(o);
		return -1;
	}
	close(o->fd);
	o->fd = -1;
	if (o->tmp == nil) {
		out_release(o);
		return 0;
	}
	if (o->exists && remove(o->path) < 0) {
		snprint(err, errlen, "%s: cannot replace (%r)", o->path);
		out_release(o);
		return -1;
	}
	nulldir(&d);
	d.name = o->base;
	if (o->exists)
		d.mode = o->mode;
	if (dirwstat(o->tmp, &d) < 0) {
		// path is gone: the temporary is the only copy, keep it
		snprint(err, errlen, "%s: cannot rename %s to it (%r); the new file is %s", o->path, o->tmp, o->tmp);
		free(o->tmp);
		o->tmp = nil;
		out_release(o);
		return -1;
	}
	free(o->tmp);
	o->tmp = nil;
	out_release(o);
	return 0;
}

void
nm_out_abort(nm_out *o)
{
	if (o != nil)
		out_release(o);
}

/* No mmap on Plan 9: a view is a heap copy (the portable read path). */
int
nm_view_file(nm_file_view *v, const char *path, char *err, int errlen)
{
	nm_u8 *data;
	nm_u64 len;

	nm_memset(v, 0, sizeof *v);
	if (nm_read_file(path, &data, &len, err, errlen) != 0)
		return -1;
	v->data = data;
	v->len = len;
	return 0;
}

void
nm_view_close(nm_file_view *v)
{
	nm_free((void *)v->data);
	nm_memset(v, 0, sizeof *v);
}

void
nm_view_drop(const nm_file_view *v, const void *p, nm_u64 n)
{
	USED(v);
	USED(p);
	USED(n);
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
	Dir *da, *db;
	int same;

	da = dirstat(a);
	db = dirstat(b);
	same = da != nil && db != nil && da->qid.path == db->qid.path && da->type == db->type && da->dev == db->dev;
	free(da);
	free(db);
	return same;
}

const char *
nm_getenv(const char *name)
{
	return getenv((char *)name);
}

/* Lines of /dev/sysstat: one per processor; 0 if it cannot be read. */
static int
sysstat_cpus(void)
{
	char buf[4096];
	int fd, got, i, n = 0;

	fd = open("/dev/sysstat", OREAD);
	if (fd < 0)
		return 0;
	while ((got = read(fd, buf, sizeof buf)) > 0)
		for (i = 0; i < got; i++)
			if (buf[i] == '\n')
				n++;
	close(fd);
	return n;
}

/* $NPROC (termrc/cpurc set it to the processor count; a user may lower
 * it), else /dev/sysstat's line count. */
int
nm_cpu_count(void)
{
	char *s = getenv("NPROC");
	int n = s == nil ? 0 : atoi(s);

	free(s);
	if (n < 1)
		n = sysstat_cpus();
	return n < 1 ? 1 : n > 1024 ? 1024 : n;
}

/*
 * The pool: workers 1..n-1 are processes sharing memory with the caller
 * (rfork RFPROC|RFMEM; each has its own copy of the stack as it was at the
 * fork, so a worker never returns from the function that forked it, and
 * never reads the caller's stack: nm_pool_run copies the job block into
 * `job`, in the shared heap). Worker i sleeps in semacquire(&go[i]);
 * nm_pool_run releases every go[i], runs worker 0's share, then acquires
 * `done` once per worker.
 */
struct nm_pool {
	int n;
	long *go;
	long done;
	int quit;
	void (*fn)(void *arg, int task);
	void *job; /* the job block's copy, job_cap bytes */
	int job_cap;
	int n_tasks;
};

enum { JOB_CAP0 = 512 };

static void
run_share(nm_pool *p, int id)
{
	int t;

	for (t = id; t < p->n_tasks; t += p->n)
		p->fn(p->job, t);
}

static void
worker(nm_pool *p, int id)
{
	for (;;) {
		semacquire(&p->go[id], 1);
		if (p->quit)
			break;
		run_share(p, id);
		semrelease(&p->done, 1);
	}
	// The last touch of the pool: the caller frees it after this.
	semrelease(&p->done, 1);
	exits(nil);
}

static void
stop_workers(nm_pool *p, int started)
{
	int i;

	p->quit = 1;
	for (i = 1; i <= started; i++)
		semrelease(&p->go[i], 1);
	for (i = 1; i <= started; i++)
		semacquire(&p->done, 1);
}

static void
release(nm_pool *p)
{
	free(p->job);
	free(p->go);
	free(p);
}

nm_pool *
nm_pool_create(int n)
{
	nm_pool *p;
	int i;

	if (n < 1)
		return nil;
	p = mallocz(sizeof *p, 1);
	if (p == nil)
		return nil;
	p->n = n;
	p->go = mallocz(n * sizeof p->go[0], 1);
	p->job = mallocz(JOB_CAP0, 1);
	p->job_cap = JOB_CAP0;
	if (p->go == nil || p->job == nil) {
		release(p);
		return nil;
	}
	for (i = 1; i < n; i++) {
		switch (rfork(RFPROC|RFMEM|RFNOWAIT)) {
		case -1:
			stop_workers(p, i - 1);
			release(p);
			return nil;
		case 0:
			worker(p, i);
		}
	}
	return p;
}

void
nm_pool_free(nm_pool *p)
{
	if (p == nil)
		return;
	stop_workers(p, p->n - 1);
	release(p);
}

int
nm_pool_size(nm_pool *p)
{
	return p == nil ? 1 : p->n;
}

void
nm_pool_run(nm_pool *p, void (*fn)(void *arg, int task), const void *arg, int arg_bytes, int n_tasks)
{
	int i;

	if (p != nil && p->n > 1 && n_tasks > 1 && arg_bytes > p->job_cap) {
		// Workers are asleep between jobs: nobody reads the old block.
		void *grown = mallocz(arg_bytes, 1);
		if (grown != nil) {
			free(p->job);
			p->job = grown;
			p->job_cap = arg_bytes;
		}
	}
	if (p == nil || p->n == 1 || n_tasks <= 1 || arg_bytes < 0 || arg_bytes > p->job_cap) {
		for (i = 0; i < n_tasks; i++)
			fn((void *)arg, i);
		return;
	}
	memmove(p->job, (void *)arg, arg_bytes);
	p->fn = fn;
	p->n_tasks = n_tasks;
	for (i = 1; i < p->n; i++)
		semrelease(&p->go[i], 1);
	run_share(p, 0);
	for (i = 1; i < p->n; i++)
		semacquire(&p->done, 1);
}
