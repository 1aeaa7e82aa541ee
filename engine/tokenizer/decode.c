/*
 * decode.c: token ids to bytes. SentencePiece as llama2.c's decode(): the
 * piece, without its leading space right after BOS; a piece spelled exactly
 * "<0xHH>" (hex digits in either case) is the raw byte HH. Byte-level BPE
 * pieces are already raw bytes (vocab_model.c read them back from GPT-2's
 * alphabet), so they are taken as they are.
 */
#include "port/port.h"
#include "tokenizer/internal.h"

static int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The byte a "<0xHH>" piece stands for, or -1. */
static int
byte_piece(const char *p, int len)
{
	int hi, lo;

	if (len != 6 || p[0] != '<' || p[1] != '0' || p[2] != 'x' || p[5] != '>')
		return -1;
	hi = hex_digit((nm_u8)p[3]);
	lo = hex_digit((nm_u8)p[4]);
	if (hi < 0 || lo < 0)
		return -1;
	return hi * 16 + lo;
}

static int
check_id(const nm_vocab *v, int token, char *err, int errlen)
{
	nm_tok_msg m;

	if (token >= 0 && token < v->n)
		return 0;
	nm_tok_msg_start(&m, err, errlen);
	nm_tok_msg_s(&m, "token ");
	nm_tok_msg_d(&m, token);
	nm_tok_msg_s(&m, " out of range (vocabulary has ");
	nm_tok_msg_d(&m, v->n);
	nm_tok_msg_s(&m, " tokens)");
	return -1;
}

int
nm_tok_decode_piece(const nm_vocab *v, int prev, int token, const char **out, int *out_len,
                    char *err, int errlen)
{
	const char *p;
	int len, b;

	if (check_id(v, token, err, errlen) != 0)
		return -1;
	p = v->piece[token];
	len = v->piece_len[token];
	if (v->kind == NM_VOCAB_BPE) {
		*out = p;
		*out_len = len;
		return 0;
	}
	if (prev == NM_TOK_BOS && len > 0 && p[0] == ' ') {
		p++;
		len--;
	}
	b = byte_piece(p, len);
	if (b >= 0) {
		p = (const char *)&v->byte_piece[b];
		len = 1;
	}
	*out = p;
	*out_len = len;
	return 0;
}

/* BOS, EOS and control tokens stand for no text. */
static int
silent(const nm_vocab *v, int token)
{
	if (token == v->bos_id || token == v->eos_id)
		return 1;
	return v->type != nil && v->type[token] == NM_TOKTYPE_CONTROL;
}

int
nm_tok_decode(const nm_vocab *v, const int *ids, int n, char *out, int cap, int *out_len,
              char *err, int errlen)
{
	nm_tok_msg m;
	nm_i64 total = 0;
	/* out == nil only measures the text. */
	nm_i64 limit = out == nil ? 0x7fffffff : (cap < 0 ? 0 : cap);

	*out_len = 0;
	for (int i = 0; i < n; i++) {
		const char *p;
		int len;

		if (nm_tok_decode_piece(v, i > 0 ? ids[i - 1] : -1, ids[i], &p, &len, err, errlen) != 0)
			return -1;
		if (silent(v, ids[i]))
			continue;
		if (total + len > limit) {
			nm_tok_msg_start(&m, err, errlen);
			nm_tok_msg_s(&m, "decoded text exceeds ");
			nm_tok_msg_d(&m, limit);
			nm_tok_msg_s(&m, " bytes");
			return -1;
		}
		if (out != nil)
			nm_memcpy(out + total, p, (nm_u64)len);
		total += len;
	}
	*out_len = (int)total;
	return 0;
}
