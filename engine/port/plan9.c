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

int
nm_write_file(const char *path, const nm_u8 *data, nm_u64 len, char *err, int errlen)
{
	vlong done;
	long n;
	int fd;

	fd = create(path, OWRITE, 0666);
	if (fd < 0) {
		snprint(err, errlen, "%s: cannot create (%r)", path);
		return -1;
	}
	for (done = 0; done < (vlong)len; done += n) {
		n = write(fd, (void *)(data + done), (vlong)len - done > CHUNK ? CHUNK : (long)((vlong)len - done));
		if (n <= 0) {
			snprint(err, errlen, "%s: write failed (%r)", path);
			close(fd);
			return -1;
		}
	}
	close(fd);
	return 0;
}

const char *
nm_getenv(const char *name)
{
	return getenv((char *)name);
}

/* $NPROC is set by the kernel's boot scripts to the processor count. */
int
nm_cpu_count(void)
{
	char *s = getenv("NPROC");
	int n = s == nil ? 1 : atoi(s);

	free(s);
	return n < 1 ? 1 : n > 1024 ? 1024 : n;
}

/*
 * The pool: workers 1..n-1 are processes sharing memory with the caller
 * (rfork RFPROC|RFMEM; each has its own copy of the stack, so a worker never
 * returns from the function that forked it). Worker i sleeps in
 * semacquire(&go[i]); nm_pool_run releases every go[i], runs worker 0's
 * share, then acquires `done` once per worker.
 */
struct nm_pool {
	int n;
	long *go;
	long done;
	int quit;
	void (*fn)(void *arg, int task);
	void *arg;
	int n_tasks;
};

static void
run_share(nm_pool *p, int id)
{
	int t;

	for (t = id; t < p->n_tasks; t += p->n)
		p->fn(p->arg, t);
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
	if (p->go == nil) {
		free(p);
		return nil;
	}
	for (i = 1; i < n; i++) {
		switch (rfork(RFPROC|RFMEM|RFNOWAIT)) {
		case -1:
			stop_workers(p, i - 1);
			free(p->go);
			free(p);
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
	free(p->go);
	free(p);
}

int
nm_pool_size(const nm_pool *p)
{
	return p == nil ? 1 : p->n;
}

void
nm_pool_run(nm_pool *p, void (*fn)(void *arg, int task), void *arg, int n_tasks)
{
	int i;

	if (p == nil || p->n == 1 || n_tasks <= 1) {
		for (i = 0; i < n_tasks; i++)
			fn(arg, i);
		return;
	}
	p->fn = fn;
	p->arg = arg;
	p->n_tasks = n_tasks;
	for (i = 1; i < p->n; i++)
		semrelease(&p->go[i], 1);
	run_share(p, 0);
	for (i = 1; i < p->n; i++)
		semacquire(&p->done, 1);
}
