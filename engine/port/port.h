/*
 * port.h: the one interface between the portable engine and its platform.
 * Only this header and the C files in engine/port/ may include system
 * headers; every other engine file includes this first (see
 * docs/PLAN9_SUBSET.md).
 */
#ifndef NINEML_PORT_H
#define NINEML_PORT_H

#ifdef NINEML_PLAN9
#include <u.h>
#include <libc.h>
typedef u8int nm_u8;
typedef s8int nm_i8;
typedef u16int nm_u16;
typedef u32int nm_u32;
typedef s32int nm_i32;
typedef u64int nm_u64;
typedef s64int nm_i64;
#else
#ifdef NINEML_SUBSET_CHECK
/* Host check of the 6c subset: compiled with -nostdinc, so no system header. */
typedef unsigned char nm_u8;
typedef signed char nm_i8;
typedef unsigned short nm_u16;
typedef unsigned int nm_u32;
typedef int nm_i32;
typedef unsigned long long nm_u64;
typedef long long nm_i64;
#define nil ((void *)0)
#else
#include <stdint.h>
#include <stddef.h>
typedef uint8_t nm_u8;
typedef int8_t nm_i8;
typedef uint16_t nm_u16;
typedef uint32_t nm_u32;
typedef int32_t nm_i32;
typedef uint64_t nm_u64;
typedef int64_t nm_i64;
#ifndef nil
#define nil ((void *)0)
#endif
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Memory: nm_alloc returns zeroed memory or nil. */
void *nm_alloc(nm_u64 bytes);
void nm_free(void *p);
void nm_memcpy(void *dst, const void *src, nm_u64 bytes);
void nm_memset(void *dst, int byte, nm_u64 bytes);

/*
 * Float math. On POSIX these are libm's float functions (expf, sqrtf, ...),
 * matching upstream llama2.c; on Plan 9 they are the double functions rounded
 * to float, which is exactly the difference the 9front diff report shows.
 */
float nm_expf(float x);
float nm_sqrtf(float x);
float nm_powf(float x, float y);
float nm_sinf(float x);
float nm_cosf(float x);

/* Classification without x != x (6c does not order NaN compares). */
int nm_isnan(float x);
int nm_isinf(float x);

/*
 * Masks floating-point traps: Plan 9 starts processes with invalid,
 * divide-by-zero and overflow trapping; the kernels must see IEEE results.
 */
void nm_fp_ieee_mode(void);

/*
 * Whole-file read: on success *data holds the file's len bytes (nm_alloc'd,
 * released with nm_free; a trailing zero byte is added past len) and 0 is
 * returned; on failure -1, with "PATH: cannot open (reason)" or a like
 * one-line message in err. Regular files only, as nm_view_file.
 */
int nm_read_file(const char *path, nm_u8 **data, nm_u64 *len, char *err, int errlen);

/*
 * Read-only view of a whole file, for model weights. POSIX maps it (mmap,
 * PROT_READ): the weights cost page cache shared with other processes, not
 * heap, and pages arrive on first use. Plan 9 has no mmap: the file is read
 * into the heap (mapped = 0). A regular file only: a FIFO would block its
 * reader forever and a device has no size, so both are refused, as is a
 * directory. 0, or -1 with "PATH: problem" in err.
 */
typedef struct {
	const nm_u8 *data;
	nm_u64 len;
	int mapped;
} nm_file_view;
int nm_view_file(nm_file_view *v, const char *path, char *err, int errlen);
void nm_view_close(nm_file_view *v);
/* Hint: bytes [p, p+n) of v will not be read again soon. A mapping hands
 * their whole pages back (RSS drops; a later read pages them in again from
 * the file); a heap copy is kept. */
void nm_view_drop(const nm_file_view *v, const void *p, nm_u64 n);

/*
 * ---- Atomic output files (posix_out.c, plan9.c) ----
 * Every file 9ml writes for the user goes through nm_out (model writers,
 * config.json, reports: call these, never fopen(OUT, "w")), so that a
 * failed or interrupted write never loses the user's file:
 *
 *	nm_out *o = nm_out_open(path, err, errlen);	nil and err on failure
 *	nm_out_write(o, data, len, err, errlen) ...	buffered; -1 and err on failure
 *	nm_out_commit(o, err, errlen);			0: path now holds exactly the bytes
 *	nm_out_abort(o);				discard them (o may be nil)
 *
 * The bytes go to a temporary in path's own directory; only commit puts it
 * in path's place, so until then (a failed write, a full disk, Ctrl-C, a
 * kill) an existing file at path keeps its old content and a fresh path
 * does not appear. commit and abort free o, whatever happens; after a
 * failed write call abort. A path that is a symlink writes the file it
 * points to; the new file keeps an existing file's permissions.
 * POSIX: open(dir, O_TMPFILE) (a kill leaves nothing behind), linked into
 * place after fsync; elsewhere a hidden ".NAME.9ml-XXXXXX" removed on
 * failure, renamed over path; then the directory is fsynced. An existing
 * path that is not a regular file (/dev/null, a pipe) is written directly.
 * Plan 9 has no atomic replace: commit removes path, then renames the
 * temporary (wstat); see docs/PLAN9_SUBSET.md.
 */
typedef struct nm_out nm_out;
#ifdef NINEML_PLAN9
/* Complete only in port/plan9.c (see nm_pool below for why). */
#pragma incomplete nm_out
#endif
nm_out *nm_out_open(const char *path, char *err, int errlen);
int nm_out_write(nm_out *o, const void *data, nm_u64 len, char *err, int errlen);
int nm_out_commit(nm_out *o, char *err, int errlen);
void nm_out_abort(nm_out *o);

/*
 * Whole-file write through nm_out (atomic as above); 0 on success, -1 with
 * "PATH: cannot create (reason)", "PATH: write failed (reason)" or the like
 * in err.
 */
int nm_write_file(const char *path, const nm_u8 *data, nm_u64 len, char *err, int errlen);

/* 1 when a and b name the same existing file (POSIX: same device and inode
 * after following symlinks, so hard links and symlinks count; Plan 9: same
 * qid, type and dev), else 0. Tools refuse OUT == IN with it. */
int nm_same_file(const char *a, const char *b);
/* ---- end of atomic output files ---- */

/*
 * ---- Memory accounting (posix.c, plan9.c) ----
 * The bytes nm_alloc really holds: the allocator's usable size of each
 * block (malloc_usable_size, Plan 9's msize), not the size asked for.
 * nm_alloc_live is the sum over every block nm_alloc returned and nm_free
 * has not yet released, across all threads: so memory from nm_alloc is
 * released with nm_free only, and nm_free takes nothing else (the port
 * layer's own bookkeeping uses the C library directly and is not counted).
 * llmfs's pool reports these figures (docs/LLMFS.md).
 */
nm_u64 nm_alloc_size(void *p);	/* of one nm_alloc block; 0 for nil */
nm_u64 nm_alloc_live(void);	/* every nm_alloc block not yet freed, in this process */

/*
 * ---- Threads and locks for servers (posix_thread.c, plan9.c) ----
 * llmfs runs each connection and each generation on its own thread. A
 * thread started with nm_thread_start is detached: fn(arg) runs and the
 * thread ends when it returns (pthreads; on Plan 9 an rfork(RFPROC|RFMEM|
 * RFNOWAIT) process, so arg and what it points to are in the heap, never on
 * a stack: see the pool's job block below). 0, or -1 with the reason in err.
 * nm_lock is a mutex (not recursive); nm_cond a condition tied to one lock
 * (Plan 9: QLock and Rendez), waited on and broadcast with that lock held.
 * nm_cond_wait releases the lock while it sleeps and holds it again when it
 * returns; it may return without a broadcast, so wait in a loop that tests
 * the condition. A nil from nm_lock_new/nm_cond_new means out of memory.
 */
typedef struct nm_lock nm_lock;
typedef struct nm_cond nm_cond;
#ifdef NINEML_PLAN9
#pragma incomplete nm_lock
#pragma incomplete nm_cond
#endif
int nm_thread_start(void (*fn)(void *arg), void *arg, char *err, int errlen);
nm_lock *nm_lock_new(void);
void nm_lock_free(nm_lock *l);
void nm_lock_acquire(nm_lock *l);
void nm_lock_release(nm_lock *l);
nm_cond *nm_cond_new(nm_lock *l);
void nm_cond_free(nm_cond *c);
void nm_cond_wait(nm_cond *c);
void nm_cond_broadcast(nm_cond *c);

/*
 * ---- Byte-stream servers (posix_net.c, plan9.c) ----
 * Addresses are Plan 9 dial strings:
 *	tcp!HOST!PORT	HOST a numeric IPv4/IPv6 address, "localhost" (127.0.0.1)
 *			or "*" (every interface); PORT a number (0: any free port)
 *	unix!PATH	a Unix-domain socket (POSIX only); a stale socket file at
 *			PATH (no server listening) is replaced, any other file
 *			refuses (the check connects once: a server listening
 *			there sees a connection that ends at once)
 *	srv!NAME	Plan 9 only: a pipe whose other end is posted as /srv/NAME
 *			(mount /srv/NAME /mnt/llm); the pipe is the one connection,
 *			every mount of /srv/NAME shares it
 * nm_announce returns a listener handle or -1 with "ADDR: reason" (one line)
 * in err; nm_announced writes the address really bound into out
 * ("tcp!127.0.0.1!40123" for tcp!127.0.0.1!0, "tcp!*!5640"), 0 or -1 if
 * cap is too small. nm_accept blocks for the next connection: a handle, or
 * -1 with "ADDR: reason" (srv!: every call after the first). nm_conn_read
 * returns the bytes read (> 0, possibly fewer than n, the rest left for
 * the next read), 0 at end of stream, -1 on error; nm_conn_write writes all
 * n bytes or returns -1 (a peer that went away never kills the process: no
 * SIGPIPE, Plan 9's "write on closed pipe" note is ignored). nm_conn_shutdown
 * (from any thread) makes a blocked or later nm_conn_read of that handle
 * return 0 (or -1 after an error) and later writes fail; nm_conn_close
 * releases the handle (once no thread uses it); nm_announce_close stops
 * listening and removes the unix socket file or the /srv entry it made.
 */
int nm_announce(const char *addr, char *err, int errlen);
int nm_announced(int listener, char *out, int cap);
int nm_accept(int listener, char *err, int errlen);
long nm_conn_read(int conn, void *buf, long n);
long nm_conn_write(int conn, const void *buf, long n);
void nm_conn_shutdown(int conn);
void nm_conn_close(int conn);
void nm_announce_close(int listener);

/*
 * The absolute path of an existing file or folder with every symlink and
 * ".." resolved (POSIX realpath; Plan 9 fd2path of the opened file), into
 * out (cap bytes). 0, or -1 with "PATH: reason" in err. llmfs's --models
 * confinement compares these.
 */
int nm_real_path(const char *path, char *out, int cap, char *err, int errlen);

/* Wall-clock seconds, monotonic where the platform allows. */
double nm_seconds(void);

/* Value of an environment variable, or nil; callers only read it. On Plan 9
 * each call allocates a copy that is never freed (read a few variables once). */
const char *nm_getenv(const char *name);

/* Processors available to this process (>= 1). */
int nm_cpu_count(void);

/*
 * Thread pool: n workers counting the calling thread (pthreads on POSIX,
 * rfork(RFPROC|RFMEM) processes and semaphores on Plan 9). nm_pool_run calls
 * fn(arg, task) for task = 0..n_tasks-1, task t on worker t % n (worker 0 is
 * the caller), and returns when all are done. Which worker runs a task never
 * changes the result: each task must write disjoint memory. A nil pool, one
 * of size 1, or n_tasks <= 1 runs every task on the caller, with arg itself.
 * nm_pool_create returns nil if n < 1 or a thread cannot be started.
 *
 * The job block: otherwise nm_pool_run first copies the arg_bytes bytes at
 * arg into storage the pool owns (heap, grown to the largest block seen, so
 * a dispatch allocates nothing once warm) and every task, the caller's
 * included, gets a pointer to that copy; fn reads it and never writes it.
 * So the block may be a local of the caller, but nothing it points to may
 * be on a stack: the data, the buffers, the tables (anything a task reads
 * or writes through it) live in the heap or in static storage. On Plan 9 a
 * worker is a process with its own copy of the stack as it was at
 * nm_pool_create (rfork(2): RFMEM shares data, bss and heap, never the
 * stack), so a pointer into the caller's stack would read stale bytes
 * there; the rule holds on every platform so that the code is the same.
 * If the pool cannot grow its copy (out of memory), the tasks all run on
 * the caller with arg itself.
 */
typedef struct nm_pool nm_pool;
#ifdef NINEML_PLAN9
/* Complete only in port/plan9.c: without this 6c gives the functions that
 * take it a different type signature there, and 6l refuses the link. The
 * pragma marks the type, not a const-qualified copy of it, so no function
 * here takes a const nm_pool * (6l: "incompatible type signatures"). */
#pragma incomplete nm_pool
#endif
nm_pool *nm_pool_create(int n);
void nm_pool_free(nm_pool *pool);
int nm_pool_size(nm_pool *pool);
void nm_pool_run(nm_pool *pool, void (*fn)(void *arg, int task), const void *arg, int arg_bytes,
                 int n_tasks);

#ifdef __cplusplus
}
#endif

#endif
