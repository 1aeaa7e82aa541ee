/*
 * ct.h: the component-test programs' shared interface (portable C, 6c subset).
 *
 * Every program is run as
 *	PROGRAM LIST IN_DIR OUT_DIR [fault:KIND] [threads:N]
 * LIST has one case per line: "ID KEY FILE..." where each FILE is an input
 * in IN_DIR named "ID-NAME.npy" (NAME is the kernel's input name). Outputs go
 * to OUT_DIR/ID-outK.npy (K = 0, 1, ...), each a .npy file followed by the
 * 32-byte trailer of docs/VMHARNESS.md. One line per case goes to standard
 * output ("ok ID" or "fail ID: reason"); the exit status is 0 when every case
 * ran, 1 when one failed, 2 on a usage or list-file error. threads:N
 * (1..64; the optional arguments in either order) makes the programs that
 * have a parallel form (ct_matmul, ct_attention) run their kernel through
 * the engine's pool dispatch (parallel.h) on N workers; the others ignore it.
 * simd:LEVEL runs the kernels that have a kernel-table entry through that
 * level (nm_kernels_by_name: "scalar", "sse2", ..., "plan9-sse2"; exit 2
 * when it is not available here); ulp:KERNEL moves the first element of
 * every float output of KERNEL's cases by one ULP (fault injection).
 */
#ifndef NINEML_CT_H
#define NINEML_CT_H

#include "port/port.h"
#include "kernel_table.h"

#define CT_MAX_DIMS 4
#define CT_MAX_INPUTS 8
#define CT_MAX_OUTPUTS 4
#define CT_TRAILER_BYTES 32

typedef struct {
	char name[32];
	char dtype[8];	/* "<f4", "|i1", "|u1", "<u2", "<u4", "<i4", "<u8" */
	int ndim;
	nm_i64 shape[CT_MAX_DIMS];
	nm_i64 count;
	int esize;
	void *data;	/* nm_alloc'd, aligned for the element type */
} CtArray;

typedef struct {
	char id[32];
	char key[256];
	char kernel[64];
	int ninputs;
	CtArray inputs[CT_MAX_INPUTS];
	int noutputs;
	CtArray outputs[CT_MAX_OUTPUTS];
	char error[160];
} CtCase;

/* Provided by each program: its name and the computation of one case. It
 * returns 0 on success, or sets c->error (ct_fail) and returns -1. */
extern const char *ct_program;
int ct_run_case(CtCase *c);

/* The driver (ct_driver.c); port/ calls it from main. */
int ct_main(int argc, char **argv);

/* The pool of threads:N: *pool is nil without threads:N or with threads:1
 * (run the kernel directly then), else the pool of N workers, started at
 * the first call and stopped by the driver before it returns. -1 (and
 * c->error set) if the workers cannot be started. */
int ct_pool(CtCase *c, nm_pool **pool);

/* simd:LEVEL's table, the scalar table without it. */
const nm_kernel_table *ct_table(void);

/* Inputs by name with the expected dtype; nil (and c->error set) if absent. */
CtArray *ct_input(CtCase *c, const char *name, const char *dtype);
/* A new output of `count` elements; nil (and c->error set) on failure. */
CtArray *ct_output(CtCase *c, const char *dtype, nm_i64 count);
/* Shape parameters from the key ("kernel/a=1,b=2/dist/seed=S"). */
int ct_param_str(CtCase *c, const char *name, char *buf, int cap);
int ct_param_int(CtCase *c, const char *name, nm_i64 *out);
int ct_param_float(CtCase *c, const char *name, float *out);
int ct_fail(CtCase *c, const char *why);
int ct_streq(const char *a, const char *b);

/* .npy with trailer (ct_npy.c). */
int ct_npy_parse(CtArray *a, const nm_u8 *bytes, nm_i64 len);
nm_u8 *ct_npy_encode(const CtArray *a, nm_i64 *len);	/* npy + trailer */
nm_u64 ct_fnv1a64(const nm_u8 *p, nm_i64 n);
int ct_dtype_size(const char *dtype);

/* Platform (port/posix.c, port/plan9.c). */
nm_u8 *ct_read_file(const char *path, nm_i64 *len);	/* nm_alloc'd or nil */
int ct_write_file(const char *path, const nm_u8 *p, nm_i64 len);	/* 0 or -1 */
void ct_puts(const char *s);	/* to standard output, as is */
void ct_crash(void);	/* dies by a memory fault */
void ct_hang(void);	/* never returns */

#endif
