/* ct_rope: rope cases (input vec; output out0 = f32[dim], rotated in place). */
#include "ct.h"
#include "kernels.h"

const char *ct_program = "ct_rope";

int
ct_run_case(CtCase *c)
{
	CtArray *v, *o;
	nm_i64 hs, pos;
	float theta;

	if (!ct_streq(c->kernel, "rope"))
		return ct_fail(c, "not a kernel of this program");
	v = ct_input(c, "vec", "<f4");
	if (v == nil || ct_param_int(c, "head_size", &hs) < 0 || ct_param_int(c, "pos", &pos) < 0 ||
	    ct_param_float(c, "theta", &theta) < 0)
		return -1;
	o = ct_output(c, "<f4", v->count);
	if (o == nil)
		return -1;
	nm_memcpy(o->data, v->data, (nm_u64)(v->count * 4));
	ct_table()->rope(o->data, (int)v->count, (int)hs, (int)pos, theta);
	return 0;
}
