/* text.c: bounded string building (see text.h). */
#include "formats/text.h"

void
nm_text_init(nm_text *t, char *buf, int cap)
{
	t->buf = buf;
	t->cap = cap;
	t->len = 0;
	if (buf != nil && cap > 0)
		buf[0] = 0;
}

void
nm_text_mem(nm_text *t, const char *s, int n)
{
	if (t->buf == nil || t->cap < 1)
		return;
	// Names from a file go into one-line messages: control bytes become '?'.
	for (int i = 0; i < n && t->len < t->cap - 1; i++)
		t->buf[t->len++] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	t->buf[t->len] = 0;
}

void
nm_text_str(nm_text *t, const char *s)
{
	nm_text_mem(t, s, nm_strlen(s));
}

void
nm_text_u64(nm_text *t, nm_u64 v)
{
	char digits[24];
	int n = 0;

	do {
		digits[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v != 0);
	while (n > 0) {
		n--;
		nm_text_mem(t, digits + n, 1);
	}
}

void
nm_text_i64(nm_text *t, nm_i64 v)
{
	if (v < 0) {
		nm_text_str(t, "-");
		// Negate in unsigned arithmetic: -INT64_MIN overflows nm_i64.
		nm_text_u64(t, (nm_u64)0 - (nm_u64)v);
		return;
	}
	nm_text_u64(t, (nm_u64)v);
}

void
nm_err(char *err, int errlen, const char *path, const char *msg)
{
	nm_text t;

	nm_text_init(&t, err, errlen);
	nm_text_str(&t, path);
	nm_text_str(&t, ": ");
	nm_text_str(&t, msg);
}

void
nm_err_num(char *err, int errlen, const char *path, const char *a, nm_i64 v, const char *b)
{
	nm_text t;

	nm_text_init(&t, err, errlen);
	nm_text_str(&t, path);
	nm_text_str(&t, ": ");
	nm_text_str(&t, a);
	nm_text_i64(&t, v);
	nm_text_str(&t, b);
}

int
nm_strlen(const char *s)
{
	int n = 0;

	while (s[n] != 0)
		n++;
	return n;
}

int
nm_streq(const char *a, const char *b)
{
	while (*a != 0 && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

int
nm_memeq_str(const nm_u8 *s, nm_u64 n, const char *lit)
{
	nm_u64 i;

	for (i = 0; i < n; i++)
		if (lit[i] == 0 || (nm_u8)lit[i] != s[i])
			return 0;
	return lit[n] == 0;
}

void
nm_strlcpy(char *dst, const char *s, int cap)
{
	int i;

	if (cap < 1)
		return;
	for (i = 0; i < cap - 1 && s[i] != 0; i++)
		dst[i] = s[i];
	dst[i] = 0;
}
