/*
 * fuzz_bpe.c: byte-level BPE on arbitrary bytes. The first input byte picks
 * the pre-tokenizer (gpt-2, llama-bpe, qwen2), the rest is the text. The
 * pre-tokenizer's words must tile the text (each at least one byte, none
 * past the end, and never splitting a well-formed UTF-8 character); encoding
 * with a small vocabulary built here (the 256 byte tokens, a few merges, a
 * user-defined token) must give ids in range that decode back to the exact
 * input, for any bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { N_BYTES = 256, N_TOKENS = N_BYTES + 6, N_MERGES = 5 };

static int
self_spelled(int b)
{
	return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

/* GPT-2's spelling of byte b into out (1 or 2 bytes of UTF-8). */
static int
spell(int b, char *out)
{
	int cp = b;

	if (!self_spelled(b)) {
		cp = 0x100;
		for (int x = 0; x < b; x++)
			cp += !self_spelled(x);
	}
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	out[0] = (char)(0xC0 | (cp >> 6));
	out[1] = (char)(0x80 | (cp & 0x3F));
	return 2;
}

static char spelled[N_TOKENS][32];
static char *pieces[N_TOKENS];
static int lens[N_TOKENS], types[N_TOKENS];
static char merge_text[N_MERGES][16];
static char *merges[N_MERGES];
static int merge_lens[N_MERGES];

/* Token id: the raw bytes s, in GPT-2's spelling unless user-defined. */
static void
token(int id, const char *s, int type)
{
	int n = 0;

	for (const char *p = s; *p != '\0'; p++) {
		if (type == NM_TOKTYPE_USER)
			spelled[id][n++] = *p;     /* special tokens are stored as written */
		else
			n += spell((uint8_t)*p, spelled[id] + n);
	}
	pieces[id] = spelled[id];
	lens[id] = n;
	types[id] = type;
}

static void
merge(int r, const char *a, const char *b)
{
	int n = 0;

	n += spell((uint8_t)a[0], merge_text[r] + n);
	merge_text[r][n++] = ' ';
	n += spell((uint8_t)b[0], merge_text[r] + n);
	merges[r] = merge_text[r];
	merge_lens[r] = n;
}

static void
build(nm_model *m, const char *pre)
{
	for (int b = 0; b < N_BYTES; b++) {
		lens[b] = spell(b, spelled[b]);
		pieces[b] = spelled[b];
		types[b] = NM_TOKTYPE_NORMAL;
	}
	token(N_BYTES + 0, " t", NM_TOKTYPE_NORMAL);
	token(N_BYTES + 1, "he", NM_TOKTYPE_NORMAL);
	token(N_BYTES + 2, "12", NM_TOKTYPE_NORMAL);
	token(N_BYTES + 3, "\n\n", NM_TOKTYPE_NORMAL);
	token(N_BYTES + 4, "  ", NM_TOKTYPE_NORMAL);
	token(N_BYTES + 5, "<|u|>", NM_TOKTYPE_USER);
	merge(0, " ", "t");
	merge(1, "h", "e");
	merge(2, "1", "2");
	merge(3, "\n", "\n");
	merge(4, " ", " ");
	memset(m, 0, sizeof *m);
	m->vocab_n = N_TOKENS;
	m->vocab_pieces = pieces;
	m->vocab_piece_len = lens;
	m->vocab_types = types;
	strcpy(m->vocab_model, "gpt2");
	strcpy(m->vocab_pre, pre);
	m->vocab_n_merges = N_MERGES;
	m->vocab_merges = merges;
	m->vocab_merge_len = merge_lens;
	m->vocab_bos = -1;
	m->vocab_eos = -1;
}

/* Length of the well-formed UTF-8 character at s, or 0. */
static int
char_len(const uint8_t *s, int left)
{
	int c = s[0], n;

	if (c < 0x80)
		return 1;
	if (c < 0xC2 || c > 0xF4)
		return 0;
	n = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
	if (left < n)
		return 0;
	for (int i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) || (c == 0xF0 && s[1] < 0x90) ||
	    (c == 0xF4 && s[1] > 0x8F))
		return 0;
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *names[] = {"gpt-2", "llama-bpe", "qwen2"};
	static const int pres[] = {NM_PRE_GPT2, NM_PRE_LLAMA3, NM_PRE_QWEN2};
	const char *text;
	char err[256];
	int len, k, cap, n = 0, out_len = 0, *ids;
	nm_model m;
	nm_vocab v;

	if (size < 1 || size > 4096)
		return 0;
	k = data[0] % 3;
	text = (const char *)data + 1;
	len = (int)size - 1;
	/* Words tile the text and keep characters whole. */
	for (int i = 0; i < len;) {
		int w = nm_pretok_word(pres[k], text, len, i);

		if (w < 1 || w > len - i)
			abort();
		for (int j = i; j < i + w;) {
			int c = char_len((const uint8_t *)text + j, len - j);

			j += c > 0 ? c : 1;
			if (j > i + w)
				abort();
		}
		i += w;
	}
	build(&m, names[k]);
	if (nm_vocab_from_model(&v, &m, err, sizeof err) != 0)
		abort();
	cap = nm_tok_encode_max(len);
	ids = malloc((size_t)cap * sizeof(int));
	if (ids == NULL)
		abort();
	if (nm_tok_encode_flags(&v, text, len, NM_TOK_PARSE_SPECIAL, ids, cap, &n, err, sizeof err) != 0 || n > len)
		abort();
	for (int i = 0; i < n; i++)
		if (ids[i] < 0 || ids[i] >= v.n)
			abort();
	char *back = malloc((size_t)len + 1);
	if (back == NULL || nm_tok_decode(&v, ids, n, back, len, &out_len, err, sizeof err) != 0 || out_len != len ||
	    memcmp(back, text, (size_t)len) != 0)
		abort();
	free(back);
	free(ids);
	nm_vocab_free(&v);
	return 0;
}
