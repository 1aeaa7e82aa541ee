/*
 * parallel.h: the kernel table's row- and head-range entries split across a
 * thread pool (port.h). Each row (head) is computed by exactly one task with
 * the table's per-row arithmetic, so the result has the same bits for every
 * pool size, including a nil pool (the calling thread alone). The
 * engine-scalar-tN conformance implementations check that on every case.
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
/* The batched entries (T tokens, token-major x and out; kernel_table.h). */
void nm_par_matmul_f32_batch(const nm_kernel_table *k, nm_pool *pool, float *out, const float *x,
                             const float *w, int n, int d, int T);
void nm_par_matmul_q8_batch(const nm_kernel_table *k, nm_pool *pool, float *out, const nm_i8 *xq,
                            const float *xs, const nm_i8 *wq, const float *ws, int n, int d,
                            int gs, int T);
void nm_par_matmul_q4_0_batch(const nm_kernel_table *k, nm_pool *pool, float *out,
                              const nm_i8 *xq, const float *xs, const nm_u8 *w, int n, int d,
                              int T);
/* nm_attention with heads split across the pool. */
void nm_par_attention(const nm_kernel_table *k, nm_pool *pool, float *out, float *att,
                      const float *q, const float *k_cache, const float *v_cache, int n_heads,
                      int n_kv_heads, int head_size, int pos, int window);

#ifdef __cplusplus
}
#endif

#endif
