/*
 * linear.c: out = W x for T token-major rows of x and any stored type of
 * W, quantizing x as runq does (group: W's group size; 32 for Q4_0). Tensors
 * that read the same x (wq/wk/wv, w1/w3) share one quantization of it.
 */
#include "model/forward.h"

static int
quant_group(const nm_tensor *w)
{
	return w->type == NM_T_Q4_0 ? 32 : w->group_size;
}

static void
quantize(nm_state *s, const nm_exec *e, const float *x, int T, const nm_tensor *w)
{
	int n = w->cols, gs = quant_group(w);

	for (int t = 0; t < T; t++)
		e->k->q8_quantize(s->xq + (nm_i64)t * n, s->xs + (nm_i64)t * (n / gs), x + (nm_i64)t * n, n,
		                  gs, NM_ROUND_AWAY);
}

void
nm_linear_batch(nm_state *s, const nm_exec *e, const float *x, int T, int count, float *const *outs,
                const nm_tensor *const *ws)
{
	const nm_tensor *quantized_for = nil;

	for (int i = 0; i < count; i++) {
		const nm_tensor *w = ws[i];
		if (w->type != NM_T_F32 &&
		    (quantized_for == nil || quant_group(quantized_for) != quant_group(w) ||
		     quantized_for->cols != w->cols)) {
			quantize(s, e, x, T, w);
			quantized_for = w;
		}
		nm_matmul_dispatch(e, outs[i], x, s->xq, s->xs, w, T);
	}
}
