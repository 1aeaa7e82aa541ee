/*
 * vocab_model.c: the vocabulary embedded in a loaded model (GGUF's
 * tokenizer.ggml.tokens, .scores, .token_type). SentencePiece writes a space
 * as U+2581 (E2 96 81); llama2.c's exporter replaces it by ' ', and so do
 * we, so one vocabulary encodes the same from either source.
 */
#include "port/port.h"
#include "tokenizer/internal.h"

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
	int n, max_len = 1;

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
	if (nm_vocab_alloc(v, n, bytes, md->vocab_types != nil) != 0) {
		nm_tok_msg_err(err, errlen, "model vocabulary", "out of memory");
		return -1;
	}
	bytes = 0;
	for (int i = 0; i < n; i++) {
		const char *src = md->vocab_pieces[i];
		int len = md->vocab_piece_len[i], out = 0;
		char *dst = v->blob + bytes;

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
	if (nm_vocab_index(v) != 0) {
		nm_vocab_free(v);
		nm_tok_msg_err(err, errlen, "model vocabulary", "out of memory");
		return -1;
	}
	return 0;
}
