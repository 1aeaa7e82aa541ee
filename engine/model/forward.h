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

/* Positions one prefill step runs together (docs/FORWARD.md). */
enum { NM_BATCH = 32 };

/*
 * An observer of the forward pass's intermediates (`9ml diff-layers`,
 * docs/PORTING_MODELS.md): called after each named step with the position,
 * the layer (-1 after the last layer), the step's name and its n values.
 * nil (the default) costs one test per step and position.
 */
typedef void (*nm_trace_fn)(void *arg, int pos, int layer, const char *step, const float *v, int n);

/* Activations hold NM_BATCH token-major rows; decoding uses row 0. */
typedef struct {
	float *x;      /* dim: residual stream */
	float *xb;     /* dim */
	float *xb2;    /* dim */
	float *hb;     /* hidden_dim */
	float *hb2;    /* hidden_dim */
	float *q;      /* dim */
	float *att;    /* n_heads * ctx */
	float *logits; /* vocab_size */
	float *key_cache;   /* n_layers * ctx * kv_dim */
	float *value_cache; /* n_layers * ctx * kv_dim */
	nm_i8 *xq;     /* max(dim, hidden_dim): quantized activation rows */
	float *xs;     /* their scales, one per group (group >= 1) */
	float *freqs;  /* head_size/2 scaled RoPE frequencies, or nil */
	int kv_dim, head_size;
	int ctx;       /* positions the KV cache holds (<= seq_len) */
	nm_trace_fn trace; /* nil, or the observer of every step (set by the caller) */
	void *trace_arg;
} nm_state;

/*
 * The KV cache holds the context a run asks for, not the header's maximum
 * (a GGUF may declare 128K positions: two caches of gigabytes before one
 * token). Without a request, min(seq_len, NM_CTX_CAP), as llama.cpp's
 * default context; every llama2.c checkpoint (seq_len <= 4096) keeps its
 * full seq_len.
 */
enum { NM_CTX_CAP = 4096 };
int nm_default_ctx(const nm_model *m);

/* Allocates the state for m with a KV cache of ctx positions (ctx <= 0:
 * nm_default_ctx; more than seq_len is refused). Sizes are checked for
 * overflow. Returns nil and sets *err to a one-line reason when m's shape
 * is invalid, ctx is too large or memory runs out. */
nm_state *nm_state_new_ctx(const nm_model *m, int ctx, const char **err);
/* nm_state_new_ctx(m, 0, err). */
nm_state *nm_state_new(const nm_model *m, const char **err);
void nm_state_free(nm_state *s);
/* Bytes s really holds (KV caches, activations, scratch). */
nm_u64 nm_state_bytes(nm_state *s);

/* Checks the shape rules the forward pass relies on; nil when m is usable,
 * otherwise a one-line reason. */
const char *nm_model_check(const nm_model *m);

/* Runs token at position pos (0 <= pos < s->ctx, positions fed in order)
 * and returns the logits (vocab_size floats, owned by s), or nil when token
 * or pos is out of range. */
float *nm_forward(nm_state *s, const nm_model *m, const nm_exec *e, int token, int pos);

/* Runs tokens[0..T) at positions pos0..pos0+T-1 (1 <= T <= NM_BATCH)
 * through every layer, filling the KV cache, and leaves the final-normed
 * hidden states in s->x rows 0..T-1. -1 when a token or position is out of
 * range. nm_logits(s, m, e, t) then classifies row t into s->logits. */
int nm_forward_batch(nm_state *s, const nm_model *m, const nm_exec *e, const int *tokens, int T,
                     int pos0);
float *nm_logits(nm_state *s, const nm_model *m, const nm_exec *e, int t);

/* Prefill: tokens[0..n) at positions pos0.. in batches of NM_BATCH, the
 * KV cache left as n nm_forward calls leave it. on_logits (may be nil)
 * gets every position's logits, bit-identical to nm_forward's; without it
 * the classifier is skipped. -1 when a token or position is out of range. */
int nm_prefill(nm_state *s, const nm_model *m, const nm_exec *e, const int *tokens, int n, int pos0,
               void (*on_logits)(void *arg, int pos, const float *logits, int n), void *arg);

/* outs[i] = ws[i] x for the T token-major rows of x (each W's cols wide),
 * x quantized (into s->xq/s->xs, runq's rounding) once per run of Ws with
 * one group size; such a run goes to the pool in one dispatch. */
void nm_linear_batch(nm_state *s, const nm_exec *e, const float *x, int T, int count,
                     float *const *outs, const nm_tensor *const *ws);

/* Every Q8 matrix also in k's packed layout (kernel_table.h q8_pack) when
 * k has one, for nm_matmul_dispatch with k: same bits, faster. 0, or -1
 * when memory runs out (the rest then stays unpacked: slower, not wrong). */
int nm_model_pack(nm_model *m, const nm_kernel_table *k);

/* Weight bytes one decoded token reads with table k: every layer matrix
 * and the classifier as k's dispatch reads them (its packed layout where
 * the model was packed for k, the rest as stored), the f32 norms and biases. The
 * embedding row (1/vocab of a matrix) is left out. */
nm_u64 nm_model_read_bytes(const nm_model *m, const nm_kernel_table *k);

/* outs[i] = ws[i] x for T tokens in one pool dispatch; every W count <=
 * NM_LINEAR_MAX is ws[0]->cols wide and x is already quantized for the
 * quantized ones (one group size). */
enum { NM_LINEAR_MAX = 4 };
void nm_matmul_dispatch(const nm_exec *e, float *const *outs, const float *x, const nm_i8 *xq,
                        const float *xs, const nm_tensor *const *ws, int count, int T);

/* Row `row` of an embedding tensor (F32 copied, Q8 and GGUF blocks dequantized). */
void nm_embedding_row(float *out, const nm_tensor *t, int row);

/* Llama 3.1 scaled RoPE frequencies for head_size/2 pairs (docs/FORWARD.md). */
void nm_rope_scaled_freqs(float *freqs, int head_size, float theta, const nm_rope_scaling *rs);

#ifdef __cplusplus
}
#endif

#endif
