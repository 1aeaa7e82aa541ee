/*
 * bpe.c: byte-level BPE encoding (GPT-2, Llama 3, Qwen2), as llama.cpp's
 * llm_tokenizer_bpe. Special tokens are cut out first (special.c); the
 * plain text between them is split into words by the pre-tokenizer
 * (pretok.c); each word starts as one symbol per byte, and the adjacent
 * pair whose merge has the lowest rank joins, the leftmost on equal ranks,
 * until no pair has a merge. Each final symbol is looked up; one that is
 * not a token (a vocabulary whose merges make pieces it lacks) falls back
 * to its bytes' tokens. With ignore_merges (Llama 3) a word that is a
 * token as a whole is taken as it is, merges or not.
 *
 * Symbols are byte spans of the text: symbol i starts at byte i and holds
 * len[i] bytes (0 once merged into its left neighbour), linked in text
 * order. Candidate pairs sit in a min-heap on (rank, left position); an
 * entry whose symbols have since changed length or neighbours is stale and
 * dropped when it surfaces. O(n log n) per word.
 */
#include "port/port.h"
#include "tokenizer/internal.h"

typedef struct {
	int rank, left, right, llen, rlen;
} pair;

typedef struct {
	const nm_vocab *v;
	const char *text;
	int *len, *next, *prev;
	nm_heap queue;
} state;

static int
before(const void *va, const void *vb)
{
	const pair *a = va, *b = vb;

	if (a->rank != b->rank)
		return a->rank < b->rank;
	return a->left < b->left;
}

static void
consider(state *s, int l, int r)
{
	pair p;

	p.rank = nm_merges_rank(s->v, s->text + l, s->len[l], s->text + r, s->len[r]);
	if (p.rank < 0)
		return;
	p.left = l;
	p.right = r;
	p.llen = s->len[l];
	p.rlen = s->len[r];
	nm_heap_push(&s->queue, &p);
}

static void
no_byte(char *err, int errlen, int b)
{
	static const char digits[] = "0123456789ABCDEF";
	char h[5];
	nm_tok_msg m;

	h[0] = '0';
	h[1] = 'x';
	h[2] = digits[(b >> 4) & 15];
	h[3] = digits[b & 15];
	h[4] = '\0';
	nm_tok_msg_start(&m, err, errlen);
	nm_tok_msg_s(&m, "no token for byte ");
	nm_tok_msg_s(&m, h);
	nm_tok_msg_s(&m, " in the byte-level vocabulary");
}

/* The ids of symbol text[at..at+n-1]: its token, or its bytes' tokens. */
static int
emit(state *s, int at, int n, int *ids, int *out, char *err, int errlen)
{
	int id = nm_vocab_lookup(s->v, s->text + at, n);

	if (id >= 0) {
		ids[(*out)++] = id;
		return 0;
	}
	for (int i = at; i < at + n; i++) {
		id = nm_vocab_lookup(s->v, s->text + i, 1);
		if (id < 0) {
			no_byte(err, errlen, (nm_u8)s->text[i]);
			return -1;
		}
		ids[(*out)++] = id;
	}
	return 0;
}

/* The word text[start..start+n-1], merged, appended to ids. */
static int
word(state *s, int start, int n, int *ids, int *out, char *err, int errlen)
{
	int end = start + n;

	if (s->v->ignore_merges) {
		int id = nm_vocab_lookup(s->v, s->text + start, n);

		if (id >= 0) {
			ids[(*out)++] = id;
			return 0;
		}
	}
	for (int i = start; i < end; i++) {
		s->len[i] = 1;
		s->prev[i] = i > start ? i - 1 : -1;
		s->next[i] = i + 1 < end ? i + 1 : -1;
	}
	s->queue.n = 0;
	for (int i = start; i + 1 < end; i++)
		consider(s, i, i + 1);
	while (s->queue.n > 0) {
		pair p;

		nm_heap_pop(&s->queue, &p);
		int l = p.left, r = p.right;

		if (s->len[l] != p.llen || s->len[r] != p.rlen || s->next[l] != r)
			continue;
		s->len[l] += s->len[r];
		s->len[r] = 0;
		s->next[l] = s->next[r];
		if (s->next[r] >= 0)
			s->prev[s->next[r]] = l;
		if (s->prev[l] >= 0)
			consider(s, s->prev[l], l);
		if (s->next[l] >= 0)
			consider(s, l, s->next[l]);
	}
	for (int i = start; i >= 0; i = s->next[i])
		if (emit(s, i, s->len[i], ids, out, err, errlen) != 0)
			return -1;
	return 0;
}

int
nm_bpe_encode(const nm_vocab *v, const char *text, int len, int parse_special,
              int *ids, int *n_ids, char *err, int errlen)
{
	nm_u64 n = (nm_u64)len + 1;
	int *frag, nf, out = 0, rc = 0;
	state s;

	*n_ids = 0;
	nm_memset(&s, 0, sizeof s);
	s.v = v;
	s.text = text;
	s.len = nm_alloc(n * sizeof(int));
	s.next = nm_alloc(n * sizeof(int));
	s.prev = nm_alloc(n * sizeof(int));
	/* n - 1 first pairs and two per merge, fewer than n merges. */
	s.queue.rec = nm_alloc(3 * n * sizeof(pair));
	s.queue.size = sizeof(pair);
	s.queue.before = before;
	frag = nm_alloc((2 * n + 1) * 3 * sizeof(int));
	nf = frag == nil ? -1 : nm_special_split(v, text, len, parse_special, frag);
	if (s.len == nil || s.next == nil || s.prev == nil || s.queue.rec == nil || nf < 0) {
		nm_tok_msg_err(err, errlen, "text", "out of memory");
		rc = -1;
		goto done;
	}
	for (int f = 0; f < nf && rc == 0; f++) {
		int start = frag[3 * f], flen = frag[3 * f + 1], id = frag[3 * f + 2];

		if (id >= 0) {
			ids[out++] = id;
			continue;
		}
		for (int i = 0; i < flen && rc == 0;) {
			int w = nm_pretok_word(v->pre, text + start, flen, i);

			rc = word(&s, start + i, w, ids, &out, err, errlen);
			i += w;
		}
	}
	*n_ids = out;
done:
	nm_free(s.len);
	nm_free(s.next);
	nm_free(s.prev);
	nm_free(s.queue.rec);
	nm_free(frag);
	return rc;
}
