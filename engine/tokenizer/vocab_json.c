/*
 * vocab_json.c: a byte-level BPE vocabulary from Hugging Face's
 * tokenizer.json (the file beside safetensors models): model.vocab (piece
 * -> id), model.merges ("A B" strings or [A, B] pairs), added_tokens
 * (special ones become control tokens, the others user-defined) and the
 * pre_tokenizer, recognised by its exact shape: GPT-2's ByteLevel with its
 * regex, or a Split on the Llama 3 or Qwen2 pattern followed by ByteLevel
 * without one. Anything else that changes the ids (another pattern, a
 * prefix space, a normalizer other than NFC, SentencePiece's byte_fallback)
 * is refused with the key named. The result is handed to
 * nm_vocab_from_model, so both sources share every check and the encoder.
 */
#include "port/port.h"
#include "tokenizer/internal.h"
#include "formats/json.h"
#include "formats/text.h"

static const char llama3_pattern[] =
	"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
static const char qwen2_pattern[] =
	"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

typedef struct {
	const nm_json *doc;
	const char *name;
	char *err;
	int errlen;
	char *blob;   /* unescaped strings */
	nm_u64 used, cap;
} ctx;

static int
fail(ctx *c, const char *what, const char *key)
{
	nm_tok_msg m;

	nm_tok_msg_start(&m, c->err, c->errlen);
	nm_tok_msg_s(&m, c->name);
	nm_tok_msg_s(&m, ": ");
	if (key != nil) {
		nm_tok_msg_s(&m, key);
		nm_tok_msg_s(&m, ": ");
	}
	nm_tok_msg_s(&m, what);
	return -1;
}

static int
type_is(const nm_json *doc, int node, const char *type)
{
	return node >= 0 && nm_json_str_eq(doc, nm_json_get(doc, node, "type"), type);
}

/* A boolean member: 1, 0, or dflt when absent or null. */
static int
flag(const nm_json *doc, int obj, const char *key, int dflt)
{
	int n = nm_json_get(doc, obj, key);

	if (n < 0 || doc->nodes[n].type == NM_JSON_NULL)
		return dflt;
	return doc->nodes[n].type == NM_JSON_TRUE;
}

/* String node unescaped into the blob; its start, or nil. */
static char *
str(ctx *c, int node, int *len)
{
	char *at;

	if (node < 0 || c->doc->nodes[node].type != NM_JSON_STR)
		return nil;
	at = c->blob + c->used;
	*len = nm_json_str_copy(c->doc, node, at, (int)(c->cap - c->used));
	if (*len < 0)
		return nil;
	c->used += (nm_u64)*len + 1;
	return at;
}

/* NM_PRE_* of the pre_tokenizer, or 0 with err. */
static int
pretok(ctx *c, int root, int *ignore_merges)
{
	const nm_json *d = c->doc;
	int pt = nm_json_get(d, root, "pre_tokenizer"), norm = nm_json_get(d, root, "normalizer");

	*ignore_merges = 0;
	if (norm >= 0 && d->nodes[norm].type != NM_JSON_NULL && !type_is(d, norm, "NFC"))
		return fail(c, "unsupported normalizer (supported: none, NFC)", "normalizer.type"), 0;
	if (type_is(d, pt, "ByteLevel")) {
		if (!flag(d, pt, "use_regex", 1) || flag(d, pt, "add_prefix_space", 0))
			return fail(c, "unsupported ByteLevel pre-tokenizer: GPT-2's takes its regex and no prefix space",
			            "pre_tokenizer"), 0;
		return NM_PRE_GPT2;
	}
	if (type_is(d, pt, "Sequence")) {
		int list = nm_json_get(d, pt, "pretokenizers"), split, bl, pat;

		if (list < 0 || d->nodes[list].type != NM_JSON_ARR || d->nodes[list].n != 2)
			return fail(c, "unsupported pre-tokenizer sequence: expected Split then ByteLevel",
			            "pre_tokenizer.pretokenizers"), 0;
		split = d->nodes[list].first;
		bl = d->nodes[split].next;
		pat = nm_json_get(d, nm_json_get(d, split, "pattern"), "Regex");
		if (!type_is(d, split, "Split") || !type_is(d, bl, "ByteLevel") || flag(d, bl, "use_regex", 1) ||
		    flag(d, bl, "add_prefix_space", 0) || flag(d, split, "invert", 0) ||
		    !nm_json_str_eq(d, nm_json_get(d, split, "behavior"), "Isolated"))
			return fail(c, "unsupported pre-tokenizer sequence: expected an isolating Split, then ByteLevel without regex or prefix space",
			            "pre_tokenizer.pretokenizers"), 0;
		if (nm_json_str_eq(d, pat, llama3_pattern)) {
			*ignore_merges = 1;
			return NM_PRE_LLAMA3;
		}
		if (nm_json_str_eq(d, pat, qwen2_pattern))
			return NM_PRE_QWEN2;
		return fail(c, "unsupported Split pattern (supported: Llama 3's, Qwen2's)", "pre_tokenizer.pretokenizers[0].pattern.Regex"), 0;
	}
	return fail(c, "unsupported pre_tokenizer (supported: GPT-2's ByteLevel, Llama 3's and Qwen2's Split + ByteLevel)",
	            "pre_tokenizer.type"), 0;
}

/* An id in 0..NM_TOK_MAX_VOCAB-1, or -1. */
static int
id_of(const nm_json *d, int node)
{
	nm_u64 v;

	if (nm_json_u64(d, node, &v) != 0 || v >= NM_TOK_MAX_VOCAB)
		return -1;
	return (int)v;
}

static int
build(ctx *c, int root, nm_model *m, int *ignore_merges)
{
	const nm_json *d = c->doc;
	int model = nm_json_get(d, root, "model"), vocab, merges, added, pre, n = 0;

	if (!type_is(d, model, "BPE"))
		return fail(c, "not a BPE tokenizer", "model.type");
	if (flag(d, model, "byte_fallback", 0))
		return fail(c, "SentencePiece-style BPE (byte_fallback) is not supported from tokenizer.json; use the GGUF",
		            "model.byte_fallback");
	pre = pretok(c, root, ignore_merges);
	if (pre == 0)
		return -1;
	if (flag(d, model, "ignore_merges", 0))
		*ignore_merges = 1;
	vocab = nm_json_get(d, model, "vocab");
	merges = nm_json_get(d, model, "merges");
	added = nm_json_get(d, root, "added_tokens");
	if (vocab < 0 || d->nodes[vocab].type != NM_JSON_OBJ)
		return fail(c, "expected an object of piece -> id", "model.vocab");
	if (merges < 0 || d->nodes[merges].type != NM_JSON_ARR)
		return fail(c, "expected an array", "model.merges");
	if (added >= 0 && d->nodes[added].type != NM_JSON_ARR)
		return fail(c, "expected an array", "added_tokens");
	/* Vocabulary size: the largest id + 1. */
	for (int k = d->nodes[vocab].first; k >= 0; k = d->nodes[d->nodes[k].next].next) {
		int id = id_of(d, d->nodes[k].next);

		if (id < 0)
			return fail(c, "token id out of range (0..16777215)", "model.vocab");
		if (id >= n)
			n = id + 1;
	}
	for (int a = added >= 0 ? d->nodes[added].first : -1; a >= 0; a = d->nodes[a].next) {
		int id = id_of(d, nm_json_get(d, a, "id"));

		if (id < 0 || nm_json_get(d, a, "content") < 0)
			return fail(c, "each entry needs an id in 0..16777215 and a content", "added_tokens");
		if (id >= n)
			n = id + 1;
	}
	if (n == 0)
		return fail(c, "no tokens", "model.vocab");
	m->vocab_n = n;
	m->vocab_pieces = nm_alloc((nm_u64)n * sizeof(char *));
	m->vocab_piece_len = nm_alloc((nm_u64)n * sizeof(int));
	m->vocab_types = nm_alloc((nm_u64)n * sizeof(int));
	m->vocab_n_merges = d->nodes[merges].n;
	m->vocab_merges = nm_alloc((nm_u64)(m->vocab_n_merges + 1) * sizeof(char *));
	m->vocab_merge_len = nm_alloc((nm_u64)(m->vocab_n_merges + 1) * sizeof(int));
	if (m->vocab_pieces == nil || m->vocab_piece_len == nil || m->vocab_types == nil || m->vocab_merges == nil ||
	    m->vocab_merge_len == nil)
		return fail(c, "out of memory", nil);
	for (int i = 0; i < n; i++) {
		m->vocab_pieces[i] = c->blob;   /* ids no entry names: empty and unused */
		m->vocab_piece_len[i] = 0;
		m->vocab_types[i] = NM_TOKTYPE_UNUSED;
	}
	for (int k = d->nodes[vocab].first; k >= 0; k = d->nodes[d->nodes[k].next].next) {
		int id = id_of(d, d->nodes[k].next), len;
		char *p = str(c, k, &len);

		if (p == nil)
			return fail(c, "bad piece", "model.vocab");
		m->vocab_pieces[id] = p;
		m->vocab_piece_len[id] = len;
		m->vocab_types[id] = NM_TOKTYPE_NORMAL;
	}
	for (int a = added >= 0 ? d->nodes[added].first : -1; a >= 0; a = d->nodes[a].next) {
		int id = id_of(d, nm_json_get(d, a, "id")), len;
		char *p = str(c, nm_json_get(d, a, "content"), &len);

		if (p == nil)
			return fail(c, "bad content", "added_tokens");
		m->vocab_pieces[id] = p;
		m->vocab_piece_len[id] = len;
		m->vocab_types[id] = flag(d, a, "special", 0) ? NM_TOKTYPE_CONTROL : NM_TOKTYPE_USER;
	}
	int r = 0;
	for (int e = d->nodes[merges].first; e >= 0; e = d->nodes[e].next, r++) {
		int la, lb;
		char *a, *b;

		if (d->nodes[e].type == NM_JSON_STR) {
			m->vocab_merges[r] = str(c, e, &m->vocab_merge_len[r]);
			continue;
		}
		/* [A, B]: stored as "A B", the GGUF spelling. */
		if (d->nodes[e].type != NM_JSON_ARR || d->nodes[e].n != 2 ||
		    (a = str(c, d->nodes[e].first, &la)) == nil || (b = str(c, d->nodes[d->nodes[e].first].next, &lb)) == nil)
			return fail(c, "each merge must be \"A B\" or [A, B]", "model.merges");
		a[la] = ' ';    /* b follows a's terminator in the blob */
		(void)b;
		m->vocab_merges[r] = a;
		m->vocab_merge_len[r] = la + 1 + lb;
	}
	for (r = 0; r < m->vocab_n_merges; r++)
		if (m->vocab_merges[r] == nil)
			return fail(c, "bad merge string", "model.merges");
	nm_strlcpy(m->vocab_model, "gpt2", (int)sizeof m->vocab_model);
	nm_strlcpy(m->vocab_pre, pre == NM_PRE_GPT2 ? "gpt-2" : pre == NM_PRE_LLAMA3 ? "llama-bpe" : "qwen2",
	           (int)sizeof m->vocab_pre);
	m->vocab_bos = -1;
	m->vocab_eos = -1;
	return 0;
}

int
nm_vocab_from_hf_json(nm_vocab *v, const nm_u8 *buf, nm_u64 size, const char *name, char *err, int errlen)
{
	nm_json doc;
	nm_model m;
	ctx c;
	char msg[200];
	int rc = -1, ignore_merges = 0;

	nm_memset(v, 0, sizeof *v);
	nm_memset(&m, 0, sizeof m);
	nm_memset(&c, 0, sizeof c);
	if (nm_json_parse(&doc, (const char *)buf, size, msg, (int)sizeof msg) != 0) {
		nm_tok_msg_err(err, errlen, name, msg);
		return -1;
	}
	c.doc = &doc;
	c.name = name;
	c.err = err;
	c.errlen = errlen;
	c.cap = size + 1;
	c.blob = nm_alloc(c.cap);
	if (c.blob == nil)
		fail(&c, "out of memory", nil);
	else if (doc.nodes[0].type != NM_JSON_OBJ)
		fail(&c, "not a tokenizer.json: the top level is not an object", nil);
	else if (build(&c, 0, &m, &ignore_merges) == 0) {
		rc = nm_vocab_from_model(v, &m, msg, (int)sizeof msg);
		if (rc != 0)
			nm_tok_msg_err(err, errlen, name, msg);
		else
			v->ignore_merges = ignore_merges;
	}
	nm_free(m.vocab_pieces);
	nm_free(m.vocab_piece_len);
	nm_free(m.vocab_types);
	nm_free(m.vocab_merges);
	nm_free(m.vocab_merge_len);
	nm_free(c.blob);
	nm_json_free(&doc);
	return rc;
}

int
nm_vocab_from_hf_file(nm_vocab *v, const char *path, char *err, int errlen)
{
	nm_u8 *buf;
	nm_u64 size;
	int rc;

	nm_memset(v, 0, sizeof *v);
	if (nm_read_file(path, &buf, &size, err, errlen) != 0)
		return -1;
	rc = nm_vocab_from_hf_json(v, buf, size, path, err, errlen);
	nm_free(buf);
	return rc;
}
