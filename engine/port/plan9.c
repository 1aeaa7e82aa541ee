/*
 * plan9.c: the platform layer on 9front (6c, amd64). port.h brings in
 * <u.h> and <libc.h> when NINEML_PLAN9 is defined. long is 32 bits here,
 * and libc's malloc/memmove/memset take a ulong count.
 */
#include "port/port.h"

/* Largest count handed to one memmove/memset call. */
#define CHUNK (1U << 30)

/* The usable bytes (msize) of every nm_alloc block not yet freed. */
static Lock alloclk;
static uvlong alloclive;

void *
nm_alloc(nm_u64 bytes)
{
	void *p;

	// A size that does not survive the conversion to ulong cannot be met.
	if (bytes != (nm_u64)(ulong)bytes)
		return nil;
	p = mallocz((ulong)(bytes ? bytes : 1), 1);
	if (p != nil) {
		lock(&alloclk);
		alloclive += msize(p);
		unlock(&alloclk);
	}
	return p;
}

void
nm_free(void *p)
{
	if (p == nil)
		return;
	lock(&alloclk);
	alloclive -= msize(p);
	unlock(&alloclk);
	free(p);
}

nm_u64
nm_alloc_size(void *p)
{
	return p == nil ? 0 : msize(p);
}

nm_u64
nm_alloc_live(void)
{
	uvlong n;

	lock(&alloclk);
	n = alloclive;
	unlock(&alloclk);
	return n;
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
			nm_free(buf);
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

/*
 * Notes (notify(2)). A peer that went away makes a write post "sys: write
 * on closed pipe", and nm_conn_shutdown interrupts a blocked read with
 * SHUTNOTE: both are continued (the system call returns -1), every other
 * note keeps its default. The kernel's handler is per process and copied
 * by rfork, while atnotify registers it only in the first process that
 * calls it (its flag is in the shared data): so catch_notes runs before
 * any thread is forked (nm_thread_start) and in nm_announce.
 */
static char SHUTNOTE[] = "nm: connection shut down";
static Lock notelk;
static int noting;

static int
on_note(void *ureg, char *note)
{
	USED(ureg);
	if (strncmp(note, "sys: write on closed pipe", 25) == 0 || strcmp(note, SHUTNOTE) == 0)
		return 1;
	return 0;
}

static void
catch_notes(void)
{
	lock(&notelk);
	if (!noting) {
		atnotify(on_note, 1);
		noting = 1;
	}
	unlock(&notelk);
}

/*
 * Threads: rfork(RFPROC|RFMEM|RFNOWAIT) processes sharing data, bss, heap
 * and the file descriptor table; each runs on its own copy of the stack as
 * it was here (fn and arg are copied with it), and ends with _exits so
 * that the parent's atexit handlers never run in it.
 */
int
nm_thread_start(void (*fn)(void *arg), void *arg, char *err, int errlen)
{
	catch_notes();
	switch (rfork(RFPROC|RFMEM|RFNOWAIT)) {
	case -1:
		snprint(err, errlen, "cannot start a thread (%r)");
		return -1;
	case 0:
		fn(arg);
		_exits(nil);
	}
	return 0;
}

struct nm_lock {
	QLock q;
};

struct nm_cond {
	Rendez r;
};

nm_lock *
nm_lock_new(void)
{
	return mallocz(sizeof(nm_lock), 1);
}

void
nm_lock_free(nm_lock *l)
{
	free(l);
}

void
nm_lock_acquire(nm_lock *l)
{
	qlock(&l->q);
}

void
nm_lock_release(nm_lock *l)
{
	qunlock(&l->q);
}

nm_cond *
nm_cond_new(nm_lock *l)
{
	nm_cond *c = mallocz(sizeof(nm_cond), 1);

	if (c != nil)
		c->r.l = &l->q;
	return c;
}

void
nm_cond_free(nm_cond *c)
{
	free(c);
}

void
nm_cond_wait(nm_cond *c)
{
	rsleep(&c->r);
}

void
nm_cond_broadcast(nm_cond *c)
{
	rwakeupall(&c->r);
}

/*
 * Byte-stream servers. A listener handle indexes `listeners`; a connection
 * handle is a file descriptor, recorded in `conns` so that
 * nm_conn_shutdown can find the process reading it.
 *
 * srv!NAME is lib9p's postsrv: a pipe whose end 0 is posted in
 * /srv/NAME (create with ORCLOSE, so the entry goes when the process does,
 * or at nm_announce_close) and whose end 1 is the one connection.
 * tcp!HOST!PORT is announce(2); nm_accept is listen + accept.
 */
enum { MAXLISTEN = 16, SRVKIND = 1, TCPKIND = 2 };

typedef struct Listener Listener;
struct Listener {
	int kind;
	char *addr;		/* as announced, for messages */
	char *announced;	/* nm_announced's text */
	int ctl;		/* tcp: the announcement's ctl; srv: the /srv entry */
	char adir[NETPATHLEN];
	int conn;		/* srv: the server's end, -1 once accepted */
};

static Lock listenlk;
static Listener *listeners[MAXLISTEN];

typedef struct Conn Conn;
struct Conn {
	int fd;
	int reader;	/* pid of the process in nm_conn_read, or 0 */
	int shut;
	Conn *next;
};

static Lock connlk;
static Conn *conns;

static Conn *
findconn(int fd)
{
	Conn *c;

	for (c = conns; c != nil; c = c->next)
		if (c->fd == fd)
			return c;
	return nil;
}

/* Records fd as a connection; -1 (fd closed) when out of memory. */
static int
addconn(int fd)
{
	Conn *c = mallocz(sizeof(Conn), 1);

	if (c == nil) {
		close(fd);
		return -1;
	}
	c->fd = fd;
	lock(&connlk);
	c->next = conns;
	conns = c;
	unlock(&connlk);
	return fd;
}

static void
freelistener(Listener *l)
{
	free(l->addr);
	free(l->announced);
	free(l);
}

static int
addlistener(Listener *l, char *err, int errlen)
{
	int i;

	lock(&listenlk);
	for (i = 0; i < MAXLISTEN; i++)
		if (listeners[i] == nil) {
			listeners[i] = l;
			unlock(&listenlk);
			return i;
		}
	unlock(&listenlk);
	snprint(err, errlen, "%s: too many listeners (at most %d)", l->addr, MAXLISTEN);
	return -1;
}

static Listener *
getlistener(int h)
{
	Listener *l;

	if (h < 0 || h >= MAXLISTEN)
		return nil;
	lock(&listenlk);
	l = listeners[h];
	unlock(&listenlk);
	return l;
}

static int
announce_srv(Listener *l, char *name, char *err, int errlen)
{
	char path[256];
	int p[2];

	if (name[0] == 0 || strchr(name, '/') != nil) {
		snprint(err, errlen, "%s: want srv!NAME (a name without /)", l->addr);
		return -1;
	}
	if (pipe(p) < 0) {
		snprint(err, errlen, "%s: cannot make a pipe (%r)", l->addr);
		return -1;
	}
	snprint(path, sizeof path, "/srv/%s", name);
	l->ctl = create(path, OWRITE|ORCLOSE|OCEXEC, 0600);
	if (l->ctl < 0) {
		snprint(err, errlen, "%s: cannot post %s (%r)", l->addr, path);
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (fprint(l->ctl, "%d", p[0]) < 0) {
		snprint(err, errlen, "%s: cannot post %s (%r)", l->addr, path);
		close(l->ctl);
		close(p[0]);
		close(p[1]);
		return -1;
	}
	close(p[0]);	// the /srv entry holds it now
	l->kind = SRVKIND;
	l->conn = p[1];
	l->announced = smprint("srv!%s", name);
	return 0;
}

static int
announce_tcp(Listener *l, char *host, char *port, char *err, int errlen)
{
	char local[128], *bang, *s;
	int fd, n, any = strcmp(host, "*") == 0;

	if (*port == 0) {
		snprint(err, errlen, "%s: want tcp!HOST!PORT", l->addr);
		return -1;
	}
	for (s = port; *s != 0; s++)
		if (*s < '0' || *s > '9' || s - port > 5) {
			snprint(err, errlen, "%s: port '%s' is not a number from 0 to 65535", l->addr, port);
			return -1;
		}
	if (atoi(port) > 65535) {
		snprint(err, errlen, "%s: port '%s' is not a number from 0 to 65535", l->addr, port);
		return -1;
	}
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	s = smprint("tcp!%s!%s", host, port);
	if (s == nil) {
		snprint(err, errlen, "%s: out of memory", l->addr);
		return -1;
	}
	l->ctl = announce(s, l->adir);
	free(s);
	if (l->ctl < 0) {
		snprint(err, errlen, "%s: cannot announce (%r)", l->addr);
		return -1;
	}
	// The port really bound: DIR/local is "ADDRESS!PORT\n".
	snprint(local, sizeof local, "%s/local", l->adir);
	fd = open(local, OREAD);
	n = fd < 0 ? -1 : read(fd, local, sizeof local - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0 || (local[n] = 0, bang = strrchr(local, '!')) == nil) {
		snprint(err, errlen, "%s: cannot read the address bound (%r)", l->addr);
		close(l->ctl);
		return -1;
	}
	*bang++ = 0;
	if ((s = strchr(bang, '\n')) != nil)
		*s = 0;
	l->kind = TCPKIND;
	l->conn = -1;
	l->announced = smprint("tcp!%s!%s", any ? "*" : local, bang);
	return 0;
}

int
nm_announce(const char *addr, char *err, int errlen)
{
	Listener *l;
	char *buf, *rest, *port;
	int rc, h;

	catch_notes();
	l = mallocz(sizeof(Listener), 1);
	buf = strdup(addr);
	if (l == nil || buf == nil || (l->addr = strdup(addr)) == nil) {
		snprint(err, errlen, "%s: out of memory", addr);
		free(buf);
		if (l != nil)
			freelistener(l);
		return -1;
	}
	l->ctl = -1;
	l->conn = -1;
	rest = strchr(buf, '!');
	if (rest != nil)
		*rest++ = 0;
	if (strcmp(buf, "srv") == 0)
		rc = announce_srv(l, rest != nil ? rest : "", err, errlen);
	else if (strcmp(buf, "tcp") == 0) {
		port = rest == nil ? nil : strchr(rest, '!');
		if (port == nil || port == rest || strchr(port + 1, '!') != nil) {
			snprint(err, errlen, "%s: want tcp!HOST!PORT", addr);
			rc = -1;
		} else {
			*port++ = 0;
			rc = announce_tcp(l, rest, port, err, errlen);
		}
	} else if (strcmp(buf, "unix") == 0) {
		snprint(err, errlen, "%s: Unix-domain sockets are POSIX only (want srv!NAME or tcp!HOST!PORT)", addr);
		rc = -1;
	} else {
		snprint(err, errlen, "%s: unknown network '%s' (want srv!NAME or tcp!HOST!PORT)", addr, buf);
		rc = -1;
	}
	free(buf);
	if (rc == 0 && l->announced == nil) {
		snprint(err, errlen, "%s: out of memory", addr);
		rc = -1;
	}
	if (rc == 0 && (h = addlistener(l, err, errlen)) >= 0)
		return h;
	if (l->ctl >= 0)
		close(l->ctl);
	if (l->conn >= 0)
		close(l->conn);
	freelistener(l);
	return -1;
}

int
nm_announced(int h, char *out, int cap)
{
	Listener *l = getlistener(h);

	if (l == nil || cap <= 0 || strlen(l->announced) >= cap)
		return -1;
	strcpy(out, l->announced);
	return 0;
}

int
nm_accept(int h, char *err, int errlen)
{
	Listener *l = getlistener(h);
	char ldir[NETPATHLEN];
	int lcfd, fd;

	if (l == nil) {
		snprint(err, errlen, "listener %d: not announced", h);
		return -1;
	}
	if (l->kind == SRVKIND) {
		lock(&listenlk);
		fd = l->conn;
		l->conn = -1;
		unlock(&listenlk);
		if (fd < 0) {
			snprint(err, errlen, "%s: one connection only (every mount shares the pipe)", l->addr);
			return -1;
		}
		return addconn(fd);
	}
	lcfd = listen(l->adir, ldir);
	if (lcfd < 0) {
		snprint(err, errlen, "%s: cannot listen (%r)", l->addr);
		return -1;
	}
	fd = accept(lcfd, ldir);
	close(lcfd);
	if (fd < 0) {
		snprint(err, errlen, "%s: cannot accept (%r)", l->addr);
		return -1;
	}
	return addconn(fd);
}

/* A read that a note interrupted is retried unless the connection is shut. */
long
nm_conn_read(int fd, void *buf, long n)
{
	char e[ERRMAX];
	Conn *c;
	long got;

	for (;;) {
		lock(&connlk);
		c = findconn(fd);
		if (c != nil) {
			if (c->shut) {
				unlock(&connlk);
				return 0;
			}
			c->reader = getpid();
		}
		unlock(&connlk);
		got = read(fd, buf, n);
		if (got < 0)
			rerrstr(e, sizeof e);
		if (c == nil)
			return got < 0 ? -1 : got;
		lock(&connlk);
		c->reader = 0;
		if (got < 0 && c->shut)
			got = 0;
		unlock(&connlk);
		if (got >= 0 || strstr(e, "interrupted") == nil)
			return got < 0 ? -1 : got;
	}
}

long
nm_conn_write(int fd, const void *buf, long n)
{
	uchar *p = (uchar *)buf;
	long done = 0, w;
	Conn *c;
	int shut;

	lock(&connlk);
	c = findconn(fd);
	shut = c != nil && c->shut;
	unlock(&connlk);
	if (shut)
		return -1;
	while (done < n) {
		w = write(fd, p + done, n - done);
		if (w <= 0)
			return -1;
		done += w;
	}
	return n;
}

/*
 * Nothing closes a pipe under a process blocked reading it (the /srv entry
 * and the mounts hold the other end), so the reader gets a note. A note
 * that arrives before the read sleeps makes the read fail at once; one
 * handled just before the read starts would leave it asleep, so the note
 * is posted again while the reader stays in nm_conn_read (at most ~2 s).
 */
void
nm_conn_shutdown(int fd)
{
	Conn *c;
	int i, pid;

	for (i = 0; i < 200; i++) {
		lock(&connlk);
		c = findconn(fd);
		if (c == nil) {
			unlock(&connlk);
			return;
		}
		c->shut = 1;
		pid = c->reader;
		unlock(&connlk);
		if (pid == 0 || pid == getpid())
			return;
		postnote(PNPROC, pid, SHUTNOTE);
		sleep(10);
	}
}

void
nm_conn_close(int fd)
{
	Conn **pp, *c = nil;

	lock(&connlk);
	for (pp = &conns; *pp != nil; pp = &(*pp)->next)
		if ((*pp)->fd == fd) {
			c = *pp;
			*pp = c->next;
			break;
		}
	unlock(&connlk);
	free(c);
	close(fd);
}

void
nm_announce_close(int h)
{
	Listener *l = nil;

	lock(&listenlk);
	if (h >= 0 && h < MAXLISTEN) {
		l = listeners[h];
		listeners[h] = nil;
	}
	unlock(&listenlk);
	if (l == nil)
		return;
	close(l->ctl);	// srv: ORCLOSE removes /srv/NAME; tcp: the announcement ends
	if (l->conn >= 0)
		close(l->conn);
	freelistener(l);
}

/* fd2path of the opened file: the name space's own name for it, with ".."
 * already resolved by the walk (Plan 9 has no symlinks; binds show under
 * the name they are reached by). */
int
nm_real_path(const char *path, char *out, int cap, char *err, int errlen)
{
	char buf[1024];
	int fd;

	fd = open(path, OREAD);
	if (fd < 0) {
		snprint(err, errlen, "%s: cannot resolve (%r)", path);
		return -1;
	}
	if (fd2path(fd, buf, sizeof buf) != 0) {
		snprint(err, errlen, "%s: cannot resolve (%r)", path);
		close(fd);
		return -1;
	}
	close(fd);
	if (cap <= 0 || strlen(buf) >= cap) {
		snprint(err, errlen, "%s: resolves to a path of %d bytes, longer than %d", path, (int)strlen(buf),
		        cap > 0 ? cap - 1 : 0);
		return -1;
	}
	strcpy(out, buf);
	return 0;
}
