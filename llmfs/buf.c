/* buf.c: growable byte buffers for prompts, generated text and ids. */
#include "internal.h"

int
lf_buf_put(lf_buf *b, const char *s, nm_u64 n)
{
	char *np;
	nm_u64 ncap;

	if (b->len + n + 1 > b->cap) {
		ncap = b->cap == 0 ? 256 : b->cap;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		np = nm_alloc(ncap);
		if (np == nil)
			return -1;
		if (b->p != nil) {
			nm_memcpy(np, b->p, b->len);
			nm_free(b->p);
		}
		b->p = np;
		b->cap = ncap;
	}
	nm_memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
	return 0;
}

void
lf_buf_reset(lf_buf *b)
{
	b->len = 0;
	if (b->p != nil)
		b->p[0] = 0;
}

void
lf_buf_free(lf_buf *b)
{
	nm_free(b->p);
	b->p = nil;
	b->len = 0;
	b->cap = 0;
}

nm_u64
lf_buf_bytes(const lf_buf *b)
{
	return nm_alloc_size(b->p);
}
