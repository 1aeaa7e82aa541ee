/* linear.c: out = W x for a stored tensor, quantizing x as runq does. */
#include "model/forward.h"

void
nm_linear(nm_state *s, const nm_exec *e, float *out, const float *x, const nm_tensor *w)
{
	switch (w->type) {
	case NM_T_Q8:
		nm_q8_quantize(s->xq, s->xs, x, w->cols, w->group_size, NM_ROUND_AWAY);
		break;
	case NM_T_Q4_0:
		nm_q8_quantize(s->xq, s->xs, x, w->cols, 32, NM_ROUND_AWAY);
		break;
	}
	nm_matmul_dispatch(e, out, x, s->xq, s->xs, w);
}
