/*
 * encode.c: text to token ids: the checks every vocabulary shares, BOS and
 * EOS, and for SentencePiece vocabularies llama2.c's algorithm (byte-level
 * BPE is bpe.c). After the characters
 * are looked up (or split into byte tokens), the adjacent pair whose
 * concatenation is in the vocabulary with the highest score merges, the
 * leftmost on equal scores, until no pair does. As in run.c a pair merges
 * only if its score is above -1e10. Instead of rescanning the sequence
 * after every merge, the candidate pairs sit in a max-heap ordered by
 * (score, position of the left symbol); symbols are a linked list in text
 * order, so a position never changes and "leftmost" is the smaller index.
 * Entries made stale by a merge are recognised by version counters and
 * dropped when they surface. Same result as the rescan, O(n log n).
 */
#include "port/port.h"
#include "tokenizer/internal.h"

enum { MAX_TEXT = 1 << 28 };

#define NO_MERGE_SCORE (-1e10f)

typedef struct {
	float score;
	int left, right, id;
	int vleft, vright;
} pair;

typedef struct {
	const nm_vocab *v;
	int *id, *next, *prev, *ver;
	int n;
	nm_heap queue;
	char *cat; /* scratch for a concatenation: 2 * max_token_length bytes */
} state;

static int
before(const void *va, const void *vb)
{
	const pair *a = va, *b = vb;

	if (a->score != b->score)
		return a->score > b->score;
	return a->left < b->left;
}

/* Queues the pair (left, right) if their concatenation is a mergeable token. */
static void
consider(state *s, int left, int right)
{
	const nm_vocab *v = s->v;
	int a = s->id[left], b = s->id[right];
	int la = v->piece_len[a], lb = v->piece_len[b];
	pair p;

	if (la + lb > 2 * v->max_token_length)
		return;
	nm_memcpy(s->cat, v->piece[a], (nm_u64)la);
	nm_memcpy(s->cat + la, v->piece[b], (nm_u64)lb);
	int id = nm_vocab_lookup(v, s->cat, la + lb);
	if (id < 0 || !(v->score[id] > NO_MERGE_SCORE))
		return;
	p.score = v->score[id];
	p.left = left;
	p.right = right;
	p.id = id;
	p.vleft = s->ver[left];
	p.vright = s->ver[right];
	nm_heap_push(&s->queue, &p);
}

static void
append(state *s, int id)
{
	int i = s->n++;

	s->id[i] = id;
	s->ver[i] = 0;
	s->prev[i] = i - 1;
	s->next[i] = -1;
	if (i > 0)
		s->next[i - 1] = i;
}

static int
char_len(int c)
{
	if (c < 0x80)
		return 1;
	if (c < 0xE0)
		return 2;
	if (c < 0xF0)
		return 3;
	return 4;
}

static void
hex_byte(nm_tok_msg *m, int b)
{
	static const char digits[] = "0123456789ABCDEF";
	char h[5];

	h[0] = '0';
	h[1] = 'x';
	h[2] = digits[(b >> 4) & 15];
	h[3] = digits[b & 15];
	h[4] = '\0';
	nm_tok_msg_s(m, h);
}

/* Byte tokens for c[0..n-1]; fails if the vocabulary is too small for them. */
static int
append_bytes(state *s, const char *c, int n, char *err, int errlen)
{
	for (int i = 0; i < n; i++) {
		int b = (nm_u8)c[i];

		if (b + NM_TOK_BYTE0 >= s->v->n) {
			nm_tok_msg m;

			nm_tok_msg_start(&m, err, errlen);
			nm_tok_msg_s(&m, "no token for byte ");
			hex_byte(&m, b);
			nm_tok_msg_s(&m, ": byte fallback id ");
			nm_tok_msg_d(&m, b + NM_TOK_BYTE0);
			nm_tok_msg_s(&m, " is outside the ");
			nm_tok_msg_d(&m, s->v->n);
			nm_tok_msg_s(&m, "-token vocabulary");
			return -1;
		}
		append(s, b + NM_TOK_BYTE0);
	}
	return 0;
}

static void
free_state(state *s)
{
	nm_free(s->id);
	nm_free(s->next);
	nm_free(s->prev);
	nm_free(s->ver);
	nm_free(s->queue.rec);
	nm_free(s->cat);
}

int
nm_tok_encode_max(int len)
{
	return len < 0 ? 3 : len + 3;
}

/* The symbols of text, merged; s->id in list order from index 0. */
static int
merge_text(state *s, const char *text, int len, char *err, int errlen)
{
	int sp = nm_vocab_lookup(s->v, " ", 1);

	if (sp >= 0)
		append(s, sp);
	else if (append_bytes(s, " ", 1, err, errlen) != 0)
		return -1;
	for (int i = 0; i < len;) {
		int n = char_len((nm_u8)text[i]);
		int id = nm_vocab_lookup(s->v, text + i, n);

		if (id >= 0)
			append(s, id);
		else if (append_bytes(s, text + i, n, err, errlen) != 0)
			return -1;
		i += n;
	}
	for (int i = 0; i + 1 < s->n; i++)
		consider(s, i, i + 1);
	while (s->queue.n > 0) {
		pair p;

		nm_heap_pop(&s->queue, &p);
		int l = p.left, r = p.right;

		if (s->ver[l] != p.vleft || s->ver[r] != p.vright || s->next[l] != r)
			continue;
		/* r is still linked: a removed symbol's version was bumped. */
		s->id[l] = p.id;
		s->ver[l]++;
		s->ver[r]++;
		s->next[l] = s->next[r];
		if (s->next[r] >= 0)
			s->prev[s->next[r]] = l;
		if (s->prev[l] >= 0)
			consider(s, s->prev[l], l);
		if (s->next[l] >= 0)
			consider(s, l, s->next[l]);
	}
	return 0;
}

int
nm_tok_encode(const nm_vocab *v, const char *text, int len, int bos, int eos,
              int *ids, int cap, int *n_ids, char *err, int errlen)
{
	return nm_tok_encode_flags(v, text, len, (bos ? NM_TOK_ADD_BOS : 0) | (eos ? NM_TOK_ADD_EOS : 0),
	                           ids, cap, n_ids, err, errlen);
}

/* "vocabulary has N tokens, no id I for BOS", or, for a byte-level
 * vocabulary without the key, that it names none. */
static int
missing_special(const nm_vocab *v, int id, const char *what, char *err, int errlen)
{
	nm_tok_msg m;

	nm_tok_msg_start(&m, err, errlen);
	if (id < 0) {
		nm_tok_msg_s(&m, "the vocabulary names no ");
		nm_tok_msg_s(&m, what);
		nm_tok_msg_s(&m, " token");
		return -1;
	}
	nm_tok_msg_s(&m, "vocabulary has ");
	nm_tok_msg_d(&m, v->n);
	nm_tok_msg_s(&m, " tokens, no id ");
	nm_tok_msg_d(&m, id);
	nm_tok_msg_s(&m, " for ");
	nm_tok_msg_s(&m, what);
	return -1;
}

int
nm_tok_encode_flags(const nm_vocab *v, const char *text, int len, int flags,
                    int *ids, int cap, int *n_ids, char *err, int errlen)
{
	nm_tok_msg m;
	state s;
	int bad, out = 0;

	*n_ids = 0;
	if (len < 0 || len > MAX_TEXT || (text == nil && len > 0)) {
		nm_tok_msg_start(&m, err, errlen);
		nm_tok_msg_s(&m, "text length ");
		nm_tok_msg_d(&m, len);
		nm_tok_msg_s(&m, " out of range (0..");
		nm_tok_msg_d(&m, MAX_TEXT);
		nm_tok_msg_s(&m, ")");
		return -1;
	}
	if (cap < nm_tok_encode_max(len)) {
		nm_tok_msg_start(&m, err, errlen);
		nm_tok_msg_s(&m, "output holds ");
		nm_tok_msg_d(&m, cap);
		nm_tok_msg_s(&m, " ids, ");
		nm_tok_msg_d(&m, nm_tok_encode_max(len));
		nm_tok_msg_s(&m, " needed");
		return -1;
	}
	if (v->kind != NM_VOCAB_BPE && nm_utf8_check(text, len, &bad) != 0) {
		nm_tok_msg_start(&m, err, errlen);
		nm_tok_msg_s(&m, "not valid UTF-8 at byte ");
		nm_tok_msg_d(&m, bad);
		return -1;
	}
	if ((flags & NM_TOK_ADD_BOS) && (v->bos_id < 0 || v->bos_id >= v->n))
		return missing_special(v, v->bos_id, "BOS", err, errlen);
	if ((flags & NM_TOK_ADD_EOS) && (v->eos_id < 0 || v->eos_id >= v->n))
		return missing_special(v, v->eos_id, "EOS", err, errlen);
	if (flags & NM_TOK_ADD_BOS)
		ids[out++] = v->bos_id;
	if (v->kind == NM_VOCAB_BPE) {
		int n;

		if (nm_bpe_encode(v, text, len, (flags & NM_TOK_PARSE_SPECIAL) != 0, ids + out, &n, err, errlen) != 0)
			return -1;
		out += n;
	} else if (len > 0) {
		nm_u64 n = (nm_u64)len + 1; /* the dummy prefix and at most one symbol per byte */

		nm_memset(&s, 0, sizeof s);
		s.v = v;
		s.id = nm_alloc(n * sizeof(int));
		s.next = nm_alloc(n * sizeof(int));
		s.prev = nm_alloc(n * sizeof(int));
		s.ver = nm_alloc(n * sizeof(int));
		s.queue.rec = nm_alloc(3 * n * sizeof(pair));
		s.queue.size = sizeof(pair);
		s.queue.before = before;
		s.cat = nm_alloc(2 * (nm_u64)v->max_token_length);
		if (s.id == nil || s.next == nil || s.prev == nil || s.ver == nil || s.queue.rec == nil ||
		    s.cat == nil) {
			free_state(&s);
			nm_tok_msg_err(err, errlen, "text", "out of memory");
			return -1;
		}
		if (merge_text(&s, text, len, err, errlen) != 0) {
			free_state(&s);
			return -1;
		}
		for (int i = 0; i >= 0; i = s.next[i])
			ids[out++] = s.id[i];
		free_state(&s);
	}
	if (flags & NM_TOK_ADD_EOS)
		ids[out++] = v->eos_id;
	*n_ids = out;
	return 0;
}
