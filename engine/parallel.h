/*
 * parallel.h: the kernel table's row- and head-range entries split across a
 * thread pool (port.h). Each row (head) is computed by exactly one task with
 * the table's per-row arithmetic, so the result has the same bits for every
 * pool size, including a nil pool (the calling thread alone). The
 * engine-scalar-tN conformance implementations check that on every case.
 *
 * With a pool of more than one worker, everything the arguments point to
 * (the table, the vectors, the weights, the outputs) must be in the heap or
 * in static storage, never on a stack: Plan 9's workers do not share the
 * caller's stack (port.h, "The job block"). The functions' own job blocks,
 * and the nm_par_product array, are copied into the pool's storage.
 */
#ifndef NINEML_PARALLEL_H
#define NINEML_PARALLEL_H

#include "kernel_table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out = W x, W d x n (f32). */
void nm_par_matmul_f32(const nm_kernel_table *k, nm_pool *pool, float *out, const float *x,
                       const float *w, int n, int d);
/* runq Q8 matmul: W d x n int8 with d*(n/gs) scales, x quantized with gs. */
void nm_par_matmul_q8(const nm_kernel_table *k, nm_pool *pool, float *out, const nm_i8 *xq,
                      const float *xs, const nm_i8 *wq, const float *ws, int n, int d, int gs);
/* GGUF Q4_0 weights (d rows of n/32 blocks) times x quantized with group 32. */
void nm_par_matmul_q4_0(const nm_kernel_table *k, nm_pool *pool, float *out, const nm_i8 *xq,
                        const float *xs, const nm_u8 *w, int n, int d);
/* The other GGUF block types (kernels.h NM_BLK_*), d rows of n/elems blocks,
 * times x quantized with group 32. */
void nm_par_matmul_blocks(const nm_kernel_table *k, nm_pool *pool, int blk, float *out,
                          const nm_i8 *xq, const float *xs, const nm_u8 *w, int n, int d);
/* 16-bit float weights (IEEE half; bfloat16), d x n, times an f32 x. */
void nm_par_matmul_f16(const nm_kernel_table *k, nm_pool *pool, float *out, const float *x,
                       const nm_u16 *w, int n, int d);
void nm_par_matmul_bf16(const nm_kernel_table *k, nm_pool *pool, float *out, const float *x,
                        const nm_u16 *w, int n, int d);
/*
 * Batched products (T tokens, token-major x and out; kernel_table.h), in
 * kernels/par_products.c. One call runs several products that read the same
 * x in one pool dispatch: x (T x n floats) for the f32 ones, its
 * quantization xq/xs (one group size) for the quantized ones.
 */
enum { NM_PAR_F32, NM_PAR_Q8, NM_PAR_Q4_0, NM_PAR_F16, NM_PAR_BF16, NM_PAR_BLOCKS };
enum { NM_PAR_MAX = 4 }; /* products per dispatch; more are split */
typedef struct {
	int type; /* NM_PAR_* */
	float *out; /* T x d */
	int d;
	const float *w;                /* f32: d x n */
	const nm_i8 *wq;               /* q8: d x n int8, d x n/gs scales, group gs */
	const float *ws;
	int gs;
	const void *packed;            /* q8: the table's q8_pack of wq/ws, or nil */
	const nm_u8 *blocks;           /* q4_0, blocks: d rows of blocks */
	int blk;                       /* blocks: the block type (kernels.h NM_BLK_*) */
	const nm_u16 *h;               /* f16, bf16: d x n 16-bit floats (read with x) */
} nm_par_product;
void nm_par_matmul_products(const nm_kernel_table *k, nm_pool *pool, const float *x,
                            const nm_i8 *xq, const float *xs, int n, int T,
                            const nm_par_product *p, int count);
/* One product of each kind. */
void nm_par_matmul_f32_batch(const nm_kernel_table *k, nm_pool *pool, float *out, const float *x,
                             const float *w, int n, int d, int T);
/* packed: k's q8_pack of the same W, or nil (the panels go through
 * matmul_q8_packed_batch, the rows past the last one through wq/ws). */
void nm_par_matmul_q8_batch(const nm_kernel_table *k, nm_pool *pool, float *out, const nm_i8 *xq,
                            const float *xs, const nm_i8 *wq, const float *ws, const void *packed,
                            int n, int d, int gs, int T);
void nm_par_matmul_q4_0_batch(const nm_kernel_table *k, nm_pool *pool, float *out,
                              const nm_i8 *xq, const float *xs, const nm_u8 *w, int n, int d,
                              int T);
void nm_par_matmul_blocks_batch(const nm_kernel_table *k, nm_pool *pool, int blk, float *out,
                                const nm_i8 *xq, const float *xs, const nm_u8 *w, int n, int d,
                                int T);
/* 16-bit float weights (NM_PAR_F16: IEEE half; NM_PAR_BF16: bfloat16). */
void nm_par_matmul_f16_batch(const nm_kernel_table *k, nm_pool *pool, float *out, const float *x,
                             const nm_u16 *w, int n, int d, int T);
void nm_par_matmul_bf16_batch(const nm_kernel_table *k, nm_pool *pool, float *out, const float *x,
                              const nm_u16 *w, int n, int d, int T);
/* nm_attention with heads split across the pool. */
void nm_par_attention(const nm_kernel_table *k, nm_pool *pool, float *out, float *att,
                      const float *q, const float *k_cache, const float *v_cache, int n_heads,
                      int n_kv_heads, int head_size, int pos, int window);

#ifdef __cplusplus
}
#endif

#endif
