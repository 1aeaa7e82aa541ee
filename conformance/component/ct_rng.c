/* ct_rng: the xorshift* RNG (seed: u64[1]): out0 = u32[n] from random_u32,
 * out1 = f32[n] from random_f32, continuing the same state. */
#include "ct.h"
#include "kernels.h"

const char *ct_program = "ct_rng";

int
ct_run_case(CtCase *c)
{
	CtArray *seed, *u, *f;
	nm_i64 n, i;
	nm_u64 state;

	if (!ct_streq(c->kernel, "rng"))
		return ct_fail(c, "not a kernel of this program");
	seed = ct_input(c, "seed", "<u8");
	if (seed == nil || ct_param_int(c, "n", &n) < 0)
		return -1;
	if (seed->count != 1)
		return ct_fail(c, "seed is not one value");
	u = ct_output(c, "<u4", n);
	f = ct_output(c, "<f4", n);
	if (u == nil || f == nil)
		return -1;
	state = ((nm_u64 *)seed->data)[0];
	for (i = 0; i < n; i++)
		((nm_u32 *)u->data)[i] = nm_random_u32(&state);
	for (i = 0; i < n; i++)
		((float *)f->data)[i] = nm_random_f32(&state);
	return 0;
}
