/*
 * posix_pool.c: the thread pool of port.h on pthreads.
 *
 * A decode step hands the pool ~100 small jobs per token (every matrix
 * product and the attention of every layer), so waking a sleeping thread
 * through a condition variable for each (tens of microseconds) would cost
 * more than the 15M model's whole matmuls. Workers therefore spin on an
 * atomic job counter for a while (NM_SPIN_SECONDS) before they sleep, and
 * the caller spins on the count of unfinished workers; both yield the CPU
 * now and then, so an oversubscribed pool still makes progress.
 *
 * Tasks read the job block from the pool's own copy (port.h), as on Plan 9
 * where a worker cannot see the caller's stack: one memcpy of a few hundred
 * bytes per dispatch, into a buffer allocated once.
 */
#define _POSIX_C_SOURCE 200809L

#include "port/port.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

/* How long an idle worker spins before sleeping: longer than the serial
 * work between two jobs of a forward pass, short enough that an idle
 * program stops burning the CPU at once for a human's eye. */
#define NM_SPIN_SECONDS 0.002

/* The job block's first capacity: larger than every engine job. */
#define NM_JOB_CAP0 512

/* Three cache lines, so that a dispatch moves as few lines between CPUs
 * as it can: the job (written by the caller, read by every worker; the
 * block's copy behind `job` is the caller's to write between jobs), the
 * count of unfinished workers (written by workers, polled by the caller),
 * and the rest (read-mostly). */
struct nm_pool {
	_Alignas(64) atomic_uint generation; /* bumped once per job */
	void (*fn)(void *arg, int task);
	void *job; /* the job block's copy, job_cap bytes */
	int job_cap;
	int n_tasks;
	atomic_int sleepers; /* workers inside (or entering) the cond wait */
	_Alignas(64) atomic_int pending; /* workers 1..n-1 not done with this job */
	_Alignas(64) int n;
	atomic_int quit;
	pthread_t *threads;
	pthread_mutex_t mu;
	pthread_cond_t wake;
};

typedef struct {
	nm_pool *pool;
	int id;
} worker_arg;

static void
run_share(nm_pool *p, int id)
{
	for (int t = id; t < p->n_tasks; t += p->n)
		p->fn(p->job, t);
}

/* Waits until the job counter moves past seen (or quit); returns the new value. */
static unsigned
await_job(nm_pool *p, unsigned seen)
{
	double deadline = 0;
	unsigned g;

	for (int i = 0;; i++) {
		g = atomic_load_explicit(&p->generation, memory_order_acquire);
		if (g != seen || atomic_load(&p->quit))
			return g;
		cpu_relax();
		if ((i & 255) != 255)
			continue;
		/* give the CPU to a runnable thread if there is one (a pool larger
		 * than the free CPUs): cheap when there is none */
		sched_yield();
		if (deadline == 0)
			deadline = nm_seconds() + NM_SPIN_SECONDS;
		else if (nm_seconds() > deadline)
			break;
	}
	/* Sleep. The caller bumps generation, then reads sleepers (both
	 * sequentially consistent): either it sees us and broadcasts under
	 * the mutex, or our check below, made after our increment, sees its
	 * new generation. */
	atomic_fetch_add(&p->sleepers, 1);
	pthread_mutex_lock(&p->mu);
	while ((g = atomic_load(&p->generation)) == seen && !atomic_load(&p->quit))
		pthread_cond_wait(&p->wake, &p->mu);
	pthread_mutex_unlock(&p->mu);
	atomic_fetch_sub(&p->sleepers, 1);
	return g;
}

static void *
worker_main(void *v)
{
	worker_arg *wa = v;
	nm_pool *p = wa->pool;
	int id = wa->id;
	unsigned seen = 0;

	free(wa);
	for (;;) {
		seen = await_job(p, seen);
		if (atomic_load(&p->quit))
			break;
		run_share(p, id);
		atomic_fetch_sub_explicit(&p->pending, 1, memory_order_release);
	}
	return NULL;
}

static void
stop_workers(nm_pool *p, int started)
{
	atomic_store(&p->quit, 1);
	pthread_mutex_lock(&p->mu);
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < started; i++)
		pthread_join(p->threads[i], NULL);
}

nm_pool *
nm_pool_create(int n)
{
	nm_pool *p;

	if (n < 1)
		return nil;
	p = aligned_alloc(64, (sizeof *p + 63) / 64 * 64);
	if (p == NULL)
		return nil;
	memset(p, 0, sizeof *p);
	p->n = n;
	p->threads = calloc((size_t)n, sizeof *p->threads);
	p->job = calloc(1, NM_JOB_CAP0);
	p->job_cap = NM_JOB_CAP0;
	if (p->threads == NULL || p->job == NULL) {
		free(p->threads);
		free(p->job);
		free(p);
		return nil;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->wake, NULL);
	atomic_init(&p->generation, 0);
	atomic_init(&p->pending, 0);
	atomic_init(&p->sleepers, 0);
	atomic_init(&p->quit, 0);
	for (int i = 1; i < n; i++) {
		worker_arg *wa = malloc(sizeof *wa);
		if (wa != NULL) {
			wa->pool = p;
			wa->id = i;
		}
		if (wa == NULL || pthread_create(&p->threads[i - 1], NULL, worker_main, wa) != 0) {
			free(wa);
			stop_workers(p, i - 1);
			pthread_cond_destroy(&p->wake);
			pthread_mutex_destroy(&p->mu);
			free(p->threads);
			free(p->job);
			free(p);
			return nil;
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
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->mu);
	free(p->threads);
	free(p->job);
	free(p);
}

int
nm_pool_size(nm_pool *p)
{
	return p == nil ? 1 : p->n;
}

void
nm_pool_run(nm_pool *p, void (*fn)(void *arg, int task), const void *arg, int arg_bytes, int n_tasks)
{
	if (p != nil && p->n > 1 && n_tasks > 1 && arg_bytes > p->job_cap) {
		/* every worker is done with the previous job: nobody reads the block */
		void *grown = calloc(1, (size_t)arg_bytes);
		if (grown != NULL) {
			free(p->job);
			p->job = grown;
			p->job_cap = arg_bytes;
		}
	}
	if (p == nil || p->n == 1 || n_tasks <= 1 || arg_bytes < 0 || arg_bytes > p->job_cap) {
		for (int t = 0; t < n_tasks; t++)
			fn((void *)arg, t);
		return;
	}
	if (arg_bytes > 0)
		memcpy(p->job, arg, (size_t)arg_bytes);
	p->fn = fn;
	p->n_tasks = n_tasks;
	atomic_store(&p->pending, p->n - 1);
	atomic_fetch_add(&p->generation, 1); /* publishes fn/job/n_tasks */
	if (atomic_load(&p->sleepers) > 0) {
		pthread_mutex_lock(&p->mu);
		pthread_cond_broadcast(&p->wake);
		pthread_mutex_unlock(&p->mu);
	}
	run_share(p, 0);
	for (int i = 0; atomic_load_explicit(&p->pending, memory_order_acquire) > 0; i++) {
		if (i < 4096)
			cpu_relax();
		else
			sched_yield(); /* more threads than free CPUs: let them run */
	}
}
