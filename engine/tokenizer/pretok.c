/*
 * pretok.c: the byte-level BPE pre-tokenizers, each a hand-written matcher
 * of its regex (no regex library in the engine). At each position the
 * alternatives are tried in the regex's order and the first that matches
 * wins, with the regex's greedy and backtracking semantics worked out per
 * alternative; every character is matched by some alternative, so the
 * words tile the text.
 *
 * gpt-2:     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * llama-bpe: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
 *            ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 * qwen2:     the same with \p{N} (one digit) for \p{N}{1,3}
 *
 * Classes come from ucat.c (Unicode's \p{L}, \p{N}, White_Space); a byte
 * that starts no well-formed UTF-8 sequence is one character of none of
 * them (class 0), like a symbol.
 */
#include "port/port.h"
#include "tokenizer/internal.h"
#include "formats/text.h"

int
nm_pretok_from_name(const char *name)
{
	/* llama.cpp's names for the same three regexes. */
	if (nm_streq(name, "gpt-2") || nm_streq(name, "phi-2"))
		return NM_PRE_GPT2;
	if (nm_streq(name, "llama-bpe") || nm_streq(name, "llama3") || nm_streq(name, "llama-v3"))
		return NM_PRE_LLAMA3;
	if (nm_streq(name, "qwen2") || nm_streq(name, "deepseek-r1-qwen"))
		return NM_PRE_QWEN2;
	return 0;
}

static int
ucat(nm_u32 cp)
{
	int lo = 0, hi = nm_ucat_n;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (nm_ucat_table[mid][1] < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < nm_ucat_n && nm_ucat_table[lo][0] <= cp)
		return (int)nm_ucat_table[lo][2];
	return 0;
}

/* The text and a cursor over its characters. */
typedef struct {
	const nm_u8 *s;
	int len;
} text;

/* Character at i (i < len): its byte length, code point (-1 for a lone
 * byte) and class. */
static int
char_at(const text *t, int i, nm_i32 *cp, int *cls)
{
	const nm_u8 *p = t->s + i;
	int k = nm_utf8_seq_len(p, t->len - i);
	nm_u32 c;

	if (k == 0) {
		*cp = -1;
		*cls = 0;
		return 1;
	}
	if (k == 1)
		c = p[0];
	else if (k == 2)
		c = ((nm_u32)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
	else if (k == 3)
		c = ((nm_u32)(p[0] & 0x0F) << 12) | ((nm_u32)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
	else
		c = ((nm_u32)(p[0] & 0x07) << 18) | ((nm_u32)(p[1] & 0x3F) << 12) |
		    ((nm_u32)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
	*cp = (nm_i32)c;
	*cls = ucat(c);
	return k;
}

/* Class at i, or -1 at the end of the text. */
static int
cls_at(const text *t, int i)
{
	nm_i32 cp;
	int c;

	if (i >= t->len)
		return -1;
	char_at(t, i, &cp, &c);
	return c;
}

/* End of the run of characters of class c starting at i (at most max
 * characters; max < 0: no limit). */
static int
run(const text *t, int i, int c, int max)
{
	int n = 0;

	while (i < t->len && (max < 0 || n < max)) {
		nm_i32 cp;
		int k, cc;

		k = char_at(t, i, &cp, &cc);
		if (cc != c)
			break;
		i += k;
		n++;
	}
	return i;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* 's 't 're 've 'm 'll 'd at i: the length matched, or 0. */
static int
contraction(const text *t, int i, int fold)
{
	int a, b;

	if (t->s[i] != '\'' || i + 1 >= t->len)
		return 0;
	a = t->s[i + 1];
	b = i + 2 < t->len ? t->s[i + 2] : 0;
	if (fold) {
		a = lower(a);
		b = lower(b);
	}
	if (a == 's' || a == 't' || a == 'm' || a == 'd')
		return 2;
	if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
		return 3;
	return 0;
}

/* \s+(?!\S) then \s+, at a white space character i: the whole run if it
 * ends the text, else all but its last character (which then starts the
 * next word), else (a run of one) that one character. */
static int
spaces(const text *t, int i)
{
	int end = run(t, i, NM_UCAT_S, -1), last = i;

	if (end == t->len)
		return end - i;
	for (int j = i; j < end;) {
		nm_i32 cp;
		int c;

		last = j;
		j += char_at(t, j, &cp, &c);
	}
	return last > i ? last - i : end - i;
}

static int
is_nl(nm_i32 cp)
{
	return cp == '\r' || cp == '\n';
}

static int
gpt2(const text *t, int i)
{
	int n = contraction(t, i, 0), j, c;

	if (n > 0)
		return n;
	/* " ?X+" for X = letters, numbers, others: the space joins only a run. */
	j = t->s[i] == ' ' ? i + 1 : i;
	c = cls_at(t, j);
	if (c == NM_UCAT_L || c == NM_UCAT_N || c == 0)
		return run(t, j, c, -1) - i;
	return spaces(t, i);
}

static int
llama3(const text *t, int i, int max_digits)
{
	nm_i32 cp;
	int n = contraction(t, i, 1), k, c, j, c1;

	if (n > 0)
		return n;
	k = char_at(t, i, &cp, &c);
	/* [^\r\n\p{L}\p{N}]?\p{L}+ */
	if (c == NM_UCAT_L)
		return run(t, i, NM_UCAT_L, -1) - i;
	if (c != NM_UCAT_N && !is_nl(cp) && cls_at(t, i + k) == NM_UCAT_L)
		return run(t, i + k, NM_UCAT_L, -1) - i;
	/* \p{N}{1,3} or \p{N} */
	if (c == NM_UCAT_N)
		return run(t, i, NM_UCAT_N, max_digits) - i;
	/* " ?[^\s\p{L}\p{N}]+[\r\n]*" */
	j = cp == ' ' ? i + 1 : i;
	c1 = cls_at(t, j);
	if (c1 == 0) {
		j = run(t, j, 0, -1);
		while (j < t->len && is_nl(t->s[j]))
			j++;
		return j - i;
	}
	/* \s*[\r\n]+: the white space up to its last line break. */
	if (c == NM_UCAT_S) {
		int end = run(t, i, NM_UCAT_S, -1), nl = -1;

		for (j = i; j < end; j++)
			if (is_nl(t->s[j]))
				nl = j;
		if (nl >= 0)
			return nl + 1 - i;
	}
	return spaces(t, i);
}

int
nm_pretok_word(int pre, const char *s, int len, int i)
{
	text t;

	t.s = (const nm_u8 *)s;
	t.len = len;
	switch (pre) {
	case NM_PRE_GPT2:
		return gpt2(&t, i);
	case NM_PRE_LLAMA3:
		return llama3(&t, i, 3);
	default:
		return llama3(&t, i, 1);
	}
}
