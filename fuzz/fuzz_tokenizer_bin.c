/*
 * fuzz_tokenizer_bin.c: the input is a llama2.c tokenizer.bin. A parse must
 * either fail with a message or give a vocabulary that encodes and decodes
 * fixed texts (merges, byte fallback, multi-byte characters) and the input
 * itself as text, without a memory error or an out-of-range id.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const nm_vocab *v, const char *text, int len)
{
	char err[256];
	int cap = nm_tok_encode_max(len), n = 0, out_len = 0;
	int *ids = malloc((size_t)cap * sizeof(int));

	if (ids == NULL)
		return;
	if (nm_tok_encode(v, text, len, 1, 1, ids, cap, &n, err, sizeof err) == 0) {
		if (n > cap)
			abort();
		for (int i = 0; i < n; i++)
			if (ids[i] < 0 || ids[i] >= v->n)
				abort();
		if (nm_tok_decode(v, ids, n, NULL, 0, &out_len, err, sizeof err) == 0) {
			char *out = malloc((size_t)out_len + 1);

			if (out != NULL && nm_tok_decode(v, ids, n, out, out_len, &out_len, err, sizeof err) != 0)
				abort(); /* measured, so it must fit */
			free(out);
		}
	} else if (err[0] == '\0') {
		abort(); /* every failure explains itself */
	}
	free(ids);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *texts[] = {
		"",
		"Once upon a time",
		"the abc xyz qq zz sing",
		"\xc3\xa9t\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xc3\xb8\t\xf0\x9f\x98\x80",
	};
	char err[256];
	nm_vocab v;

	err[0] = '\0';
	if (nm_vocab_from_bin(&v, data, (nm_u64)size, 0, "fuzz", err, sizeof err) != 0) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		check(&v, texts[i], (int)strlen(texts[i]));
	check(&v, (const char *)data, size > 512 ? 512 : (int)size);
	for (int id = 0; id < v.n && id < 300; id++) {
		const char *p;
		int len;

		if (nm_tok_decode_piece(&v, 1, id, &p, &len, err, sizeof err) != 0 || len < 0)
			abort();
	}
	nm_vocab_free(&v);
	return 0;
}
