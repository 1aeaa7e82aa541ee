/*
 * parsed.h: what a format parser hands to the model builder: the
 * hyper-parameters, the architecture metadata, and a list of stored tensors
 * pointing into the file buffers. Parsers only validate and locate;
 * build.c converts and copies (no file both parses and computes).
 */
#ifndef NINEML_FORMATS_PARSED_H
#define NINEML_FORMATS_PARSED_H

#include "formats/formats.h"
#include "formats/text.h"
#include "arch/arch.h"

/* Roles of the model's tensors. */
enum {
	NM_R_EMB = 0, NM_R_RMS_ATT, NM_R_WQ, NM_R_WK, NM_R_WV, NM_R_WO, NM_R_RMS_FFN,
	NM_R_W1, NM_R_W2, NM_R_W3, NM_R_RMS_FINAL, NM_R_WCLS, NM_R_BQ, NM_R_BK, NM_R_BV,
	NM_R_COUNT
};

typedef struct {
	nm_tensor_info info;  /* name, dtype, shape, offset, size */
	const nm_u8 *data;    /* info.nbytes bytes inside a file buffer */
	const nm_u8 *scales;  /* NM_DT_Q8_GROUP: the float scales */
} nm_entry;

typedef struct nm_parsed nm_parsed;
struct nm_parsed {
	const char *path;
	char format[32];
	nm_config cfg;        /* dimensions, norm_eps, shared_classifier */
	nm_arch_meta meta;
	int qk_half_split;    /* Q/K rows stored half-split (Hugging Face) */
	/* Q/K rows stored in the architecture's own RoPE layout (GGUF:
	 * llama.cpp permutes Llama to pairwise, keeps NEOX architectures
	 * half-split), so half-split when the plugin sets rope_neox. */
	int qk_arch_layout;
	nm_entry *entries;
	int n_entries;
	/* Name index over entries (nm_parsed_index): slot = entry number + 1,
	 * 0 empty; nil until built, then nm_parsed_find is one probe. */
	int *index;
	int index_cap;
	/* Name of the tensor of `role` in layer `layer` (-1 for global ones). */
	void (*tensor_name)(nm_text *t, int role, int layer);
	/* GGUF embedded vocabulary: array payloads (after type and count). */
	nm_u64 vocab_n;
	const nm_u8 *vocab_tokens, *vocab_scores, *vocab_types;
	nm_u64 vocab_tokens_bytes;
	int vocab_types_type; /* GGUF element type of token_type (4 u32 or 5 i32) */
	/* tokenizer.ggml.model and .pre ("" when absent), .merges (strings "A B"),
	 * .bos_token_id / .eos_token_id (-1 when absent). */
	char vocab_model[64], vocab_pre[64];
	const nm_u8 *vocab_merges;
	nm_u64 vocab_n_merges, vocab_merges_bytes;
	int vocab_bos, vocab_eos;
	/* Set before parsing: only the vocabulary is wanted (GGUF skips the
	 * architecture and its hyper-parameters). */
	int vocab_only;
	/* File buffers and allocations owned by the parse. */
	void *owned[64];
	int n_owned;
	/* Files the entries point into, opened read-only (nm_views_open); the
	 * model takes them and keeps its weights there when it can. Empty when
	 * the bytes came from the caller (nm_model_load_memory): then the
	 * builder copies everything. */
	nm_views views;
};

/* Each format: parse data (len bytes of the file at path) into p.
 * Returns 0 or -1 with err = "PATH: problem". */
int nm_llama2c_parse(nm_parsed *p, const nm_u8 *data, nm_u64 len, char *err, int errlen);
int nm_gguf_parse(nm_parsed *p, const nm_u8 *data, nm_u64 len, char *err, int errlen);
int nm_safetensors_parse(nm_parsed *p, const nm_u8 *data, nm_u64 len, char *err, int errlen);
int nm_safetensors_index_parse(nm_parsed *p, const nm_u8 *data, nm_u64 len, char *err, int errlen);

/* Detection by content (1 when the bytes are this format's). */
int nm_llama2c_v0_detect(const nm_u8 *data, nm_u64 len);
int nm_llama2c_magic_detect(const nm_u8 *data, nm_u64 len, int version);
int nm_gguf_detect(const nm_u8 *data, nm_u64 len);
int nm_safetensors_detect(const nm_u8 *data, nm_u64 len);
int nm_safetensors_index_detect(const nm_u8 *data, nm_u64 len);

/* Shared helpers (parsed.c). */
void nm_parsed_init(nm_parsed *p, const char *path);
void nm_parsed_free(nm_parsed *p);
/* Remembers an allocation to free with p; -1 when the table is full. */
int nm_parsed_own(nm_parsed *p, void *mem);
nm_u32 nm_le32(const nm_u8 *b);
nm_u64 nm_le64(const nm_u8 *b);
nm_u16 nm_le16(const nm_u8 *b);
float nm_lef32(const nm_u8 *b);
/* a*b into *out; 0, or -1 on overflow past 2^63. */
int nm_mul_u64(nm_u64 a, nm_u64 b, nm_u64 *out);
/* Bytes of n elements of dtype (n a multiple of 32 for block types);
 * -1 on overflow or a partial block. */
int nm_dtype_bytes(int dtype, nm_u64 n, nm_u64 *bytes);
/* Common validation of the hyper-parameters (positive sizes, head counts
 * dividing). 0 or -1 with err. */
int nm_config_check(const nm_config *cfg, const char *path, char *err, int errlen);
/* The entry named by the text, or nil (hashed once nm_parsed_index ran). */
const nm_entry *nm_parsed_find(const nm_parsed *p, const char *name);
/* Indexes the entries by name; -1 with err = "PATH: duplicate tensor 'X'"
 * when two share a name (or out of memory). Call after the last entry. */
int nm_parsed_index(nm_parsed *p, char *err, int errlen);
/* Entries first..last-1 (one file, absolute offsets) must not share a
 * byte: -1 with err = "PATH: tensors 'A' and 'B' overlap (...)". */
int nm_parsed_check_spans(const nm_parsed *p, int first, int last, const char *path, char *err, int errlen);

/* Name hashing for duplicate checks and lookups. A table has
 * nm_hash_cap(n) int slots (a power of two, at least 2n; 0 if n is too
 * large); name(ctx, i, &len) gives the i-th of n names. Fills the zeroed
 * slots with i+1 and returns -1, or the first i whose name equals an
 * earlier one. */
int nm_hash_cap(nm_u64 n);
nm_u32 nm_hash_bytes(const nm_u8 *s, nm_u64 len);
int nm_hash_fill(int *slots, int cap, int n, const nm_u8 *(*name)(const void *ctx, int i, nm_u64 *len),
                 const void *ctx);
/* Slot index of the name (len bytes) in a filled table: its i+1, or 0. */
int nm_hash_lookup(const int *slots, int cap, const nm_u8 *s, nm_u64 len,
                   const nm_u8 *(*name)(const void *ctx, int i, nm_u64 *len), const void *ctx);

/* build.c: converts p's tensors into m (validating names and shapes). */
int nm_model_build(nm_model *m, const nm_parsed *p, char *err, int errlen);
/* build.c: the embedded vocabulary alone (no tensor is looked at). */
int nm_model_build_vocab(nm_model *m, const nm_parsed *p, char *err, int errlen);

#endif
