/*
 * model.h: a loaded model, independent of the file format it came from.
 * Format plugins (engine/formats/) fill it; architecture plugins and the
 * forward pass (engine/model/) read it. Layout is llama2.c's: row-major
 * matrices (rows x cols, out = W x), RoPE in adjacent pairs (formats that
 * store half-split Q/K, e.g. Hugging Face safetensors, are permuted at load).
 */
#ifndef NINEML_MODEL_H
#define NINEML_MODEL_H

#include "port/port.h"

/* Stored types the matmul kernels take directly; others convert at load. */
enum {
	NM_T_F32 = 0,  /* f: rows*cols floats */
	NM_T_Q8 = 1,   /* q: rows*cols int8, s: rows*cols/group_size float scales (llama2.c v2, GGUF Q8_0 with group 32) */
	NM_T_Q4_0 = 2, /* blocks: GGUF Q4_0 blocks of 32 (fp16 d, 16 nibble bytes), row-major */
	NM_T_F16 = 3,  /* h: rows*cols IEEE binary16, as stored (the product widens exactly) */
	NM_T_BF16 = 4, /* h: rows*cols bfloat16, as stored */
	/* blocks: GGUF blocks of these types, row-major, as stored; type -
	 * NM_T_Q5_0 is kernels.h's NM_BLK_* index (sizes, product, dequant) */
	NM_T_Q5_0 = 5,
	NM_T_Q5_1 = 6,
	NM_T_Q2_K = 7,
	NM_T_Q3_K = 8,
	NM_T_Q4_K = 9,
	NM_T_Q5_K = 10,
	NM_T_Q6_K = 11
};

typedef struct {
	int type;
	int rows, cols;
	int group_size; /* NM_T_Q8: values per scale; NM_T_Q4_0: 32; NM_T_Q5_0..Q6_K: block elements */
	float *f;
	nm_i8 *q;
	float *s;
	nm_u8 *blocks;
	nm_u16 *h;
	/* NM_T_Q8: s as IEEE halves when every scale is one exactly (GGUF
	 * Q8_0's), made by nm_model_pack for matmul_q8h_batch, or nil. */
	nm_u16 *sh;
	/* NM_T_Q8: the same weights in one kernel table's packed layout and that
	 * table (engine/model/pack.c), or nil; only that table reads them.
	 * packed_half: its scales are IEEE halves (kernel_table.h q8_pack). */
	void *packed;
	const void *packed_for;
	int packed_half;
} nm_tensor;

/* Llama 3.1 RoPE scaling; factor 0 means none. */
typedef struct {
	float factor, low_freq_factor, high_freq_factor;
	int original_max_position;
} nm_rope_scaling;

/* Read-only views of the files a model's weights are read from in place
 * (port.h nm_view_file; formats/model_mem.c). */
typedef struct {
	nm_file_view *v;
	int n, cap;
} nm_views;

typedef struct {
	char arch[32]; /* architecture plugin name: "llama2", "llama3", "mistral", "qwen2" */
	int dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
	float rope_theta;
	float norm_eps;
	int sliding_window; /* 0: full causal attention */
	nm_rope_scaling rope_scaling;
	int shared_classifier;
	/* The architecture rotates pairs (i, i + head_size/2) of each head
	 * (llama.cpp's NEOX rope type: Qwen2) instead of (2i, 2i+1). Memory
	 * always holds the pairwise layout: loaders permute Q/K rows (and
	 * biases) the file stores in the NEOX layout, writers permute back.
	 * The forward pass never reads it. */
	int rope_neox;
	int qkv_bias; /* q, k and v projections add a bias (Qwen2) */
} nm_config;

typedef struct {
	nm_config cfg;
	char format[32]; /* format plugin that loaded it: "llama2c-v0", "gguf", ... */
	nm_tensor token_embedding; /* vocab x dim */
	float *rms_att;            /* n_layers x dim */
	float *rms_ffn;            /* n_layers x dim */
	float *rms_final;          /* dim */
	nm_tensor *wq, *wk, *wv, *wo, *w1, *w2, *w3; /* n_layers each */
	nm_tensor wcls;            /* equals token_embedding when shared */
	/* Projection biases when cfg.qkv_bias (else nil): n_layers x dim for
	 * q, n_layers x kv_dim for k and v; q and k rows in memory's pairwise
	 * RoPE layout, as wq and wk. */
	float *bq, *bk, *bv;
	/* Embedded vocabulary (GGUF), or nil: pieces, scores, token types. */
	int vocab_n;
	char **vocab_pieces;
	int *vocab_piece_len;
	float *vocab_scores;
	int *vocab_types;
	/* tokenizer.ggml.model ("llama", "gpt2"; "" when absent) and .pre; for
	 * byte-level BPE the merges "A B" in rank order and the BOS/EOS ids
	 * (-1 when the file names none). */
	char vocab_model[64];
	char vocab_pre[64];
	int vocab_n_merges;
	char **vocab_merges;
	int *vocab_merge_len;
	int vocab_bos, vocab_eos;
	/* Everything above points into allocations owned by the model, or
	 * (weights stored in a form the kernels take) into its file views. */
	void **owned;
	int n_owned, cap_owned;
	nm_views views;
} nm_model;

#endif
