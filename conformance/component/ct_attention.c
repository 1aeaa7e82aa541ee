/* ct_attention: attention cases (inputs q, k_cache, v_cache; output
 * out0 = f32[heads*head_size]). With threads:N (N > 1) the heads go
 * through the engine's pool dispatch with simd:LEVEL's table (heap buffers
 * only: Plan 9 workers do not see the stack); the bits are the same. */
#include "ct.h"
#include "kernels.h"
#include "parallel.h"

const char *ct_program = "ct_attention";

int
ct_run_case(CtCase *c)
{
	CtArray *q, *k, *v, *o;
	nm_i64 heads, kv, hs, pos, window;
	float *att;
	nm_pool *pool;

	if (!ct_streq(c->kernel, "attention"))
		return ct_fail(c, "not a kernel of this program");
	q = ct_input(c, "q", "<f4");
	k = ct_input(c, "k_cache", "<f4");
	v = ct_input(c, "v_cache", "<f4");
	if (q == nil || k == nil || v == nil || ct_param_int(c, "heads", &heads) < 0 ||
	    ct_param_int(c, "kv_heads", &kv) < 0 || ct_param_int(c, "head_size", &hs) < 0 ||
	    ct_param_int(c, "pos", &pos) < 0 || ct_param_int(c, "window", &window) < 0)
		return -1;
	if (kv < 1 || heads % kv != 0 || q->count != heads * hs || k->count != (pos + 1) * kv * hs ||
	    v->count != k->count)
		return ct_fail(c, "input sizes do not match the shape parameters");
	o = ct_output(c, "<f4", heads * hs);
	if (o == nil || ct_pool(c, &pool) < 0)
		return -1;
	att = nm_alloc((nm_u64)(heads * (pos + 1) * 4));
	if (att == nil)
		return ct_fail(c, "out of memory");
	nm_par_attention(ct_table(), pool, o->data, att, q->data, k->data, v->data, (int)heads,
	                 (int)kv, (int)hs, (int)pos, (int)window);
	nm_free(att);
	return 0;
}
