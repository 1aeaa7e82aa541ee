/*
 * special.c: special tokens, matched in the text before anything else, as
 * llama.cpp's tokenizer_st_partition does: every control, user-defined and
 * unknown token, longest first (ties: lowest id), each in turn cut out of
 * the text fragments that are still plain text, leftmost occurrence first.
 * User-defined tokens are always matched; control and unknown tokens only
 * when the caller asks (parse_special), since text should not be able to
 * forge them.
 */
#include "port/port.h"
#include "tokenizer/internal.h"

static int
is_special(int type)
{
	return type == NM_TOKTYPE_CONTROL || type == NM_TOKTYPE_USER || type == NM_TOKTYPE_UNKNOWN;
}

/* Longer first, then lower id. */
static int
before(const nm_vocab *v, int a, int b)
{
	if (v->piece_len[a] != v->piece_len[b])
		return v->piece_len[a] > v->piece_len[b];
	return a < b;
}

int
nm_special_index(nm_vocab *v)
{
	int n = 0, *tmp;

	v->n_special = 0;
	if (v->type == nil)
		return 0;
	for (int id = 0; id < v->n; id++)
		if (is_special(v->type[id]) && v->piece_len[id] > 0)
			n++;
	v->special = nm_alloc((nm_u64)(n + 1) * sizeof(int));
	tmp = nm_alloc((nm_u64)(n + 1) * sizeof(int));
	if (v->special == nil || tmp == nil) {
		nm_free(tmp);
		return -1;
	}
	n = 0;
	for (int id = 0; id < v->n; id++)
		if (is_special(v->type[id]) && v->piece_len[id] > 0)
			v->special[n++] = id;
	/* Bottom-up merge sort (deterministic on every libc). */
	int *src = v->special, *dst = tmp;
	for (int width = 1; width < n; width *= 2) {
		for (int lo = 0; lo < n; lo += 2 * width) {
			int mid = lo + width < n ? lo + width : n;
			int hi = lo + 2 * width < n ? lo + 2 * width : n;
			int i = lo, j = mid, k = lo;

			while (i < mid && j < hi)
				dst[k++] = before(v, src[j], src[i]) ? src[j++] : src[i++];
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		int *t = src;
		src = dst;
		dst = t;
	}
	if (src != v->special)
		nm_memcpy(v->special, src, (nm_u64)n * sizeof(int));
	nm_free(tmp);
	v->n_special = n;
	return 0;
}

static int
matches(const char *s, const char *p, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] != p[i])
			return 0;
	return 1;
}

static int
put(int *f, int n, int start, int len, int id)
{
	f[3 * n] = start;
	f[3 * n + 1] = len;
	f[3 * n + 2] = id;
	return n + 1;
}

int
nm_special_split(const nm_vocab *v, const char *text, int len, int parse_special, int *frag)
{
	int n = 0, *tmp;

	if (len > 0)
		n = put(frag, 0, 0, len, -1);
	if (v->n_special == 0 || n == 0)
		return n;
	/* Every fragment holds at least one byte: len of them at most. */
	tmp = nm_alloc((nm_u64)(2 * len + 1) * 3 * sizeof(int));
	if (tmp == nil)
		return -1;
	for (int k = 0; k < v->n_special; k++) {
		int id = v->special[k], pl = v->piece_len[id], m = 0;
		const char *p = v->piece[id];

		if (!parse_special && v->type[id] != NM_TOKTYPE_USER)
			continue;
		for (int f = 0; f < n; f++) {
			int start = frag[3 * f], end = start + frag[3 * f + 1], pos = start;

			if (frag[3 * f + 2] >= 0) {
				m = put(tmp, m, start, end - start, frag[3 * f + 2]);
				continue;
			}
			for (int i = start; i + pl <= end;) {
				if (text[i] == p[0] && matches(text + i, p, pl)) {
					if (i > pos)
						m = put(tmp, m, pos, i - pos, -1);
					m = put(tmp, m, i, pl, id);
					i += pl;
					pos = i;
				} else
					i++;
			}
			if (pos < end)
				m = put(tmp, m, pos, end - pos, -1);
		}
		nm_memcpy(frag, tmp, (nm_u64)m * 3 * sizeof(int));
		n = m;
	}
	nm_free(tmp);
	return n;
}
