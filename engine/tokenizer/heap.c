/*
 * heap.c: the binary heap both merge loops queue their candidate pairs in
 * (encode.c's SentencePiece merges, bpe.c's ranked merges). Records are
 * the caller's own structs, copied by size; the caller's before(a, b)
 * says which comes out first, so each encoder keeps its own order.
 */
#include "port/port.h"
#include "tokenizer/internal.h"

static char *
at(nm_heap *h, int i)
{
	return h->rec + (nm_u64)i * (nm_u64)h->size;
}

static void
swap(nm_heap *h, int i, int j)
{
	char *a = at(h, i), *b = at(h, j);

	for (int k = 0; k < h->size; k++) {
		char t = a[k];
		a[k] = b[k];
		b[k] = t;
	}
}

void
nm_heap_push(nm_heap *h, const void *rec)
{
	int i = h->n++;

	nm_memcpy(at(h, i), rec, (nm_u64)h->size);
	while (i > 0) {
		int parent = (i - 1) / 2;

		if (!h->before(at(h, i), at(h, parent)))
			break;
		swap(h, i, parent);
		i = parent;
	}
}

void
nm_heap_pop(nm_heap *h, void *top)
{
	int i = 0;

	nm_memcpy(top, at(h, 0), (nm_u64)h->size);
	h->n--;
	if (h->n > 0)
		nm_memcpy(at(h, 0), at(h, h->n), (nm_u64)h->size);
	for (;;) {
		int l = 2 * i + 1, r = l + 1, best = i;

		if (l < h->n && h->before(at(h, l), at(h, best)))
			best = l;
		if (r < h->n && h->before(at(h, r), at(h, best)))
			best = r;
		if (best == i)
			break;
		swap(h, i, best);
		i = best;
	}
}
