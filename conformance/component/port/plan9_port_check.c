/*
 * plan9_port_check.c: port.h's server layer inside 9front (engine/port/
 * plan9.c), where the host's GoogleTest cases (engine/tests/
 * test_port_server.cpp) cannot run. `mk component` builds $O.port_check;
 * vmharness.9front_tools runs it in the real 9front. It prints one line
 * per check ("ok WHAT" or "FAIL WHAT"), a few facts about pipes, and
 * "PASS" or "FAIL N" last (exit status "fail" then).
 *
 * Plan 9 only: it opens /srv entries and pipes with libc itself.
 */
#include "port/port.h"

static int failures;

static void
check(int ok, char *what)
{
	print("%s %s\n", ok ? "ok" : "FAIL", what);
	if (!ok)
		failures++;
}

/* ---- memory accounting ---- */

static void
check_alloc(void)
{
	nm_u64 start = nm_alloc_live(), size;
	void *p;

	p = nm_alloc(100);
	size = nm_alloc_size(p);
	print("alloc: nm_alloc(100) holds %llud bytes (msize)\n", size);
	check(p != nil && size >= 100 && size == msize(p), "nm_alloc_size is msize");
	check(nm_alloc_live() == start + size, "nm_alloc_live grows by it");
	nm_free(p);
	check(nm_alloc_live() == start, "nm_alloc_live returns to its start");
	check(nm_alloc_size(nil) == 0, "nm_alloc_size(nil) is 0");
}

/* ---- threads, locks, conditions (all in the heap: threads share no stack) ---- */

enum { QCAP = 3, PRODUCERS = 3, CONSUMERS = 2, ITEMS = 3000 };

typedef struct {
	nm_lock *l;
	nm_cond *not_full;
	nm_cond *not_empty;
	long items[QCAP];
	int head, count;
	long sum, n, counter;	/* under l */
	int finished;		/* under l */
} Queue;

static void
put(Queue *q, long v)
{
	nm_lock_acquire(q->l);
	while (q->count == QCAP)
		nm_cond_wait(q->not_full);
	q->items[(q->head + q->count) % QCAP] = v;
	q->count++;
	q->counter++;
	nm_cond_broadcast(q->not_empty);
	nm_lock_release(q->l);
}

static void
producer(void *a)
{
	Queue *q = a;
	long v;

	for (v = 1; v <= ITEMS; v++)
		put(q, v);
	nm_lock_acquire(q->l);
	q->finished++;
	nm_lock_release(q->l);
}

static void
consumer(void *a)
{
	Queue *q = a;
	long v;

	for (;;) {
		nm_lock_acquire(q->l);
		while (q->count == 0)
			nm_cond_wait(q->not_empty);
		v = q->items[q->head];
		q->head = (q->head + 1) % QCAP;
		q->count--;
		nm_cond_broadcast(q->not_full);
		if (v < 0) {
			q->finished++;
			nm_lock_release(q->l);
			return;
		}
		q->sum += v;
		q->n++;
		q->counter++;
		nm_lock_release(q->l);
	}
}

/* Waits (polling, 100 ms steps) until q->finished reaches want; 0 on time-out. */
static int
wait_finished(Queue *q, int want, int seconds)
{
	int i, f;

	for (i = 0; i < seconds * 10; i++) {
		nm_lock_acquire(q->l);
		f = q->finished;
		nm_lock_release(q->l);
		if (f >= want)
			return 1;
		sleep(100);
	}
	return 0;
}

static void
check_threads(void)
{
	Queue *q = mallocz(sizeof(Queue), 1);
	char err[256], what[128];
	double t0 = nm_seconds();
	int i, ok = 1;

	q->l = nm_lock_new();
	q->not_full = nm_cond_new(q->l);
	q->not_empty = nm_cond_new(q->l);
	check(q->l != nil && q->not_full != nil && q->not_empty != nil, "nm_lock_new, nm_cond_new");
	for (i = 0; i < CONSUMERS; i++)
		ok &= nm_thread_start(consumer, q, err, sizeof err) == 0;
	for (i = 0; i < PRODUCERS; i++)
		ok &= nm_thread_start(producer, q, err, sizeof err) == 0;
	check(ok, "nm_thread_start");
	check(wait_finished(q, PRODUCERS, 120), "producers finished (no stall)");
	for (i = 0; i < CONSUMERS; i++)
		put(q, -1);
	check(wait_finished(q, PRODUCERS + CONSUMERS, 60), "consumers finished");
	snprint(what, sizeof what, "every item consumed once: n %ld sum %ld counter %ld", q->n, q->sum, q->counter);
	check(q->n == (long)PRODUCERS * ITEMS && q->sum == (long)PRODUCERS * ITEMS * (ITEMS + 1) / 2 &&
	      q->counter == 2L * PRODUCERS * ITEMS + CONSUMERS, what);
	print("threads: %d producers x %d items through a queue of %d in %.2f s\n", PRODUCERS, ITEMS, QCAP,
	      nm_seconds() - t0);
}

/* ---- srv!NAME ---- */

typedef struct {
	int conn;
	long got;
	int done;	/* set last */
	char err[ERRMAX];
	nm_lock *l;
} Reader;

static void
blocked_read(void *a)
{
	Reader *r = a;
	char buf[64];
	long got = nm_conn_read(r->conn, buf, sizeof buf);

	nm_lock_acquire(r->l);
	r->got = got;
	r->done = 1;
	nm_lock_release(r->l);
}

static void
write_closed(void *a)
{
	Reader *r = a;
	char buf[1000];
	long w;

	memset(buf, 'x', sizeof buf);
	w = nm_conn_write(r->conn, buf, sizeof buf);
	rerrstr(r->err, sizeof r->err);
	nm_lock_acquire(r->l);
	r->got = w;
	r->done = 1;
	nm_lock_release(r->l);
}

static int
wait_reader(Reader *r, int tenths)
{
	int i, d;

	for (i = 0; i < tenths; i++) {
		nm_lock_acquire(r->l);
		d = r->done;
		nm_lock_release(r->l);
		if (d)
			return 1;
		sleep(100);
	}
	return 0;
}

static void
check_srv(void)
{
	char name[64], addr[80], path[80], got[128], err[256], what[256];
	uchar msg[100], buf[400];
	Reader *r;
	long n1, n2;
	int h, cfd, c, i, same;

	snprint(name, sizeof name, "nm_port_check.%d", getpid());
	snprint(addr, sizeof addr, "srv!%s", name);
	snprint(path, sizeof path, "/srv/%s", name);
	h = nm_announce(addr, err, sizeof err);
	check(h >= 0, "nm_announce srv!NAME");
	if (h < 0) {
		print("	%s\n", err);
		return;
	}
	check(nm_announced(h, got, sizeof got) == 0 && strcmp(got, addr) == 0, "nm_announced gives srv!NAME");
	check(access(path, AEXIST) == 0, "/srv/NAME exists");
	cfd = open(path, ORDWR);	// the client's end, as mount would use it
	check(cfd >= 0, "open /srv/NAME");
	c = nm_accept(h, err, sizeof err);
	check(c >= 0, "nm_accept: the pipe's server end");
	i = nm_accept(h, err, sizeof err);
	snprint(what, sizeof what, "a second nm_accept fails: %s", err);
	check(i < 0 && strncmp(err, addr, strlen(addr)) == 0, what);

	// Short reads of one write: the rest stays for the next read?
	for (i = 0; i < sizeof msg; i++)
		msg[i] = i;
	write(cfd, msg, sizeof msg);
	n1 = nm_conn_read(c, buf, 4);
	n2 = nm_conn_read(c, buf + 4, 200);
	same = n1 == 4 && n2 == 96 && memcmp(buf, msg, 100) == 0;
	print("pipe: one write of 100 bytes, reads of 4 then 200 return %ld then %ld, bytes %s\n", n1, n2,
	      same ? "in order" : "DIFFER");
	check(same, "a short read leaves the rest of a write for the next read");
	// Two writes, one large read: does a read cross a write boundary?
	write(cfd, msg, 10);
	write(cfd, msg + 10, 10);
	n1 = nm_conn_read(c, buf, 100);
	n2 = n1 == 10 ? nm_conn_read(c, buf + 10, 100) : 0;
	print("pipe: two writes of 10 bytes, a read of 100 returns %ld%s\n", n1,
	      n1 == 10 ? " (one write), the next read the other 10" : "");
	check(n1 + n2 == 20 && memcmp(buf, msg, 20) == 0, "both writes arrive in order");
	// Server to client.
	for (i = 0; i < 300; i++)
		buf[i] = i * 7;
	check(nm_conn_write(c, buf, 300) == 300, "nm_conn_write 300 bytes");
	n1 = 0;
	while (n1 < 300 && (n2 = read(cfd, got, sizeof got)) > 0) {
		for (i = 0; i < n2; i++)
			if ((uchar)got[i] != buf[n1 + i])
				break;
		if (i < n2)
			break;
		n1 += n2;
	}
	check(n1 == 300, "the client reads them in order");

	// nm_conn_shutdown ends a read blocked in another thread.
	r = mallocz(sizeof(Reader), 1);
	r->l = nm_lock_new();
	r->conn = c;
	nm_thread_start(blocked_read, r, err, sizeof err);
	sleep(300);
	check(!wait_reader(r, 1), "nm_conn_read blocks on an empty pipe");
	nm_conn_shutdown(c);
	check(wait_reader(r, 100) && r->got == 0, "nm_conn_shutdown makes it return 0");
	check(nm_conn_write(c, "x", 1) == -1, "a write after nm_conn_shutdown fails");
	nm_conn_close(c);
	close(cfd);
	nm_announce_close(h);
	check(access(path, AEXIST) < 0, "nm_announce_close removes /srv/NAME");

	// A peer that went away: a thread's write gets "write on closed pipe"
	// (a note that would kill the process) and returns -1.
	h = nm_announce(addr, err, sizeof err);
	check(h >= 0, "srv!NAME again after nm_announce_close");
	if (h < 0)
		return;
	cfd = open(path, ORDWR);
	c = nm_accept(h, err, sizeof err);
	close(cfd);
	nm_announce_close(h);	// the last reference to the client's end
	check(nm_conn_read(c, buf, sizeof buf) == 0, "nm_conn_read returns 0 when every client end is gone");
	r->done = 0;
	r->conn = c;
	nm_thread_start(write_closed, r, err, sizeof err);
	check(wait_reader(r, 100), "the writing thread lives on");
	snprint(what, sizeof what, "nm_conn_write to a closed pipe returns -1 (%s)", r->err);
	check(r->got == -1, what);
	nm_conn_close(c);
	nm_lock_free(r->l);
	free(r);
}

/* ---- tcp!HOST!PORT: only if this system has a loopback interface ---- */

static void
check_tcp(void)
{
	char err[256], got[128], ddir[NETPATHLEN], what[300];
	uchar buf[64];
	int h, c, d;
	long n;

	h = nm_announce("tcp!127.0.0.1!0", err, sizeof err);
	if (h < 0) {
		print("tcp: not checked here: %s\n", err);
		return;
	}
	check(nm_announced(h, got, sizeof got) == 0 && strncmp(got, "tcp!127.0.0.1!", 14) == 0 && atoi(got + 14) > 0,
	      "nm_announced tcp!127.0.0.1!0 gives the port");
	print("tcp: announced %s\n", got);
	d = dial(got, nil, ddir, nil);
	if (d < 0) {
		snprint(what, sizeof what, "dial %s: %r", got);
		check(0, what);
		nm_announce_close(h);
		return;
	}
	c = nm_accept(h, err, sizeof err);
	check(c >= 0, "nm_accept over tcp");
	write(d, "hello", 5);
	n = nm_conn_read(c, buf, sizeof buf);
	check(n == 5 && memcmp(buf, "hello", 5) == 0, "nm_conn_read over tcp");
	check(nm_conn_write(c, "world", 5) == 5 && read(d, buf, sizeof buf) == 5, "nm_conn_write over tcp");
	close(d);
	nm_conn_close(c);
	nm_announce_close(h);
}

/* ---- addresses that are refused, paths ---- */

static void
check_errors(void)
{
	char *bad[] = {"unix!/tmp/s", "udp!x", "tcp!nohost", "tcp!1.2.3.4!99999", "srv!a/b", "srv!", "nonsense", nil};
	char err[256], what[400], out[256];
	int i, ok;

	for (i = 0; bad[i] != nil; i++) {
		err[0] = 0;
		ok = nm_announce(bad[i], err, sizeof err) < 0 && strncmp(err, bad[i], strlen(bad[i])) == 0 &&
		     err[strlen(bad[i])] == ':' && strchr(err, '\n') == nil;
		snprint(what, sizeof what, "refused: %s", err);
		check(ok, what);
	}
	check(nm_real_path("/sys/include/../include", out, sizeof out, err, sizeof err) == 0 &&
	      strcmp(out, "/sys/include") == 0, "nm_real_path /sys/include/../include is /sys/include");
	check(chdir("/sys") == 0 && nm_real_path("include/../include/libc.h", out, sizeof out, err, sizeof err) == 0 &&
	      strcmp(out, "/sys/include/libc.h") == 0, "nm_real_path of a relative path");
	ok = nm_real_path("/sys/nonexistent", out, sizeof out, err, sizeof err) < 0 &&
	     strncmp(err, "/sys/nonexistent: ", 18) == 0;
	snprint(what, sizeof what, "nm_real_path of a missing file: %s", err);
	check(ok, what);
	check(nm_real_path("/sys/include", out, 5, err, sizeof err) < 0, "nm_real_path refuses a small buffer");
}

void
main(int argc, char *argv[])
{
	USED(argc);
	USED(argv);
	check_alloc();
	check_threads();
	check_srv();
	check_tcp();
	check_errors();
	if (failures) {
		print("FAIL %d\n", failures);
		exits("fail");
	}
	print("PASS\n");
	exits(nil);
}
