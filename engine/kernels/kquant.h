/*
 * kquant.h: one GGUF block (kernels.h NM_BLK_*) unpacked into integers, the
 * common form the dequantizer and the product read: every type becomes
 * signed values q, a scale and a min per 16 elements and two fp16 factors,
 * so one loop serves all types and a block is decoded once per use.
 */
#ifndef NINEML_KQUANT_H
#define NINEML_KQUANT_H

#include "kernels.h"

enum { NM_KBLOCK_MAX = 256 };

typedef struct {
	int elems;              /* 32 or 256 */
	nm_i8 q[NM_KBLOCK_MAX]; /* Q5_0: q-16; Q6_K: q-32; Q3_K: low2 - (hmask bit ? 0 : 4) */
	nm_i32 sc[16];          /* per 16 elements: 1 (Q5_0/Q5_1), 6-bit, int8 (Q6_K), sc-32 (Q3_K) */
	nm_i32 m[16];           /* per 16 elements; 1 for Q5_1, unused without a min */
	float d, dm;            /* d; dmin (Q2_K, Q4_K, Q5_K) or m (Q5_1) */
	int min;                /* 0: no min term; -1: minus M*dmin; +1: plus M*m (Q5_1) */
} nm_kblock;

void nm_kblock_unpack(int blk, nm_kblock *u, const nm_u8 *b);

#endif
