/*
 * linear.c: out = W x for T token-major rows of x and any stored type of
 * W, quantizing x as runq does (group: W's group size; 32 for Q4_0).
 * Tensors that read the same x (wq/wk/wv, w1/w3) share one quantization of
 * it and one pool dispatch when their quantization agrees.
 */
#include "model/forward.h"

static int
quant_group(const nm_tensor *w)
{
	if (w->type == NM_T_F32)
		return 0;
	return w->type == NM_T_Q4_0 ? 32 : w->group_size;
}

static void
quantize(nm_state *s, const nm_exec *e, const float *x, int T, int n, int gs)
{
	for (int t = 0; t < T; t++)
		e->k->q8_quantize(s->xq + (nm_i64)t * n, s->xs + (nm_i64)t * (n / gs), x + (nm_i64)t * n, n,
		                  gs, NM_ROUND_AWAY);
}

void
nm_linear_batch(nm_state *s, const nm_exec *e, const float *x, int T, int count, float *const *outs,
                const nm_tensor *const *ws)
{
	int first = 0, quantized = 0; /* group size s->xq holds x in, 0: none yet */

	for (int i = 0; i <= count; i++) {
		int gs = i < count ? quant_group(ws[i]) : 0;
		int other_n = i < count && i > first && ws[i]->cols != ws[first]->cols;
		if (other_n)
			quantized = 0;
		/* flush ws[first..i) before a full batch or a new quantization */
		if (i == count || i - first == NM_LINEAR_MAX || other_n || (gs != 0 && gs != quantized)) {
			if (i > first)
				nm_matmul_dispatch(e, outs + first, x, s->xq, s->xs, ws + first, i - first, T);
			first = i;
		}
		if (gs != 0 && gs != quantized) {
			quantize(s, e, x, T, ws[i]->cols, gs);
			quantized = gs;
		}
	}
}
