/* ct_sampling: the samplers; out0 = i4[1], the chosen index.
 *	sample_argmax (x)
 *	sample_mult (p, coin[1])
 *	sample_topp (p, coin[1]; topp from the key)
 *	sample (logits, rng_state[1]; temperature and topp from the key) */
#include "ct.h"
#include "kernels.h"

const char *ct_program = "ct_sampling";

static int
done(CtCase *c, int index)
{
	CtArray *o = ct_output(c, "<i4", 1);
	if (o == nil)
		return -1;
	((nm_i32 *)o->data)[0] = index;
	return 0;
}

static int
topp_case(CtCase *c)
{
	CtArray *p = ct_input(c, "p", "<f4"), *coin = ct_input(c, "coin", "<f4");
	nm_prob_index *scratch;
	float topp;
	int g;

	if (p == nil || coin == nil || ct_param_float(c, "topp", &topp) < 0)
		return -1;
	if (coin->count != 1 || p->count < 1)
		return ct_fail(c, "bad input sizes");
	scratch = nm_alloc((nm_u64)p->count * sizeof(nm_prob_index));
	if (scratch == nil)
		return ct_fail(c, "out of memory");
	g = nm_sample_topp(p->data, (int)p->count, topp, scratch, ((float *)coin->data)[0]);
	nm_free(scratch);
	return done(c, g);
}

static int
sample_case(CtCase *c)
{
	CtArray *l = ct_input(c, "logits", "<f4"), *st = ct_input(c, "rng_state", "<u8");
	nm_prob_index *scratch;
	float *logits, temp, topp;
	nm_u64 state;
	int g;

	if (l == nil || st == nil || ct_param_float(c, "temperature", &temp) < 0 ||
	    ct_param_float(c, "topp", &topp) < 0)
		return -1;
	if (st->count != 1 || l->count < 1)
		return ct_fail(c, "bad input sizes");
	scratch = nm_alloc((nm_u64)l->count * sizeof(nm_prob_index));
	logits = nm_alloc((nm_u64)l->count * 4);
	if (scratch == nil || logits == nil) {
		nm_free(scratch);
		nm_free(logits);
		return ct_fail(c, "out of memory");
	}
	nm_memcpy(logits, l->data, (nm_u64)l->count * 4);
	state = ((nm_u64 *)st->data)[0];
	g = nm_sample(logits, (int)l->count, temp, topp, &state, scratch);
	nm_free(scratch);
	nm_free(logits);
	return done(c, g);
}

int
ct_run_case(CtCase *c)
{
	if (ct_streq(c->kernel, "sample_argmax")) {
		CtArray *x = ct_input(c, "x", "<f4");
		if (x == nil)
			return -1;
		if (x->count < 1)
			return ct_fail(c, "empty input");
		return done(c, ct_table()->argmax(x->data, (int)x->count));
	}
	if (ct_streq(c->kernel, "sample_mult")) {
		CtArray *p = ct_input(c, "p", "<f4"), *coin = ct_input(c, "coin", "<f4");
		if (p == nil || coin == nil)
			return -1;
		if (coin->count != 1 || p->count < 1)
			return ct_fail(c, "bad input sizes");
		return done(c, nm_sample_mult(p->data, (int)p->count, ((float *)coin->data)[0]));
	}
	if (ct_streq(c->kernel, "sample_topp"))
		return topp_case(c);
	if (ct_streq(c->kernel, "sample"))
		return sample_case(c);
	return ct_fail(c, "not a kernel of this program");
}
