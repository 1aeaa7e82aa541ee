/*
 * forward.h: the run state (activations and KV cache) and the forward pass
 * of one token, in llama2.c's order (docs/FORWARD.md).
 */
#ifndef NINEML_FORWARD_H
#define NINEML_FORWARD_H

#include "model.h"
#include "exec.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
	float *x;      /* dim: residual stream */
	float *xb;     /* dim */
	float *xb2;    /* dim */
	float *hb;     /* hidden_dim */
	float *hb2;    /* hidden_dim */
	float *q;      /* dim */
	float *att;    /* n_heads * seq_len */
	float *logits; /* vocab_size */
	float *key_cache;   /* n_layers * seq_len * kv_dim */
	float *value_cache; /* n_layers * seq_len * kv_dim */
	nm_i8 *xq;     /* max(dim, hidden_dim): quantized activation */
	float *xs;     /* its scales, one per group (group >= 1) */
	float *freqs;  /* head_size/2 scaled RoPE frequencies, or nil */
	int kv_dim, head_size;
} nm_state;

/* Allocates the state for m (sizes checked for overflow). Returns nil and
 * sets *err to a one-line reason when m's shape is invalid or memory runs out. */
nm_state *nm_state_new(const nm_model *m, const char **err);
void nm_state_free(nm_state *s);

/* Checks the shape rules the forward pass relies on; nil when m is usable,
 * otherwise a one-line reason. */
const char *nm_model_check(const nm_model *m);

/* Runs token at position pos (0 <= pos < seq_len, positions fed in order)
 * and returns the logits (vocab_size floats, owned by s), or nil when token
 * or pos is out of range. */
float *nm_forward(nm_state *s, const nm_model *m, const nm_exec *e, int token, int pos);

/* Out = W x for any stored type of W: Q8 and Q4_0 quantize x first into
 * s->xq/s->xs with runq's rounding (group: W's group size; 32 for Q4_0). */
void nm_linear(nm_state *s, const nm_exec *e, float *out, const float *x, const nm_tensor *w);

/* Rows [0, w->rows) of out = W x with x already quantized when W is. */
void nm_matmul_dispatch(const nm_exec *e, float *out, const float *x, const nm_i8 *xq,
                        const float *xs, const nm_tensor *w);

/* Row `row` of an embedding tensor (F32 copied, Q8/Q4_0 dequantized). */
void nm_embedding_row(float *out, const nm_tensor *t, int row);

/* Llama 3.1 scaled RoPE frequencies for head_size/2 pairs (docs/FORWARD.md). */
void nm_rope_scaled_freqs(float *freqs, int head_size, float theta, const nm_rope_scaling *rs);

#ifdef __cplusplus
}
#endif

#endif
