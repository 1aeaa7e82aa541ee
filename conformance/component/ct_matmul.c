/* ct_matmul: matmul_f32 cases (inputs x[n], w[d,n]; output out0 = f32[d])
 * and matmul_f16/matmul_bf16 ones (w: <u2, 16-bit floats as stored)
 * through simd:LEVEL's table (scalar by default). With threads:N (N > 1)
 * the rows go through the engine's pool dispatch (heap buffers only: Plan
 * 9 workers do not see the stack); the bits are the same. */
#include "ct.h"
#include "kernels.h"
#include "parallel.h"

const char *ct_program = "ct_matmul";

int
ct_run_case(CtCase *c)
{
	CtArray *x, *w, *o;
	nm_i64 n, d;
	nm_pool *pool;
	int half, bf16;

	half = ct_streq(c->kernel, "matmul_f16");
	bf16 = ct_streq(c->kernel, "matmul_bf16");
	if (!half && !bf16 && !ct_streq(c->kernel, "matmul_f32"))
		return ct_fail(c, "not a kernel of this program");
	x = ct_input(c, "x", "<f4");
	w = ct_input(c, "w", half || bf16 ? "<u2" : "<f4");
	if (x == nil || w == nil || ct_param_int(c, "n", &n) < 0 || ct_param_int(c, "d", &d) < 0)
		return -1;
	if (x->count != n || w->count != n * d)
		return ct_fail(c, "input sizes do not match d and n");
	o = ct_output(c, "<f4", d);
	if (o == nil || ct_pool(c, &pool) < 0)
		return -1;
	if (half)
		nm_par_matmul_f16(ct_table(), pool, o->data, x->data, w->data, (int)n, (int)d);
	else if (bf16)
		nm_par_matmul_bf16(ct_table(), pool, o->data, x->data, w->data, (int)n, (int)d);
	else
		nm_par_matmul_f32(ct_table(), pool, o->data, x->data, w->data, (int)n, (int)d);
	return 0;
}
