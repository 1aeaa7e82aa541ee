/* ct_softmax: softmax cases (input x; output out0 = f32[n], in place). */
#include "ct.h"
#include "kernels.h"

const char *ct_program = "ct_softmax";

int
ct_run_case(CtCase *c)
{
	CtArray *x, *o;

	if (!ct_streq(c->kernel, "softmax"))
		return ct_fail(c, "not a kernel of this program");
	x = ct_input(c, "x", "<f4");
	if (x == nil)
		return -1;
	o = ct_output(c, "<f4", x->count);
	if (o == nil)
		return -1;
	nm_memcpy(o->data, x->data, (nm_u64)(x->count * 4));
	ct_table()->softmax(o->data, (int)x->count);
	return 0;
}
