/*
 * kernel_table.h: one implementation of the hot kernels (scalar, or a SIMD
 * level from engine/simd/) behind function pointers, so the forward pass and
 * the conformance suite pick the implementation at run time.
 */
#ifndef NINEML_KERNEL_TABLE_H
#define NINEML_KERNEL_TABLE_H

#include "kernels.h"

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
} nm_kernel_table;

const nm_kernel_table *nm_kernels_scalar(void);

#endif
