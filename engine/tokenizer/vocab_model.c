/*
 * vocab_model.c: the vocabulary embedded in a loaded model (GGUF's
 * tokenizer.ggml.tokens, .scores, .token_type; .model tells the kind).
 * SentencePiece ("llama") writes a space as U+2581 (E2 96 81); llama2.c's
 * exporter replaces it by ' ', and so do we, so one vocabulary encodes the
 * same from either source. Byte-level BPE ("gpt2") pieces are read back
 * from GPT-2's byte alphabet into raw bytes, except special tokens, which
 * are matched as the file spells them; its merges and pre-tokenizer name
 * come along.
 */
#include "port/port.h"
#include "tokenizer/internal.h"
#include "formats/text.h"

static const char supported_pre[] = "supported: gpt-2, llama-bpe, qwen2";

/* NM_VOCAB_* of the model's tokenizer.ggml.model, or -1 with err. */
static int
vocab_kind(const nm_model *md, char *err, int errlen)
{
	nm_tok_msg m;

	if (md->vocab_model[0] == '\0' || nm_streq(md->vocab_model, "llama"))
		return NM_VOCAB_SPM;
	if (nm_streq(md->vocab_model, "gpt2"))
		return NM_VOCAB_BPE;
	nm_tok_msg_start(&m, err, errlen);
	nm_tok_msg_s(&m, "unsupported tokenizer model '");
	nm_tok_msg_s(&m, md->vocab_model);
	nm_tok_msg_s(&m, "' (tokenizer.ggml.model; supported: llama, gpt2)");
	return -1;
}

/* NM_PRE_* of the model's tokenizer.ggml.pre, or 0 with err. */
static int
pretok(const nm_model *md, char *err, int errlen)
{
	nm_tok_msg m;
	int pre = nm_pretok_from_name(md->vocab_pre);

	if (pre != 0)
		return pre;
	nm_tok_msg_start(&m, err, errlen);
	if (md->vocab_pre[0] == '\0') {
		nm_tok_msg_s(&m, "byte-level BPE vocabulary without a pre-tokenizer name (tokenizer.ggml.pre; ");
	} else {
		nm_tok_msg_s(&m, "unsupported pre-tokenizer '");
		nm_tok_msg_s(&m, md->vocab_pre);
		nm_tok_msg_s(&m, "' (tokenizer.ggml.pre; ");
	}
	nm_tok_msg_s(&m, supported_pre);
	nm_tok_msg_s(&m, ")");
	return 0;
}

static int
is_special(int type)
{
	return type == NM_TOKTYPE_CONTROL || type == NM_TOKTYPE_USER || type == NM_TOKTYPE_UNKNOWN;
}

/* A BPE piece: raw bytes of the byte-level text, or (special tokens, text
 * outside the alphabet) the text itself, literal[i] = 1. Never longer. */
static int
bpe_piece(nm_vocab *v, int i, const char *src, int len, int type, char *dst)
{
	int out = is_special(type) ? -1 : nm_bytelevel_decode(src, len, dst);

	v->literal[i] = out < 0;
	if (out < 0) {
		nm_memcpy(dst, src, (nm_u64)len);
		out = len;
	}
	return out;
}

static int
is_sp_space(const char *p, int left)
{
	return left >= 3 && (nm_u8)p[0] == 0xE2 && (nm_u8)p[1] == 0x96 && (nm_u8)p[2] == 0x81;
}

static void
token_error(char *err, int errlen, int id, const char *what, nm_i64 value)
{
	nm_tok_msg m;

	nm_tok_msg_start(&m, err, errlen);
	nm_tok_msg_s(&m, "model vocabulary: token ");
	nm_tok_msg_d(&m, id);
	nm_tok_msg_s(&m, what);
	if (value >= 0)
		nm_tok_msg_d(&m, value);
}

int
nm_vocab_from_model(nm_vocab *v, const nm_model *md, char *err, int errlen)
{
	nm_tok_msg m;
	nm_u64 bytes = 0;
	int n, max_len = 1, kind, pre = 0;

	nm_memset(v, 0, sizeof *v);
	n = md->vocab_n;
	if (n <= 0 || md->vocab_pieces == nil || md->vocab_piece_len == nil) {
		nm_tok_msg_err(err, errlen, "model", "no embedded vocabulary");
		return -1;
	}
	if (n > NM_TOK_MAX_VOCAB) {
		nm_tok_msg_start(&m, err, errlen);
		nm_tok_msg_s(&m, "model vocabulary: ");
		nm_tok_msg_d(&m, n);
		nm_tok_msg_s(&m, " tokens, more than ");
		nm_tok_msg_d(&m, NM_TOK_MAX_VOCAB);
		return -1;
	}
	if (md->cfg.vocab_size != 0 && md->cfg.vocab_size != n) {
		nm_tok_msg_start(&m, err, errlen);
		nm_tok_msg_s(&m, "model vocabulary: ");
		nm_tok_msg_d(&m, n);
		nm_tok_msg_s(&m, " tokens but the model's vocab_size is ");
		nm_tok_msg_d(&m, md->cfg.vocab_size);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		int len = md->vocab_piece_len[i];

		if (len < 0) {
			nm_tok_msg_start(&m, err, errlen);
			nm_tok_msg_s(&m, "model vocabulary: token ");
			nm_tok_msg_d(&m, i);
			nm_tok_msg_s(&m, ": negative length ");
			nm_tok_msg_d(&m, len);
			return -1;
		}
		if (len > NM_TOK_MAX_PIECE) {
			token_error(err, errlen, i, ": length exceeds the limit ", NM_TOK_MAX_PIECE);
			return -1;
		}
		if (len > 0 && md->vocab_pieces[i] == nil) {
			token_error(err, errlen, i, ": missing piece", -1);
			return -1;
		}
		if (md->vocab_scores != nil && nm_isnan(md->vocab_scores[i])) {
			token_error(err, errlen, i, ": score is NaN", -1);
			return -1;
		}
		bytes += (nm_u64)len;
	}
	kind = vocab_kind(md, err, errlen);
	if (kind < 0)
		return -1;
	if (kind == NM_VOCAB_BPE && (pre = pretok(md, err, errlen)) == 0)
		return -1;
	if (nm_vocab_alloc(v, n, bytes, md->vocab_types != nil) != 0) {
		nm_tok_msg_err(err, errlen, "model vocabulary", "out of memory");
		return -1;
	}
	if (kind == NM_VOCAB_BPE) {
		v->kind = kind;
		v->pre = pre;
		v->ignore_merges = pre == NM_PRE_LLAMA3; /* as llama.cpp sets it for these names */
		v->bos_id = md->vocab_bos;
		v->eos_id = md->vocab_eos;
		v->literal = nm_alloc((nm_u64)n + 1);
		if (v->literal == nil) {
			nm_vocab_free(v);
			nm_tok_msg_err(err, errlen, "model vocabulary", "out of memory");
			return -1;
		}
	}
	bytes = 0;
	for (int i = 0; i < n; i++) {
		const char *src = md->vocab_pieces[i];
		int len = md->vocab_piece_len[i], out = 0;
		char *dst = v->blob + bytes;
		int type = md->vocab_types != nil ? md->vocab_types[i] : NM_TOKTYPE_NORMAL;

		if (kind == NM_VOCAB_BPE)
			out = bpe_piece(v, i, src, len, type, dst);
		else
			for (int j = 0; j < len;) {
				if (is_sp_space(src + j, len - j)) {
					dst[out++] = ' ';
					j += 3;
				} else {
					dst[out++] = src[j++];
				}
			}
		v->piece[i] = dst;
		v->piece_len[i] = out;
		v->score[i] = md->vocab_scores != nil ? md->vocab_scores[i] : 0.0f;
		if (v->type != nil)
			v->type[i] = md->vocab_types[i];
		if (out > max_len)
			max_len = out;
		bytes += (nm_u64)out;
	}
	v->max_token_length = max_len;
	if (kind == NM_VOCAB_BPE &&
	    nm_merges_load(v, md->vocab_merges, md->vocab_merge_len, md->vocab_n_merges, err, errlen) != 0) {
		nm_vocab_free(v);
		return -1;
	}
	if ((kind == NM_VOCAB_BPE && nm_special_index(v) != 0) || nm_vocab_index(v) != 0) {
		nm_vocab_free(v);
		nm_tok_msg_err(err, errlen, "model vocabulary", "out of memory");
		return -1;
	}
	return 0;
}
