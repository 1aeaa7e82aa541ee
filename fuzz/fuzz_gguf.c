/*
 * fuzz_gguf.c: the input is read as a model file (GGUF first of all;
 * metadata, tensor infos, alignment, embedded vocabulary). A load must fail with a
 * one-line "fuzz: problem" message or give a model whose tensors match its
 * configuration, without a memory error. F16/BF16 matrices stay 16-bit
 * (NM_T_F16/NM_T_BF16): their first and last values are read. Block-type
 * matrices (Q4_0, Q5_0..Q6_K) stay blocks: their first and last bytes are
 * read, and the last embedding row is dequantized (the parser's block
 * count checks must make both lie inside the file).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/formats.h"
#include "kernels.h"
#include "model/forward.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_16(const nm_tensor *t)
{
	volatile nm_u16 sink;

	if (t->type != NM_T_F16 && t->type != NM_T_BF16)
		return;
	if (t->h == NULL)
		abort();
	sink = t->h[0];
	sink = t->h[(nm_i64)t->rows * t->cols - 1];
	(void)sink;
}

static void
check_blocks(const nm_tensor *t)
{
	volatile nm_u8 sink;
	nm_i64 bytes;

	if (t->type == NM_T_Q4_0)
		bytes = (nm_i64)t->rows * t->cols / 32 * 18;
	else if (t->type >= NM_T_Q5_0 && t->type <= NM_T_Q6_K)
		bytes = (nm_i64)t->rows * t->cols / nm_block_elems(t->type - NM_T_Q5_0) *
		        nm_block_bytes(t->type - NM_T_Q5_0);
	else
		return;
	if (t->blocks == NULL)
		abort();
	sink = t->blocks[0];
	sink = t->blocks[bytes - 1];
	(void)sink;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nm_model m;
	char err[512];

	if (nm_model_load_memory(&m, "fuzz", data, size, err, sizeof err) != 0) {
		if (strncmp(err, "fuzz: ", 6) != 0 || strchr(err, '\n') != NULL)
			abort();
		return 0;
	}
	if (m.cfg.dim <= 0 || m.token_embedding.rows != m.cfg.vocab_size || m.token_embedding.cols != m.cfg.dim)
		abort();
	for (int l = 0; l < m.cfg.n_layers; l++) {
		if (m.w2[l].cols != m.cfg.hidden_dim || m.wk[l].rows != m.cfg.dim / m.cfg.n_heads * m.cfg.n_kv_heads)
			abort();
		check_16(&m.wq[l]);
		check_16(&m.wk[l]);
		check_16(&m.w2[l]);
		check_blocks(&m.wq[l]);
		check_blocks(&m.w2[l]);
	}
	check_16(&m.token_embedding);
	check_16(&m.wcls);
	check_blocks(&m.token_embedding);
	check_blocks(&m.wcls);
	float *row = malloc((size_t)m.cfg.dim * sizeof(float));
	if (row == NULL)
		abort();
	nm_embedding_row(row, &m.token_embedding, m.cfg.vocab_size - 1);
	free(row);
	for (int i = 0; i < m.vocab_n; i++)
		if (m.vocab_piece_len[i] < 0 || (m.vocab_piece_len[i] > 0 && m.vocab_pieces[i] == NULL))
			abort();
	nm_model_free(&m);
	return 0;
}
