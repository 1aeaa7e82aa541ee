/*
 * text.h: bounded string building for one-line error messages, without the
 * printf family (Plan 9's print verbs differ from C's). Every function
 * truncates at the buffer's capacity and keeps it zero-terminated.
 */
#ifndef NINEML_FORMATS_TEXT_H
#define NINEML_FORMATS_TEXT_H

#include "port/port.h"

typedef struct {
	char *buf;
	int cap; /* bytes in buf, including the terminator */
	int len;
} nm_text;

void nm_text_init(nm_text *t, char *buf, int cap);
void nm_text_str(nm_text *t, const char *s);
/* Appends n bytes of s (not necessarily terminated). */
void nm_text_mem(nm_text *t, const char *s, int n);
void nm_text_i64(nm_text *t, nm_i64 v);
void nm_text_u64(nm_text *t, nm_u64 v);

/* err = "PATH: msg" (err may be nil or errlen < 1: nothing is written). */
void nm_err(char *err, int errlen, const char *path, const char *msg);
/* err = "PATH: a" + number + b. */
void nm_err_num(char *err, int errlen, const char *path, const char *a, nm_i64 v, const char *b);

/* Byte strings. */
int nm_strlen(const char *s);
int nm_streq(const char *a, const char *b);
/* The n bytes at s equal the terminated string lit. */
int nm_memeq_str(const nm_u8 *s, nm_u64 n, const char *lit);
/* Copies at most cap-1 bytes of s and terminates. */
void nm_strlcpy(char *dst, const char *s, int cap);

#endif
