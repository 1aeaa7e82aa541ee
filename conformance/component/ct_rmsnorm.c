/* ct_rmsnorm: rmsnorm cases (inputs x, w; output out0 = f32[n]). */
#include "ct.h"
#include "kernels.h"

const char *ct_program = "ct_rmsnorm";

int
ct_run_case(CtCase *c)
{
	CtArray *x, *w, *o;

	if (!ct_streq(c->kernel, "rmsnorm"))
		return ct_fail(c, "not a kernel of this program");
	x = ct_input(c, "x", "<f4");
	w = ct_input(c, "w", "<f4");
	if (x == nil || w == nil)
		return -1;
	if (w->count != x->count || x->count < 1)
		return ct_fail(c, "x and w differ in length");
	o = ct_output(c, "<f4", x->count);
	if (o == nil)
		return -1;
	ct_table()->rmsnorm(o->data, x->data, w->data, (int)x->count, 1e-5f);
	return 0;
}
