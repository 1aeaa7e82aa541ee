/*
 * tokenizer.h: two tokenizers behind one vocabulary type. The
 * SentencePiece-style BPE of llama2.c (a llama2.c tokenizer.bin, or a GGUF
 * whose tokenizer.ggml.model is "llama"), encoding and decoding as upstream
 * run.c; and byte-level BPE (tokenizer.ggml.model "gpt2": GPT-2, Llama 3,
 * Qwen2) with its regex pre-tokenizers, merges by rank and special tokens,
 * as llama.cpp. docs/TOKENIZER.md gives the rules and every error message.
 *
 * Errors: functions returning int give 0 on success and -1 on failure,
 * writing a one-line message (no newline) to err[0..errlen-1].
 */
#ifndef NINEML_TOKENIZER_H
#define NINEML_TOKENIZER_H

#include "port/port.h"
#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
	NM_TOK_UNK = 0,
	NM_TOK_BOS = 1,
	NM_TOK_EOS = 2,
	NM_TOK_BYTE0 = 3,             /* byte fallback: id = byte + NM_TOK_BYTE0 */
	NM_TOK_MAX_VOCAB = 1 << 24,   /* largest vocabulary accepted */
	NM_TOK_MAX_PIECE = 1 << 16    /* longest piece / max_token_length accepted */
};

/* GGUF token types (tokenizer.ggml.token_type). */
enum {
	NM_TOKTYPE_NORMAL = 1,
	NM_TOKTYPE_UNKNOWN = 2,
	NM_TOKTYPE_CONTROL = 3,
	NM_TOKTYPE_USER = 4,
	NM_TOKTYPE_UNUSED = 5,
	NM_TOKTYPE_BYTE = 6
};

/* Kinds of vocabulary, and the byte-level BPE pre-tokenizers. */
enum { NM_VOCAB_SPM = 0, NM_VOCAB_BPE = 1 };
enum { NM_PRE_GPT2 = 1, NM_PRE_LLAMA3 = 2, NM_PRE_QWEN2 = 3 };

/* nm_tok_encode_flags: add BOS / EOS; match control and unknown tokens'
 * text (user-defined tokens are always matched, as llama.cpp does). */
enum { NM_TOK_ADD_BOS = 1, NM_TOK_ADD_EOS = 2, NM_TOK_PARSE_SPECIAL = 4 };

typedef struct {
	int kind;              /* NM_VOCAB_SPM or NM_VOCAB_BPE */
	int pre;               /* BPE: NM_PRE_* */
	int ignore_merges;     /* BPE: a word that is a token is taken whole (Llama 3) */
	int bos_id, eos_id;    /* SPM: 1 and 2; BPE: from the file, -1 if none */
	int n;                 /* number of tokens */
	int max_token_length;  /* from the file; for a model's vocabulary, the longest piece */
	char **piece;          /* piece[i]: piece_len[i] bytes, not terminated */
	int *piece_len;
	float *score;
	int *type;             /* NM_TOKTYPE_*, or nil when the source has none */
	int *sorted;           /* ids of the lookup index, ordered by piece bytes then id */
	int n_sorted;
	char *blob;            /* storage of every piece */
	nm_u8 byte_piece[256]; /* byte_piece[b] is the one-byte string b */
	/* BPE only (nil/0 for SPM). Pieces are raw bytes, decoded from GPT-2's
	 * byte-to-unicode alphabet; literal[i] is 1 where piece i is the file's
	 * text as is (control, user-defined, unknown tokens, and pieces outside
	 * the alphabet), which merging never produces. */
	nm_u8 *literal;
	int *special;          /* ids matched in text before splitting, longest first */
	int n_special;
	/* Merge of rank r joins merge_a[r] and merge_b[r] (raw bytes); the hash
	 * table has merge_cap slots of rank + 1 (0 empty). */
	int n_merges;
	char **merge_a, **merge_b;
	int *merge_alen, *merge_blen;
	char *merge_blob;
	int *merge_slots;
	int merge_cap;
} nm_vocab;

/*
 * llama2.c tokenizer.bin in buf[0..size-1]: int32 max_token_length, then per
 * token float32 score, int32 len, len bytes. expected_n > 0 requires exactly
 * that many tokens and nothing after them (the model's vocab_size);
 * expected_n == 0 takes every token in the buffer. name prefixes messages.
 */
int nm_vocab_from_bin(nm_vocab *v, const nm_u8 *buf, nm_u64 size, int expected_n,
                      const char *name, char *err, int errlen);

/* The same, reading the file at path (messages start with the path). */
int nm_vocab_from_file(nm_vocab *v, const char *path, int expected_n,
                       char *err, int errlen);

/*
 * The vocabulary embedded in a model (vocab_n, vocab_pieces, ...). For
 * SentencePiece ("llama", or no tokenizer.ggml.model) every U+2581 (bytes
 * E2 96 81) in a piece becomes one ASCII space, as llama2.c's exporter
 * does, so the same vocabulary encodes identically from either source. For
 * "gpt2", byte-level BPE: pieces and merges are decoded to raw bytes and
 * tokenizer.ggml.pre must name a supported pre-tokenizer. Fails if the
 * model has none, or names another tokenizer model.
 */
int nm_vocab_from_model(nm_vocab *v, const nm_model *m, char *err, int errlen);

/*
 * Byte-level BPE from Hugging Face's tokenizer.json in buf[0..size-1]
 * (model.vocab, model.merges, added_tokens, the pre_tokenizer); name
 * prefixes messages. docs/TOKENIZER.md lists what is accepted. The file
 * names no BOS/EOS: bos_id and eos_id are -1.
 */
int nm_vocab_from_hf_json(nm_vocab *v, const nm_u8 *buf, nm_u64 size, const char *name,
                          char *err, int errlen);
/* The same, reading the file at path (messages start with the path). */
int nm_vocab_from_hf_file(nm_vocab *v, const char *path, char *err, int errlen);

/* Releases what a successful load allocated; safe on a zeroed vocab. */
void nm_vocab_free(nm_vocab *v);
/* Bytes v really holds (allocator's usable sizes). */
nm_u64 nm_vocab_bytes(const nm_vocab *v);

/* Id of the token whose piece is exactly s[0..len-1] in the lookup index
 * (lowest id among duplicates), or -1. */
int nm_vocab_lookup(const nm_vocab *v, const char *s, int len);

/*
 * 0 if text[0..len-1] is well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF); otherwise -1 with *bad_offset the
 * index of the first byte of the first invalid sequence.
 */
int nm_utf8_check(const char *text, int len, int *bad_offset);

/* Upper bound of nm_tok_encode's output length for len bytes of text. */
int nm_tok_encode_max(int len);

/*
 * Encodes text[0..len-1] into ids (capacity cap, see nm_tok_encode_max),
 * *n_ids tokens. SentencePiece: optional BOS, the " " dummy prefix when
 * len > 0, each UTF-8 character looked up or split into byte tokens,
 * highest-score merges (ties: leftmost), optional EOS; invalid UTF-8 fails
 * with "not valid UTF-8 at byte N". Byte-level BPE: special tokens, then
 * the pre-tokenizer's words, each merged by rank (any bytes are accepted:
 * a byte outside UTF-8 is a symbol of its own).
 */
int nm_tok_encode(const nm_vocab *v, const char *text, int len, int bos, int eos,
                  int *ids, int cap, int *n_ids, char *err, int errlen);
/* The same with NM_TOK_* flags. */
int nm_tok_encode_flags(const nm_vocab *v, const char *text, int len, int flags,
                        int *ids, int cap, int *n_ids, char *err, int errlen);

/* NM_PRE_* of a GGUF tokenizer.ggml.pre name, or 0 if unsupported. */
int nm_pretok_from_name(const char *name);
/*
 * The pre-tokenizer's split: the length in bytes (at least 1) of the word
 * that starts at text[i], 0 <= i < len, as the pre's regex matches it. A
 * byte that does not start a well-formed UTF-8 sequence counts as a
 * character that is neither letter, number nor space.
 */
int nm_pretok_word(int pre, const char *text, int len, int i);

/*
 * The bytes token contributes after prev (-1 if none): its piece, minus a
 * leading space when prev is BOS, or the raw byte for a "<0xHH>" piece.
 * *out points into v. Fails for an id outside the vocabulary.
 */
int nm_tok_decode_piece(const nm_vocab *v, int prev, int token, const char **out,
                        int *out_len, char *err, int errlen);

/*
 * Decodes ids[0..n-1] into out (capacity cap bytes, no terminator), *out_len
 * bytes. BOS and EOS, and control tokens when types are known, give no text;
 * the token after a BOS loses its leading space. out == nil only measures
 * the text (*out_len).
 */
int nm_tok_decode(const nm_vocab *v, const int *ids, int n, char *out, int cap,
                  int *out_len, char *err, int errlen);

#ifdef __cplusplus
}
#endif

#endif
