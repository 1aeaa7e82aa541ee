/*
 * vocab_bin.c: parses llama2.c's tokenizer.bin (little-endian int32
 * max_token_length, then per token float32 score, int32 len, len bytes).
 * Every length is checked against what is left of the buffer before it is
 * used, so a truncated or hostile file gives a message, never a read past
 * the end; allocations are bounded by the buffer size.
 */
#include "port/port.h"
#include "tokenizer/internal.h"

static nm_u32
le32(const nm_u8 *p)
{
	return (nm_u32)p[0] | (nm_u32)p[1] << 8 | (nm_u32)p[2] << 16 | (nm_u32)p[3] << 24;
}

static int
le_i32(const nm_u8 *p)
{
	nm_u32 u = le32(p);

	/* Two's complement without relying on an implementation-defined cast. */
	if (u & 0x80000000U)
		return -(int)(~u) - 1;
	return (int)u;
}

static float
le_f32(const nm_u8 *p)
{
	union {
		nm_u32 u;
		float f;
	} b;

	b.u = le32(p);
	return b.f;
}

/* "NAME: " then the rest of the message is appended by the caller. */
static void
start(nm_tok_msg *m, char *err, int errlen, const char *name)
{
	nm_tok_msg_start(m, err, errlen);
	nm_tok_msg_s(m, name);
	nm_tok_msg_s(m, ": ");
}

/*
 * Walks the tokens without storing them: the count and the total piece
 * bytes. expected_n > 0 stops after that many tokens.
 */
static int
scan(const nm_u8 *buf, nm_u64 size, int expected_n, int max_len, const char *name,
     int *n_out, nm_u64 *bytes_out, char *err, int errlen)
{
	nm_tok_msg m;
	nm_u64 pos = 4, bytes = 0;
	int n = 0;

	for (;;) {
		if (expected_n > 0 && n == expected_n)
			break;
		if (expected_n == 0 && pos == size)
			break;
		if (n == NM_TOK_MAX_VOCAB) {
			start(&m, err, errlen, name);
			nm_tok_msg_s(&m, "more than ");
			nm_tok_msg_d(&m, NM_TOK_MAX_VOCAB);
			nm_tok_msg_s(&m, " tokens");
			return -1;
		}
		if (size - pos < 8) {
			start(&m, err, errlen, name);
			nm_tok_msg_s(&m, "truncated at token ");
			nm_tok_msg_d(&m, n);
			if (expected_n > 0) {
				nm_tok_msg_s(&m, " of ");
				nm_tok_msg_d(&m, expected_n);
			}
			nm_tok_msg_s(&m, ": score and length need 8 bytes, ");
			nm_tok_msg_d(&m, (nm_i64)(size - pos));
			nm_tok_msg_s(&m, " left");
			return -1;
		}
		float score = le_f32(buf + pos);
		int len = le_i32(buf + pos + 4);
		if (nm_isnan(score)) {
			start(&m, err, errlen, name);
			nm_tok_msg_s(&m, "token ");
			nm_tok_msg_d(&m, n);
			nm_tok_msg_s(&m, ": score is NaN");
			return -1;
		}
		if (len < 0) {
			start(&m, err, errlen, name);
			nm_tok_msg_s(&m, "token ");
			nm_tok_msg_d(&m, n);
			nm_tok_msg_s(&m, ": negative length ");
			nm_tok_msg_d(&m, len);
			return -1;
		}
		if (len > max_len) {
			start(&m, err, errlen, name);
			nm_tok_msg_s(&m, "token ");
			nm_tok_msg_d(&m, n);
			nm_tok_msg_s(&m, ": length ");
			nm_tok_msg_d(&m, len);
			nm_tok_msg_s(&m, " exceeds max_token_length ");
			nm_tok_msg_d(&m, max_len);
			return -1;
		}
		pos += 8;
		if (size - pos < (nm_u64)len) {
			start(&m, err, errlen, name);
			nm_tok_msg_s(&m, "truncated at token ");
			nm_tok_msg_d(&m, n);
			if (expected_n > 0) {
				nm_tok_msg_s(&m, " of ");
				nm_tok_msg_d(&m, expected_n);
			}
			nm_tok_msg_s(&m, ": piece needs ");
			nm_tok_msg_d(&m, len);
			nm_tok_msg_s(&m, " bytes, ");
			nm_tok_msg_d(&m, (nm_i64)(size - pos));
			nm_tok_msg_s(&m, " left");
			return -1;
		}
		pos += (nm_u64)len;
		bytes += (nm_u64)len;
		n++;
	}
	if (pos != size) {
		start(&m, err, errlen, name);
		nm_tok_msg_d(&m, (nm_i64)(size - pos));
		nm_tok_msg_s(&m, " bytes after the last of ");
		nm_tok_msg_d(&m, expected_n);
		nm_tok_msg_s(&m, " tokens: the file has more tokens than the vocabulary size ");
		nm_tok_msg_d(&m, expected_n);
		return -1;
	}
	if (n == 0) {
		start(&m, err, errlen, name);
		nm_tok_msg_s(&m, "no tokens");
		return -1;
	}
	*n_out = n;
	*bytes_out = bytes;
	return 0;
}

int
nm_vocab_from_bin(nm_vocab *v, const nm_u8 *buf, nm_u64 size, int expected_n,
                  const char *name, char *err, int errlen)
{
	nm_tok_msg m;
	nm_u64 bytes, pos;
	int n, max_len;

	nm_memset(v, 0, sizeof *v);
	if (name == nil)
		name = "tokenizer.bin";
	if (expected_n < 0 || expected_n > NM_TOK_MAX_VOCAB) {
		start(&m, err, errlen, name);
		nm_tok_msg_s(&m, "expected vocabulary size ");
		nm_tok_msg_d(&m, expected_n);
		nm_tok_msg_s(&m, " out of range (0..");
		nm_tok_msg_d(&m, NM_TOK_MAX_VOCAB);
		nm_tok_msg_s(&m, ")");
		return -1;
	}
	if (buf == nil || size < 4) {
		start(&m, err, errlen, name);
		nm_tok_msg_s(&m, "truncated: ");
		nm_tok_msg_d(&m, buf == nil ? 0 : (nm_i64)size);
		nm_tok_msg_s(&m, " bytes, max_token_length needs 4");
		return -1;
	}
	max_len = le_i32(buf);
	if (max_len < 1 || max_len > NM_TOK_MAX_PIECE) {
		start(&m, err, errlen, name);
		nm_tok_msg_s(&m, "max_token_length ");
		nm_tok_msg_d(&m, max_len);
		nm_tok_msg_s(&m, " out of range (1..");
		nm_tok_msg_d(&m, NM_TOK_MAX_PIECE);
		nm_tok_msg_s(&m, ")");
		return -1;
	}
	if (scan(buf, size, expected_n, max_len, name, &n, &bytes, err, errlen) != 0)
		return -1;
	if (nm_vocab_alloc(v, n, bytes, 0) != 0) {
		nm_tok_msg_err(err, errlen, name, "out of memory");
		return -1;
	}
	v->max_token_length = max_len;
	pos = 4;
	bytes = 0;
	for (int i = 0; i < n; i++) {
		v->score[i] = le_f32(buf + pos);
		v->piece_len[i] = le_i32(buf + pos + 4);
		v->piece[i] = v->blob + bytes;
		nm_memcpy(v->piece[i], buf + pos + 8, (nm_u64)v->piece_len[i]);
		pos += 8 + (nm_u64)v->piece_len[i];
		bytes += (nm_u64)v->piece_len[i];
	}
	if (nm_vocab_index(v) != 0) {
		nm_vocab_free(v);
		nm_tok_msg_err(err, errlen, name, "out of memory");
		return -1;
	}
	return 0;
}

int
nm_vocab_from_file(nm_vocab *v, const char *path, int expected_n, char *err, int errlen)
{
	nm_u64 size;
	nm_u8 *buf;
	int rc;

	nm_memset(v, 0, sizeof *v);
	if (nm_read_file(path, &buf, &size, err, errlen) != 0)
		return -1;
	rc = nm_vocab_from_bin(v, buf, size, expected_n, path, err, errlen);
	nm_free(buf);
	return rc;
}
