/*
 * p9compat.h: the few Plan 9 libc calls the programs in engine/tools/ make
 * (print, fprint, exits, and C's strcmp/atoi/atof/strtoull/time/write),
 * mapped onto POSIX, so the host builds and tests the very sources mk builds
 * (engine/CMakeLists.txt, -include). The programs use only print verbs that
 * mean the same in both (%s, %d, %g, widths and '-'). exits(nil) is status
 * 0, "usage" 2, anything else 1 (the host tools' convention).
 */
#ifndef NINEML_P9COMPAT_H
#define NINEML_P9COMPAT_H

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

#endif
