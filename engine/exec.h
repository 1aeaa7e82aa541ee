/*
 * exec.h: how the forward pass executes its kernels: which kernel table
 * (scalar or a SIMD level) and which thread pool (nil: the calling thread).
 * engine/model/matmul_dispatch.c is the one place that splits work.
 */
#ifndef NINEML_EXEC_H
#define NINEML_EXEC_H

#include "kernel_table.h"

typedef struct {
	const nm_kernel_table *k;
	void *pool; /* nil: everything runs on the calling thread */
} nm_exec;

#endif
