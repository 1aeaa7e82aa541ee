/* msg.c: one-line error messages with %s and %d style pieces, no printf. */
#include "port/port.h"
#include "tokenizer/internal.h"

void
nm_tok_msg_start(nm_tok_msg *m, char *buf, int cap)
{
	m->buf = buf;
	m->cap = buf == nil || cap < 0 ? 0 : cap;
	m->len = 0;
	if (m->cap > 0)
		m->buf[0] = '\0';
}

void
nm_tok_msg_s(nm_tok_msg *m, const char *s)
{
	if (s == nil)
		s = "(nil)";
	for (; *s != '\0' && m->len + 1 < m->cap; s++)
		m->buf[m->len++] = *s;
	if (m->cap > 0)
		m->buf[m->len] = '\0';
}

void
nm_tok_msg_d(nm_tok_msg *m, nm_i64 d)
{
	char digits[24];
	int n = 0;
	nm_u64 u;

	if (d < 0) {
		nm_tok_msg_s(m, "-");
		u = (nm_u64)0 - (nm_u64)d;
	} else {
		u = (nm_u64)d;
	}
	do {
		digits[n++] = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u != 0);
	while (n > 0) {
		char one[2];

		one[0] = digits[--n];
		one[1] = '\0';
		nm_tok_msg_s(m, one);
	}
}

void
nm_tok_msg_err(char *err, int errlen, const char *a, const char *b)
{
	nm_tok_msg m;

	nm_tok_msg_start(&m, err, errlen);
	nm_tok_msg_s(&m, a);
	if (b != nil) {
		nm_tok_msg_s(&m, ": ");
		nm_tok_msg_s(&m, b);
	}
}
