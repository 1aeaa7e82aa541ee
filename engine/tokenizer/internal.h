/*
 * internal.h: what the tokenizer's files share and nothing else needs:
 * a one-line message builder (no printf in the core: Plan 9's verbs differ)
 * and the two steps every vocabulary loader ends with.
 */
#ifndef NINEML_TOKENIZER_INTERNAL_H
#define NINEML_TOKENIZER_INTERNAL_H

#include "port/port.h"
#include "tokenizer.h"

/* Appends into buf[0..cap-1], always terminated, silently truncated. */
typedef struct {
	char *buf;
	int cap;
	int len;
} nm_tok_msg;

void nm_tok_msg_start(nm_tok_msg *m, char *buf, int cap);
void nm_tok_msg_s(nm_tok_msg *m, const char *s);
void nm_tok_msg_d(nm_tok_msg *m, nm_i64 d);
/* Writes "a" or "a: b" (b may be nil) to err. */
void nm_tok_msg_err(char *err, int errlen, const char *a, const char *b);

/*
 * Allocates n tokens' arrays and a blob of blob_bytes for their pieces
 * (types too when with_types); v is zeroed first. -1 when out of memory.
 */
int nm_vocab_alloc(nm_vocab *v, int n, nm_u64 blob_bytes, int with_types);

/* Builds the sorted lookup index once pieces are filled in. */
int nm_vocab_index(nm_vocab *v);

#endif
