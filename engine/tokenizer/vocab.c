/*
 * vocab.c: the vocabulary's storage and its lookup index: ids ordered by
 * piece bytes (then id, so duplicates resolve to the lowest id), sorted by
 * our own merge sort (qsort's tie order differs between libcs) and searched
 * by binary search.
 */
#include "port/port.h"
#include "tokenizer/internal.h"

int
nm_vocab_alloc(nm_vocab *v, int n, nm_u64 blob_bytes, int with_types)
{
	nm_memset(v, 0, sizeof *v);
	if (n < 0 || n > NM_TOK_MAX_VOCAB)
		return -1;
	v->kind = NM_VOCAB_SPM;
	v->bos_id = NM_TOK_BOS;
	v->eos_id = NM_TOK_EOS;
	v->n = n;
	v->piece = nm_alloc((nm_u64)n * sizeof(char *));
	v->piece_len = nm_alloc((nm_u64)n * sizeof(int));
	v->score = nm_alloc((nm_u64)n * sizeof(float));
	v->sorted = nm_alloc((nm_u64)n * sizeof(int));
	v->blob = nm_alloc(blob_bytes);
	if (with_types)
		v->type = nm_alloc((nm_u64)n * sizeof(int));
	if (v->piece == nil || v->piece_len == nil || v->score == nil || v->sorted == nil ||
	    v->blob == nil || (with_types && v->type == nil)) {
		nm_vocab_free(v);
		return -1;
	}
	return 0;
}

void
nm_vocab_free(nm_vocab *v)
{
	if (v == nil)
		return;
	nm_free(v->piece);
	nm_free(v->piece_len);
	nm_free(v->score);
	nm_free(v->type);
	nm_free(v->sorted);
	nm_free(v->blob);
	nm_free(v->literal);
	nm_free(v->special);
	nm_free(v->merge_a);
	nm_free(v->merge_b);
	nm_free(v->merge_alen);
	nm_free(v->merge_blen);
	nm_free(v->merge_blob);
	nm_free(v->merge_slots);
	nm_memset(v, 0, sizeof *v);
}

/* Byte-wise order of two strings; a proper prefix sorts first. */
static int
cmp_bytes(const char *a, int alen, const char *b, int blen)
{
	int n = alen < blen ? alen : blen;

	for (int i = 0; i < n; i++) {
		int ca = (nm_u8)a[i], cb = (nm_u8)b[i];

		if (ca != cb)
			return ca < cb ? -1 : 1;
	}
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return 0;
}

static int
cmp_ids(const nm_vocab *v, int a, int b)
{
	int c = cmp_bytes(v->piece[a], v->piece_len[a], v->piece[b], v->piece_len[b]);

	if (c != 0)
		return c;
	return a < b ? -1 : a > b;
}

/* Bottom-up merge sort of ids[0..n-1] using tmp[0..n-1]. */
static void
sort_ids(const nm_vocab *v, int *ids, int *tmp, int n)
{
	int *src = ids, *dst = tmp;

	for (int width = 1; width < n; width *= 2) {
		for (int lo = 0; lo < n; lo += 2 * width) {
			int mid = lo + width < n ? lo + width : n;
			int hi = lo + 2 * width < n ? lo + 2 * width : n;
			int i = lo, j = mid, k = lo;

			while (i < mid && j < hi)
				dst[k++] = cmp_ids(v, src[i], src[j]) <= 0 ? src[i++] : src[j++];
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		int *t = src;
		src = dst;
		dst = t;
	}
	if (src != ids)
		nm_memcpy(ids, src, (nm_u64)n * sizeof(int));
}

/* Pieces that text can match: non-empty, and not markup when types are
 * known; for byte-level BPE, every piece merging can make (the literal
 * ones are matched as special tokens, or never). */
static int
indexed(const nm_vocab *v, int id)
{
	if (v->piece_len[id] == 0)
		return 0;
	if (v->literal != nil)
		return !v->literal[id];
	if (v->type != nil) {
		int t = v->type[id];

		if (t == NM_TOKTYPE_CONTROL || t == NM_TOKTYPE_UNKNOWN || t == NM_TOKTYPE_UNUSED)
			return 0;
	}
	return 1;
}

int
nm_vocab_index(nm_vocab *v)
{
	int *tmp;
	int n = 0;

	for (int b = 0; b < 256; b++)
		v->byte_piece[b] = (nm_u8)b;
	for (int id = 0; id < v->n; id++)
		if (indexed(v, id))
			v->sorted[n++] = id;
	v->n_sorted = n;
	tmp = nm_alloc((nm_u64)(n > 0 ? n : 1) * sizeof(int));
	if (tmp == nil)
		return -1;
	sort_ids(v, v->sorted, tmp, n);
	nm_free(tmp);
	return 0;
}

int
nm_vocab_lookup(const nm_vocab *v, const char *s, int len)
{
	int lo = 0, hi = v->n_sorted;

	/* First index entry not below s: the lowest id among equal pieces. */
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		int id = v->sorted[mid];

		if (cmp_bytes(v->piece[id], v->piece_len[id], s, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < v->n_sorted) {
		int id = v->sorted[lo];

		if (cmp_bytes(v->piece[id], v->piece_len[id], s, len) == 0)
			return id;
	}
	return -1;
}

nm_u64
nm_vocab_bytes(const nm_vocab *v)
{
	return nm_alloc_size(v->piece) + nm_alloc_size(v->piece_len) + nm_alloc_size(v->score) +
	       nm_alloc_size(v->type) + nm_alloc_size(v->sorted) + nm_alloc_size(v->blob) +
	       nm_alloc_size(v->literal) + nm_alloc_size(v->special) + nm_alloc_size(v->merge_a) +
	       nm_alloc_size(v->merge_b) + nm_alloc_size(v->merge_alen) + nm_alloc_size(v->merge_blen) +
	       nm_alloc_size(v->merge_blob) + nm_alloc_size(v->merge_slots);
}
