/*
 * kernels.h: the engine's scalar kernels, in llama2.c's operation order.
 * Every function here is portable C in the 6c subset (docs/PLAN9_SUBSET.md).
 * Semantics for special values (NaN, inf, empty inputs) are written next to
 * each function and mirrored by the reference; docs/KERNELS.md collects them.
 */
#ifndef NINEML_KERNELS_H
#define NINEML_KERNELS_H

#include "port/port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out[j] = w[j] * (ss * x[j]), ss = 1/sqrtf(sum(x^2)/n + eps); n >= 1. */
void nm_rmsnorm(float *out, const float *x, const float *w, int n, float eps);

/* In place: max subtracted, expf, float sum left to right, divide.
 * Any NaN or +inf input, or all inputs -inf, makes every output NaN;
 * -inf entries (masks) become exactly 0. */
void nm_softmax(float *x, int n);

/* out[i] = sum_j w[i*n + j] * x[j], j ascending, float accumulator; w is d x n. */
void nm_matmul_f32(float *out, const float *x, const float *w, int n, int d);

/* nm_matmul_f32 with 16-bit weights (IEEE half, bfloat16), each widened
 * exactly to float (nm_half_to_float, bf16 << 16) before its product: the
 * same float operations as nm_matmul_f32 on the widened matrix. */
void nm_matmul_f16(float *out, const float *x, const nm_u16 *w, int n, int d);
void nm_matmul_bf16(float *out, const float *x, const nm_u16 *w, int n, int d);

/* Pairwise RoPE on one vector of `dim` floats (dim even): for pair (i, i+1),
 * head_dim = i % head_size, freq = 1/powf(theta, head_dim/(float)head_size),
 * angle = pos * freq. The forward pass calls it for q (dim) and k (kv_dim). */
void nm_rope(float *vec, int dim, int head_size, int pos, float theta);
/* nm_rope with precomputed per-pair frequencies: pair (i, i+1) uses
 * freqs[(i % head_size) / 2] (head_size/2 entries) for angle = pos * freq. */
void nm_rope_freqs(float *vec, int dim, int head_size, int pos, const float *freqs);

/* Multi-head attention for one query position over a KV cache.
 * q: n_heads*head_size; k_cache, v_cache: (pos+1) rows of kv_dim =
 * n_kv_heads*head_size floats; head h reads kv head h / (n_heads/n_kv_heads).
 * Causal: t = start..pos with start = 0, or pos-window+1 when window > 0.
 * scores = dot(q_h, k_t) / sqrtf(head_size); softmax; out_h = sum_t a_t v_t
 * accumulated t ascending. att: scratch of n_heads*(pos+1) floats. */
void nm_attention(float *out, float *att, const float *q, const float *k_cache,
                  const float *v_cache, int n_heads, int n_kv_heads,
                  int head_size, int pos, int window);

/* Heads [h0, h1) of nm_attention (threads split heads; same bits). */
void nm_attention_heads(float *out, float *att, const float *q, const float *k_cache,
                        const float *v_cache, int n_heads, int n_kv_heads,
                        int head_size, int pos, int window, int h0, int h1);

/* x[i] = x[i] * (1/(1+expf(-x[i]))) */
void nm_silu(float *x, int n);
/* hb[i] = silu(hb[i]) * hb2[i] */
void nm_swiglu(float *hb, const float *hb2, int n);
/* x[i] += y[i] */
void nm_residual_add(float *x, const float *y, int n);

/* Q8_0 rounding of w/scale: the exporter rounds ties to even, runq's
 * activation quantizer rounds ties away from zero (C round()). */
enum { NM_ROUND_EVEN = 0, NM_ROUND_AWAY = 1 };

/* Per group of gs values (n % gs == 0): wmax = max|x|, scale = wmax/127,
 * q = round(x/scale). A group of zeros has scale 0 and q 0. A quotient that
 * is NaN (NaN input, or inf/inf) gives q = 0; it is clamped to [-127, 127]. */
void nm_q8_quantize(nm_i8 *q, float *scales, const float *x, int n, int gs,
                    int rounding);
/* out[i] = q[i] * scales[i/gs] */
void nm_q8_dequantize(float *out, const nm_i8 *q, const float *scales, int n,
                      int gs);
/* runq: out[i] = sum over groups g of ((float)ival_g * ws[g]) * xs[g], with
 * ival_g the int32 sum of int8 products in the group; w is d x n, n % gs == 0. */
void nm_matmul_q8(float *out, const nm_i8 *xq, const float *xs,
                  const nm_i8 *wq, const float *ws, int n, int d, int gs);

/* GGUF Q4_0 weights (d x n, row-major blocks of 32) times x quantized Q8
 * with group 32 (runq rounding): per block, ival = int32 sum of
 * (nibble - 8) * xq; val += ((float)ival * d_w) * xs[block], blocks left to
 * right, d_w the block's fp16 scale. n % 32 == 0. */
void nm_matmul_q4_0(float *out, const nm_i8 *xq, const float *xs, const nm_u8 *w,
                    int n, int d);

/* GGUF block dequantization; n is a multiple of 32 for the block types.
 * Q8_0 block: fp16 d, 32 int8 (x = d*q). Q4_0 block: fp16 d, 16 bytes, low
 * nibbles are elements 0..15, high nibbles 16..31, x = d*(q-8). */
void nm_dequant_q8_0(float *out, const nm_u8 *blocks, int n);
void nm_dequant_q4_0(float *out, const nm_u8 *blocks, int n);
/*
 * The GGUF block types beyond Q4_0/Q8_0 (docs/FORMATS.md has the layouts),
 * ggml's byte layouts and element order. NM_BLK_* index them in the order
 * of model.h's NM_T_Q5_0..NM_T_Q6_K (type - NM_T_Q5_0 is the index).
 * nm_block_elems: 32 or 256; nm_block_bytes: bytes per block; nm_block_name:
 * ggml's name ("Q4_K"); all three take a valid index.
 */
enum {
	NM_BLK_Q5_0, NM_BLK_Q5_1, NM_BLK_Q2_K, NM_BLK_Q3_K, NM_BLK_Q4_K, NM_BLK_Q5_K, NM_BLK_Q6_K,
	NM_BLK_COUNT
};
int nm_block_elems(int blk);
int nm_block_bytes(int blk);
const char *nm_block_name(int blk);
/* n values (a multiple of the block's elements) as ggml dequantizes them:
 * d1 = d*sc, m1 = dmin*m (floats), x = d1*q - m1 (Q5_1: d*q + m). */
void nm_dequant_blocks(int blk, float *out, const nm_u8 *blocks, int n);
/*
 * Block weights (d x n, row-major blocks) times x quantized Q8 with group 32
 * (runq rounding), for T tokens (x token-major: T x n int8, T x n/32
 * scales; out T x d), rows [r0, r1). Per 32-element group g of a row:
 * S = sum over its sub-blocks k of sc_k * (int32 sum of q_j * xq_j),
 * M = sum of m_k * (sum of xq_j), then
 *   no min (Q5_0, Q3_K, Q6_K): val += ((float)S * d) * xs[g]
 *   Q4_K, Q5_K, Q2_K:          val += ((float)S * d - (float)M * dmin) * xs[g]
 *   Q5_1:                      val += ((float)S * d + (float)M * m) * xs[g]
 * groups left to right; q and sc_k signed as docs/FORMATS.md lists them.
 * Every token's row has the bits of that token computed alone.
 */
void nm_matmul_blocks(int blk, float *out, const nm_i8 *xq, const float *xs, const nm_u8 *w,
                      int n, int d, int T, int r0, int r1);
/* GGUF block quantizers, llama.cpp's reference rules (docs/FORMATS.md);
 * n is a multiple of 32; the block scale d is stored as fp16 (nearest even).
 * Q8_0: amax = max|x|, d = amax/127, id = d ? 1/d : 0, q = round(x*id) with
 * ties away from zero (NaN -> 0). Q4_0: max = the signed element of largest
 * magnitude (first on ties, NaN skipped), d = max/-8, id = d ? 1/d : 0,
 * q = min(15, (int)(x*id + 8.5f)) clamped at 0 (NaN -> 8). */
void nm_q8_0_quantize(nm_u8 *blocks, const float *x, int n);
void nm_q4_0_quantize(nm_u8 *blocks, const float *x, int n);
/* Float to IEEE half, round to nearest even; overflow gives inf. */
nm_u16 nm_float_to_half(float x);

/* IEEE half and bfloat16 to float: exact, including subnormals, inf, NaN. */
void nm_f16_to_f32(float *out, const nm_u16 *in, int n);
void nm_bf16_to_f32(float *out, const nm_u16 *in, int n);
float nm_half_to_float(nm_u16 h);

/* llama2.c's xorshift* RNG. */
nm_u32 nm_random_u32(nm_u64 *state);
float nm_random_f32(nm_u64 *state);

/* Index of the first maximum; n >= 1. NaN entries never win. */
int nm_sample_argmax(const float *p, int n);
/* First index with coin < running cdf (float, ascending), else n-1. */
int nm_sample_mult(const float *p, int n, float coin);

typedef struct {
	float prob;
	int index;
} nm_prob_index;

/* Top-p (nucleus) sampling as in run.c. Candidates are p >= (1-topp)/(n-1),
 * ordered by probability descending, ties by lower index (a total order, so
 * every sort gives the same result). If no candidate passes the cutoff (only
 * possible when topp < 1/n) or n == 1, all entries are candidates.
 * scratch holds n entries. */
int nm_sample_topp(const float *p, int n, float topp, nm_prob_index *scratch,
                   float coin);

/* run.c's sample(): temperature 0 is argmax; otherwise logits /= temperature,
 * softmax, coin = random_f32, then multinomial (topp <= 0 or >= 1) or top-p.
 * logits is modified in place. */
int nm_sample(float *logits, int n, float temperature, float topp,
              nm_u64 *rng_state, nm_prob_index *scratch);

#ifdef __cplusplus
}
#endif

#endif
