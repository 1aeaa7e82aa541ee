/*
 * formats.h: loading models from files, whatever the format. The format is
 * detected from the content (magic bytes and structure), never from the
 * file name; docs/FORMATS.md describes every layout and error message.
 */
#ifndef NINEML_FORMATS_H
#define NINEML_FORMATS_H

#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Loads PATH into m (zeroed first). Returns 0, or -1 with a one-line
 * "PATH: problem" in err and m left empty. */
int nm_model_load(nm_model *m, const char *path, char *err, int errlen);
/* The embedded vocabulary of PATH alone (GGUF tokenizer.* keys), for
 * tokenizing: a vocab-only GGUF, as llama.cpp ships to test tokenizers,
 * has no tensors. m holds cfg, format and vocab_*; 0 or -1 with err. */
int nm_model_load_vocab(nm_model *m, const char *path, char *err, int errlen);
/* The same from len bytes in memory (copied where kept); name stands for
 * the path in errors, and safetensors look for config.json beside it. */
int nm_model_load_memory(nm_model *m, const char *name, const nm_u8 *data, nm_u64 len, char *err, int errlen);
/* Releases everything m owns and zeroes it; safe on a zeroed model. */
void nm_model_free(nm_model *m);
/* Bytes m really holds: its allocations (allocator's usable sizes) and the
 * mapped file views of its weights (llmfs's pool accounting). */
nm_u64 nm_model_bytes(const nm_model *m);
/* Hint from a reader that streams through m's weights once (convert,
 * quantize): bytes [p, p+n) will not be read again soon. Weights read in
 * place from a mapped file give their pages back; nothing else changes. */
void nm_model_drop(const nm_model *m, const void *p, nm_u64 n);
/* nm_model_drop of the stored weights of t (f, or q and s, or blocks). */
void nm_model_drop_tensor(const nm_model *m, const nm_tensor *t);

/* llama2.c's version-2 file (runq's Q8, export.py's rounding) from any
 * loaded model (write_v2.c). group_size 0: llama2.c's rule,
 * nm_default_group_size (64, halved until it divides dim and hidden_dim).
 * 0, or -1 with a one-line "PATH: problem" in err. */
int nm_write_v2(const nm_model *m, const char *path, int group_size, char *err, int errlen);
int nm_default_group_size(int dim, int hidden_dim);

/* Name of the format plugin that recognises the content ("llama2c-v0",
 * "llama2c-v1", "llama2c-v2", "gguf", "safetensors", "safetensors-index"),
 * or nil. */
const char *nm_format_detect(const nm_u8 *data, nm_u64 len);

/* Dtypes of stored tensors, as the file holds them. */
enum {
	NM_DT_F32 = 0,
	NM_DT_F16,
	NM_DT_BF16,
	NM_DT_Q8_0,    /* GGUF blocks: fp16 d + 32 int8 */
	NM_DT_Q4_0,    /* GGUF blocks: fp16 d + 16 nibble bytes */
	NM_DT_Q8_GROUP, /* llama2.c v2: int8 values, then float scales per group */
	/* GGUF blocks of kernels.h's NM_BLK_* types, in that order: dtype -
	 * NM_DT_Q5_0 is the NM_BLK_* index */
	NM_DT_Q5_0,
	NM_DT_Q5_1,
	NM_DT_Q2_K,
	NM_DT_Q3_K,
	NM_DT_Q4_K,
	NM_DT_Q5_K,
	NM_DT_Q6_K
};
const char *nm_dtype_name(int dtype);

/* One tensor as stored in the file (for `9ml info`). */
typedef struct {
	char name[96];
	int dtype;
	int n_dims;
	nm_u64 shape[4]; /* outermost first: a matrix is rows, cols */
	nm_u64 offset;   /* byte offset in its file */
	nm_u64 nbytes;
	int group_size;  /* NM_DT_Q8_GROUP */
} nm_tensor_info;

typedef struct {
	char format[32];
	nm_tensor_info *tensors;
	int n_tensors;
} nm_file_info;

/* Lists the tensors of PATH as stored. Returns 0 or -1 with err. */
int nm_file_info_load(nm_file_info *info, const char *path, char *err, int errlen);
void nm_file_info_free(nm_file_info *info);

#ifdef __cplusplus
}
#endif

#endif
