/* posix.c: the platform layer on Linux and other POSIX hosts. */
#define _POSIX_C_SOURCE 200809L	// clock_gettime under -std=c11

#include "port/port.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void *
nm_alloc(nm_u64 bytes)
{
	if (bytes != (nm_u64)(size_t)bytes)
		return nil;
	// calloc(1, 0) may return NULL; a zero-byte request still succeeds.
	return calloc(1, bytes ? (size_t)bytes : 1);
}

void
nm_free(void *p)
{
	free(p);
}

void
nm_memcpy(void *dst, const void *src, nm_u64 bytes)
{
	if (bytes)
		memcpy(dst, src, (size_t)bytes);
}

void
nm_memset(void *dst, int byte, nm_u64 bytes)
{
	if (bytes)
		memset(dst, byte, (size_t)bytes);
}

float nm_expf(float x) { return expf(x); }
float nm_sqrtf(float x) { return sqrtf(x); }
float nm_powf(float x, float y) { return powf(x, y); }
float nm_sinf(float x) { return sinf(x); }
float nm_cosf(float x) { return cosf(x); }

int nm_isnan(float x) { return isnan(x) != 0; }
int nm_isinf(float x) { return isinf(x) != 0; }

/* Linux starts processes with every floating-point exception masked. */
void
nm_fp_ieee_mode(void)
{
}

double
nm_seconds(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0.0;
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *
nm_getenv(const char *name)
{
	return getenv(name);
}

int
nm_cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 1024 ? 1024 : (int)n;
}

/*
 * The pool: workers 1..n-1 sleep on `wake` until `generation` changes, run
 * their share of the job, and the last to finish signals `done`. Worker 0
 * is the caller of nm_pool_run.
 */
struct nm_pool {
	int n;
	pthread_t *threads;
	pthread_mutex_t mu;
	pthread_cond_t wake, done;
	unsigned generation;
	int pending; /* workers that have not finished the current job */
	int quit;
	void (*fn)(void *arg, int task);
	void *arg;
	int n_tasks;
};

typedef struct {
	nm_pool *pool;
	int id;
} worker_arg;

static void
run_share(nm_pool *p, int id)
{
	for (int t = id; t < p->n_tasks; t += p->n)
		p->fn(p->arg, t);
}

static void *
worker_main(void *v)
{
	worker_arg *wa = v;
	nm_pool *p = wa->pool;
	int id = wa->id;
	unsigned seen = 0;

	free(wa);
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->generation == seen && !p->quit)
			pthread_cond_wait(&p->wake, &p->mu);
		if (p->quit)
			break;
		seen = p->generation;
		pthread_mutex_unlock(&p->mu);
		run_share(p, id);
		pthread_mutex_lock(&p->mu);
		if (--p->pending == 0)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void
stop_workers(nm_pool *p, int started)
{
	pthread_mutex_lock(&p->mu);
	p->quit = 1;
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
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return nil;
	p->n = n;
	p->threads = calloc((size_t)n, sizeof *p->threads);
	if (p->threads == NULL) {
		free(p);
		return nil;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->wake, NULL);
	pthread_cond_init(&p->done, NULL);
	for (int i = 1; i < n; i++) {
		worker_arg *wa = malloc(sizeof *wa);
		if (wa != NULL) {
			wa->pool = p;
			wa->id = i;
		}
		if (wa == NULL || pthread_create(&p->threads[i - 1], NULL, worker_main, wa) != 0) {
			free(wa);
			stop_workers(p, i - 1);
			pthread_cond_destroy(&p->done);
			pthread_cond_destroy(&p->wake);
			pthread_mutex_destroy(&p->mu);
			free(p->threads);
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
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->mu);
	free(p->threads);
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
	if (p == nil || p->n == 1 || n_tasks <= 1) {
		for (int t = 0; t < n_tasks; t++)
			fn(arg, t);
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->fn = fn;
	p->arg = arg;
	p->n_tasks = n_tasks;
	p->pending = p->n - 1;
	p->generation++;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->mu);
	run_share(p, 0);
	pthread_mutex_lock(&p->mu);
	while (p->pending > 0)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

#include <errno.h>
#include <stdio.h>

int
nm_read_file(const char *path, nm_u8 **data, nm_u64 *len, char *err, int errlen)
{
	FILE *f = fopen(path, "rb");
	nm_u8 *buf;
	long size;

	*data = nil;
	*len = 0;
	if (f == NULL) {
		snprintf(err, (size_t)errlen, "%s: cannot open (%s)", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		snprintf(err, (size_t)errlen, "%s: cannot determine the file size (%s)", path, strerror(errno));
		fclose(f);
		return -1;
	}
	buf = nm_alloc((nm_u64)size + 1);
	if (buf == nil) {
		snprintf(err, (size_t)errlen, "%s: cannot allocate %ld bytes", path, size);
		fclose(f);
		return -1;
	}
	if (size > 0 && fread(buf, 1, (size_t)size, f) != (size_t)size) {
		snprintf(err, (size_t)errlen, "%s: read error", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	*data = buf;
	*len = (nm_u64)size;
	return 0;
}
