/* ct_q8: Q8_0 cases.
 *	q8_0_quantize (x): out0 = i8 q[n], out1 = f32 scales[n/gs]
 *	q8_0_dequantize (q, scales): out0 = f32[n]
 *	matmul_q8_0 (x, w): x quantized ties away, w ties even; out0 = f32[d]
 * through simd:LEVEL's table, the product on threads:N workers. */
#include "ct.h"
#include "kernels.h"
#include "parallel.h"

const char *ct_program = "ct_q8";

static int
quantize(CtCase *c)
{
	CtArray *x, *q, *s;
	nm_i64 gs;
	char r[8];
	int away;

	x = ct_input(c, "x", "<f4");
	if (x == nil || ct_param_int(c, "gs", &gs) < 0)
		return -1;
	/* The key says round=even or round=away. */
	if (ct_param_str(c, "round", r, sizeof r) < 0)
		return -1;
	if (ct_streq(r, "away"))
		away = 1;
	else if (ct_streq(r, "even"))
		away = 0;
	else
		return ct_fail(c, "round is neither even nor away");
	if (gs < 1 || x->count % gs != 0)
		return ct_fail(c, "n is not a multiple of gs");
	q = ct_output(c, "|i1", x->count);
	s = ct_output(c, "<f4", x->count / gs);
	if (q == nil || s == nil)
		return -1;
	ct_table()->q8_quantize(q->data, s->data, x->data, (int)x->count, (int)gs, away ? NM_ROUND_AWAY : NM_ROUND_EVEN);
	return 0;
}

static int
dequantize(CtCase *c)
{
	CtArray *q, *s, *o;
	nm_i64 gs;

	q = ct_input(c, "q", "|i1");
	s = ct_input(c, "scales", "<f4");
	if (q == nil || s == nil || ct_param_int(c, "gs", &gs) < 0)
		return -1;
	if (gs < 1 || q->count != s->count * gs)
		return ct_fail(c, "q and scales do not match gs");
	o = ct_output(c, "<f4", q->count);
	if (o == nil)
		return -1;
	nm_q8_dequantize(o->data, q->data, s->data, (int)q->count, (int)gs);
	return 0;
}

static int
matmul(CtCase *c)
{
	CtArray *x, *w, *o;
	nm_i64 n, d, gs;
	nm_i8 *xq, *wq;
	float *xs, *ws;
	nm_pool *pool;

	x = ct_input(c, "x", "<f4");
	w = ct_input(c, "w", "<f4");
	if (x == nil || w == nil || ct_param_int(c, "n", &n) < 0 || ct_param_int(c, "d", &d) < 0 ||
	    ct_param_int(c, "gs", &gs) < 0)
		return -1;
	if (x->count != n || w->count != n * d || gs < 1 || n % gs != 0)
		return ct_fail(c, "input sizes do not match d, n and gs");
	o = ct_output(c, "<f4", d);
	if (o == nil || ct_pool(c, &pool) < 0)
		return -1;
	xq = nm_alloc((nm_u64)n);
	wq = nm_alloc((nm_u64)(n * d));
	xs = nm_alloc((nm_u64)(n / gs * 4));
	ws = nm_alloc((nm_u64)(n * d / gs * 4));
	if (xq == nil || wq == nil || xs == nil || ws == nil) {
		ct_fail(c, "out of memory");
	} else {
		ct_table()->q8_quantize(xq, xs, x->data, (int)n, (int)gs, NM_ROUND_AWAY);
		ct_table()->q8_quantize(wq, ws, w->data, (int)(n * d), (int)gs, NM_ROUND_EVEN);
		nm_par_matmul_q8(ct_table(), pool, o->data, xq, xs, wq, ws, (int)n, (int)d, (int)gs);
	}
	nm_free(xq);
	nm_free(wq);
	nm_free(xs);
	nm_free(ws);
	return c->error[0] ? -1 : 0;
}

int
ct_run_case(CtCase *c)
{
	if (ct_streq(c->kernel, "q8_0_quantize"))
		return quantize(c);
	if (ct_streq(c->kernel, "q8_0_dequantize"))
		return dequantize(c);
	if (ct_streq(c->kernel, "matmul_q8_0"))
		return matmul(c);
	return ct_fail(c, "not a kernel of this program");
}
