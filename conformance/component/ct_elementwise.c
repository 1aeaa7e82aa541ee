/* ct_elementwise: silu (x), swiglu (hb, hb2) and residual_add (x, y) cases;
 * output out0 = f32[n], the first input updated in place. */
#include "ct.h"
#include "kernels.h"

const char *ct_program = "ct_elementwise";

int
ct_run_case(CtCase *c)
{
	CtArray *a, *b = nil, *o;
	int swiglu = ct_streq(c->kernel, "swiglu"), add = ct_streq(c->kernel, "residual_add");

	if (!swiglu && !add && !ct_streq(c->kernel, "silu"))
		return ct_fail(c, "not a kernel of this program");
	a = ct_input(c, swiglu ? "hb" : "x", "<f4");
	if (a == nil)
		return -1;
	if (swiglu || add) {
		b = ct_input(c, swiglu ? "hb2" : "y", "<f4");
		if (b == nil)
			return -1;
		if (b->count != a->count)
			return ct_fail(c, "inputs differ in length");
	}
	o = ct_output(c, "<f4", a->count);
	if (o == nil)
		return -1;
	nm_memcpy(o->data, a->data, (nm_u64)(a->count * 4));
	if (swiglu)
		ct_table()->swiglu(o->data, b->data, (int)a->count);
	else if (add)
		ct_table()->residual_add(o->data, b->data, (int)a->count);
	else
		nm_silu(o->data, (int)a->count);
	return 0;
}
