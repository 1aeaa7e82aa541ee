/*
 * kernel_table.h: one implementation of the hot kernels (scalar, or a SIMD
 * level from engine/simd/) behind function pointers, so the forward pass and
 * the conformance suite pick the implementation at run time.
 */
#ifndef NINEML_KERNEL_TABLE_H
#define NINEML_KERNEL_TABLE_H

#include "kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
	const char *name; /* "scalar", "sse2", "avx2", "avx512" */
	void (*rmsnorm)(float *out, const float *x, const float *w, int n, float eps);
	void (*softmax)(float *x, int n);
	/* Rows [r0, r1) of out = W x; W is d x n. Threads split row ranges. */
	void (*matmul_f32_rows)(float *out, const float *x, const float *w, int n, int r0, int r1);
	void (*matmul_q8_rows)(float *out, const nm_i8 *xq, const float *xs, const nm_i8 *wq,
	                       const float *ws, int n, int gs, int r0, int r1);
	void (*rope)(float *vec, int dim, int head_size, int pos, float theta);
	/* Heads [h0, h1) of nm_attention; att has n_heads*(pos+1) floats. */
	void (*attention_heads)(float *out, float *att, const float *q, const float *k_cache,
	                        const float *v_cache, int n_heads, int n_kv_heads, int head_size,
	                        int pos, int window, int h0, int h1);
	void (*swiglu)(float *hb, const float *hb2, int n);
	void (*residual_add)(float *x, const float *y, int n);
	/* Rows [r0, r1) of nm_matmul_q4_0 (x quantized with group 32). */
	void (*matmul_q4_0_rows)(float *out, const nm_i8 *xq, const float *xs, const nm_u8 *w,
	                         int n, int r0, int r1);
	/*
	 * Batched products for prefill: T tokens at once, x token-major (T x n;
	 * quantized: T x n int8 and T x n/gs scales), out token-major (T x d),
	 * rows [r0, r1). Each out[t*d + i] has the bits the row entry above
	 * gives for token t alone, so prefill and decode agree exactly.
	 */
	void (*matmul_f32_batch)(float *out, const float *x, const float *w, int n, int d, int T,
	                         int r0, int r1);
	void (*matmul_q8_batch)(float *out, const nm_i8 *xq, const float *xs, const nm_i8 *wq,
	                        const float *ws, int n, int d, int gs, int T, int r0, int r1);
	void (*matmul_q4_0_batch)(float *out, const nm_i8 *xq, const float *xs, const nm_u8 *w,
	                          int n, int d, int T, int r0, int r1);
	/* nm_q8_quantize (kernels.h): the activation quantizer of every Q8 and
	 * Q4_0 product; bit-exact with scalar at every level. */
	void (*q8_quantize)(nm_i8 *q, float *scales, const float *x, int n, int gs, int rounding);
	/* x[i] = expf(x[i]) in place: the exp softmax and SwiGLU use (libm's
	 * in scalar; simd/vexp.h's, within 1 ULP, in the SIMD levels). */
	void (*exp)(float *x, int n);
	/* nm_sample_argmax (kernels.h): the first maximum, NaN never wins;
	 * greedy decoding's whole sampler. */
	int (*argmax)(const float *x, int n);
	/*
	 * Optional (0/nil in levels without one): Q8 weights repacked once at
	 * load into the level's own layout (engine/model/pack.c). Panels of
	 * q8_pack_rows rows: q8_packed_size(n, d, gs) is the bytes of rows
	 * [0, d - d % q8_pack_rows) of a d x n matrix with group gs, 0 when the
	 * shape stays unpacked; q8_pack writes them; matmul_q8_packed_batch is
	 * matmul_q8_batch for rows [r0, r1) (multiples of q8_pack_rows) read
	 * from them, with the same bits.
	 */
	int q8_pack_rows;
	nm_i64 (*q8_packed_size)(int n, int d, int gs);
	void (*q8_pack)(void *dst, const nm_i8 *wq, const float *ws, int n, int d, int gs);
	void (*matmul_q8_packed_batch)(float *out, const nm_i8 *xq, const float *xs, const void *packed,
	                               int n, int d, int gs, int T, int r0, int r1);
	/*
	 * 16-bit float weights (NM_T_F16 IEEE half, NM_T_BF16 bfloat16) times
	 * an f32 x: matmul_f32_rows/batch with each weight widened exactly on
	 * the fly, in the level's f32 accumulation order, so a row's bits are
	 * the f32 entry's on the widened matrix (batch == rows as above).
	 */
	void (*matmul_f16_rows)(float *out, const float *x, const nm_u16 *w, int n, int r0, int r1);
	void (*matmul_bf16_rows)(float *out, const float *x, const nm_u16 *w, int n, int r0, int r1);
	void (*matmul_f16_batch)(float *out, const float *x, const nm_u16 *w, int n, int d, int T,
	                         int r0, int r1);
	void (*matmul_bf16_batch)(float *out, const float *x, const nm_u16 *w, int n, int d, int T,
	                          int r0, int r1);
	/*
	 * The other GGUF block types (kernels.h NM_BLK_*: Q5_0, Q5_1, Q2_K..Q6_K)
	 * times x quantized with group 32: one entry per form taking the type,
	 * so a level that speeds up some types hands the rest to scalar's
	 * nm_matmul_blocks. Rows [r0, r1) for one token, and the batch (T
	 * tokens, as above, the bits of the row entry per token).
	 */
	void (*matmul_blocks_rows)(int blk, float *out, const nm_i8 *xq, const float *xs,
	                           const nm_u8 *w, int n, int r0, int r1);
	void (*matmul_blocks_batch)(int blk, float *out, const nm_i8 *xq, const float *xs,
	                            const nm_u8 *w, int n, int d, int T, int r0, int r1);
} nm_kernel_table;

const nm_kernel_table *nm_kernels_scalar(void);

/*
 * Selection (docs/SIMD.md). Levels by name: "scalar", "sse2", "avx2",
 * "avx512". nm_kernels_by_name returns nil for an unknown name or a level
 * this build or CPU lacks. nm_kernels_best is the highest level the CPU
 * runs. nm_kernels_select(request) is what tools call: a non-nil request
 * (--simd) wins, else $NINEML_SIMD, else nm_kernels_best(); nil when the
 * requested level is unknown or not available here.
 */
const nm_kernel_table *nm_kernels_by_name(const char *name);
const nm_kernel_table *nm_kernels_best(void);
const nm_kernel_table *nm_kernels_select(const char *request);
/* Platform part: a SIMD level's table if compiled in and supported by the
 * CPU, else nil (engine/simd/cpu.c on x86 hosts, engine/port/nosimd.c elsewhere). */
const nm_kernel_table *nm_simd_table(const char *name);
/* 1 when name is the level name `level` (no libc: the 6c subset). */
int nm_level_is(const char *name, const char *level);

#ifdef __cplusplus
}
#endif

#endif
