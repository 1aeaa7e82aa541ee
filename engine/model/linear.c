/*
 * linear.c: out = W x for T token-major rows of x and any stored type of
 * W, quantizing x as runq does (group: W's group size; 32 for the GGUF
 * block types).
 * Tensors that read the same x (wq/wk/wv, w1/w3) share one quantization of
 * it and one pool dispatch when their quantization agrees.
 */
#include "model/forward.h"

static int
quant_group(const nm_tensor *w)
{
	if (w->type == NM_T_F32 || w->type == NM_T_F16 || w->type == NM_T_BF16)
		return 0; /* float x */
	if (w->type == NM_T_Q8)
		return w->group_size;
	return 32; /* Q4_0 and the other GGUF block types */
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
	int have_n = 0, have_gs = 0; /* what s->xq/s->xs hold x quantized for */

	for (int first = 0, end; first < count; first = end) {
		int n = ws[first]->cols, gs = 0;
		/* a run of Ws as wide as ws[first] that need at most one
		 * quantization of x: one dispatch */
		for (end = first; end < count && end - first < NM_LINEAR_MAX && ws[end]->cols == n; end++) {
			int g = quant_group(ws[end]);
			if (g != 0 && gs != 0 && g != gs)
				break;
			if (g != 0)
				gs = g;
		}
		if (gs != 0 && (gs != have_gs || n != have_n)) {
			quantize(s, e, x, T, n, gs);
			have_n = n;
			have_gs = gs;
		}
		nm_matmul_dispatch(e, outs + first, x, s->xq, s->xs, ws + first, end - first, T);
	}
}
