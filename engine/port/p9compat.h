/*
 * p9compat.h: the few Plan 9 libc calls the programs in engine/tools/ make
 * (print, fprint, exits; rfork, open(ORDWR) and dup(OLD, NEW) for llmfs's
 * background server; and C's strcmp/atoi/atof/strtoull/time/write/pipe/
 * read/close),
 * mapped onto POSIX, so the host builds and tests the very sources mk builds
 * (engine/CMakeLists.txt, -include). The programs use only print verbs that
 * mean the same in both (%s, %d, %g, widths and '-'). exits(nil) is status
 * 0, "usage" 2, anything else 1 (the host tools' convention).
 */
#ifndef NINEML_P9COMPAT_H
#define NINEML_P9COMPAT_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define print printf
#define fprint dprintf
#define main p9main

static inline void
exits(const char *status)
{
	fflush(stdout);
	exit(status == NULL ? 0 : strcmp(status, "usage") == 0 ? 2 : 1);
}

#define ORDWR O_RDWR
#define dup(oldfd, newfd) dup2(oldfd, newfd)

/* rfork(RFPROC|RFFDG|RFNOTEG|RFNOWAIT) as llmfs.c asks for it: a fork
 * whose child leaves the parent's process group (the note group). The
 * flags' values are Plan 9's; only these are accepted. */
enum { RFNOWAIT = 1 << 6, RFNOTEG = 1 << 3, RFPROC = 1 << 4, RFFDG = 1 << 2 };

static inline int
rfork(int flags)
{
	int pid;

	if (flags != (RFPROC | RFFDG | RFNOTEG | RFNOWAIT))
		return -1;
	pid = fork();
	if (pid == 0)
		setsid();
	return pid;
}

#endif
