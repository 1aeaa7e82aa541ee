/* posix_thread.c: port.h's threads and locks for servers, on pthreads. */
#define _POSIX_C_SOURCE 200809L

#include "port/port.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nm_lock {
	pthread_mutex_t m;
};

struct nm_cond {
	pthread_cond_t c;
	nm_lock *l;
};

typedef struct {
	void (*fn)(void *arg);
	void *arg;
} thread_start;

static void *
thread_main(void *p)
{
	thread_start s = *(thread_start *)p;

	free(p);
	s.fn(s.arg);
	return NULL;
}

int
nm_thread_start(void (*fn)(void *arg), void *arg, char *err, int errlen)
{
	thread_start *s = malloc(sizeof *s);
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	if (s == NULL) {
		snprintf(err, (size_t)errlen, "cannot start a thread (out of memory)");
		return -1;
	}
	s->fn = fn;
	s->arg = arg;
	rc = pthread_attr_init(&attr);
	if (rc == 0) {
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		rc = pthread_create(&t, &attr, thread_main, s);
		pthread_attr_destroy(&attr);
	}
	if (rc != 0) {
		free(s);
		snprintf(err, (size_t)errlen, "cannot start a thread (%s)", strerror(rc));
		return -1;
	}
	return 0;
}

nm_lock *
nm_lock_new(void)
{
	nm_lock *l = malloc(sizeof *l);

	if (l != NULL && pthread_mutex_init(&l->m, NULL) != 0) {
		free(l);
		return NULL;
	}
	return l;
}

void
nm_lock_free(nm_lock *l)
{
	if (l == NULL)
		return;
	pthread_mutex_destroy(&l->m);
	free(l);
}

/* Only misuse (a lock not held, a freed one) makes these fail: stop there
 * rather than run on without mutual exclusion. */
void
nm_lock_acquire(nm_lock *l)
{
	if (pthread_mutex_lock(&l->m) != 0)
		abort();
}

void
nm_lock_release(nm_lock *l)
{
	if (pthread_mutex_unlock(&l->m) != 0)
		abort();
}

nm_cond *
nm_cond_new(nm_lock *l)
{
	nm_cond *c = malloc(sizeof *c);

	if (c == NULL)
		return NULL;
	if (pthread_cond_init(&c->c, NULL) != 0) {
		free(c);
		return NULL;
	}
	c->l = l;
	return c;
}

void
nm_cond_free(nm_cond *c)
{
	if (c == NULL)
		return;
	pthread_cond_destroy(&c->c);
	free(c);
}

void
nm_cond_wait(nm_cond *c)
{
	if (pthread_cond_wait(&c->c, &c->l->m) != 0)
		abort();
}

void
nm_cond_broadcast(nm_cond *c)
{
	pthread_cond_broadcast(&c->c);
}
