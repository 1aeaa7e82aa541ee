/*
 * merges.c: byte-level BPE merges by rank. GGUF's tokenizer.ggml.merges
 * holds "A B" (the two parts in GPT-2's byte alphabet, split at the first
 * space after the first character, as llama.cpp does); the rank is the
 * index. Both parts are kept as raw bytes, and an open-addressing hash of
 * the pair gives the rank in one probe sequence (Llama 3 has 280k merges:
 * no scan). A repeated pair keeps its first (lowest) rank; a merge whose
 * parts fall outside the byte alphabet can never apply and is not hashed.
 */
#include "port/port.h"
#include "tokenizer/internal.h"

static nm_u32
hash_pair(const char *a, int alen, const char *b, int blen)
{
	nm_u32 h = 2166136261U;

	for (int i = 0; i < alen; i++) {
		h ^= (nm_u8)a[i];
		h *= 16777619U;
	}
	h ^= 0x100;                  /* no byte: the boundary between the parts */
	h *= 16777619U;
	for (int i = 0; i < blen; i++) {
		h ^= (nm_u8)b[i];
		h *= 16777619U;
	}
	return h ^ (h >> 15);
}

static int
same(const char *a, int alen, const char *b, int blen)
{
	if (alen != blen)
		return 0;
	for (int i = 0; i < alen; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

int
nm_merges_rank(const nm_vocab *v, const char *a, int alen, const char *b, int blen)
{
	nm_u32 mask;

	if (v->merge_cap == 0)
		return -1;
	mask = (nm_u32)v->merge_cap - 1;
	for (nm_u32 h = hash_pair(a, alen, b, blen) & mask; v->merge_slots[h] != 0; h = (h + 1) & mask) {
		int r = v->merge_slots[h] - 1;

		if (same(v->merge_a[r], v->merge_alen[r], a, alen) && same(v->merge_b[r], v->merge_blen[r], b, blen))
			return r;
	}
	return -1;
}

static void
merge_error(char *err, int errlen, int r, const char *what)
{
	nm_tok_msg m;

	nm_tok_msg_start(&m, err, errlen);
	nm_tok_msg_s(&m, "model vocabulary: merge ");
	nm_tok_msg_d(&m, r);
	nm_tok_msg_s(&m, what);
}

int
nm_merges_load(nm_vocab *v, char **merges, const int *lens, int n, char *err, int errlen)
{
	nm_u64 bytes = 0, cap = 1;
	char *blob;

	for (int r = 0; r < n; r++) {
		if (lens[r] < 0 || (lens[r] > 0 && merges[r] == nil)) {
			merge_error(err, errlen, r, ": missing");
			return -1;
		}
		bytes += (nm_u64)lens[r];
	}
	while (cap < 2 * (nm_u64)n)
		cap *= 2;
	if (cap > (1 << 30)) {
		merge_error(err, errlen, n, ": too many merges");
		return -1;
	}
	v->merge_a = nm_alloc((nm_u64)(n + 1) * sizeof(char *));
	v->merge_b = nm_alloc((nm_u64)(n + 1) * sizeof(char *));
	v->merge_alen = nm_alloc((nm_u64)(n + 1) * sizeof(int));
	v->merge_blen = nm_alloc((nm_u64)(n + 1) * sizeof(int));
	v->merge_blob = nm_alloc(bytes + 1);
	v->merge_slots = nm_alloc(cap * sizeof(int));
	if (v->merge_a == nil || v->merge_b == nil || v->merge_alen == nil || v->merge_blen == nil ||
	    v->merge_blob == nil || v->merge_slots == nil) {
		nm_tok_msg_err(err, errlen, "model vocabulary", "out of memory");
		return -1;
	}
	nm_memset(v->merge_slots, 0, cap * sizeof(int));
	v->n_merges = n;
	v->merge_cap = (int)cap;
	blob = v->merge_blob;
	for (int r = 0; r < n; r++) {
		const char *s = merges[r];
		int len = lens[r], sp = -1, na, nb;

		for (int i = 1; i < len; i++)
			if (s[i] == ' ') {
				sp = i;
				break;
			}
		if (sp < 0) {
			merge_error(err, errlen, r, ": no space between its two parts");
			return -1;
		}
		na = nm_bytelevel_decode(s, sp, blob);
		nb = na < 0 ? -1 : nm_bytelevel_decode(s + sp + 1, len - sp - 1, blob + na);
		v->merge_a[r] = v->merge_b[r] = blob;
		v->merge_alen[r] = v->merge_blen[r] = 0;
		if (na < 0 || nb < 0)
			continue;
		v->merge_alen[r] = na;
		v->merge_b[r] = blob + na;
		v->merge_blen[r] = nb;
		blob += na + nb;
		if (nm_merges_rank(v, v->merge_a[r], na, v->merge_b[r], nb) >= 0)
			continue;
		nm_u32 mask = cap - 1, h = hash_pair(v->merge_a[r], na, v->merge_b[r], nb) & mask;
		while (v->merge_slots[h] != 0)
			h = (h + 1) & mask;
		v->merge_slots[h] = r + 1;
	}
	return 0;
}
