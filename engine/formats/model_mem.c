/* model_mem.c: allocations and file views owned by an nm_model (or by a
 * parse, until the model takes its views), and releasing them. */
#include "formats/build.h"
#include "formats/text.h"
#include "kernels.h"

void *
nm_model_own(nm_model *m, nm_u64 bytes)
{
	if (m->n_owned == m->cap_owned) {
		int ncap = m->cap_owned == 0 ? 64 : m->cap_owned * 2;
		void **o = nm_alloc((nm_u64)ncap * sizeof(void *));
		if (o == nil)
			return nil;
		if (m->owned != nil) {
			nm_memcpy(o, m->owned, (nm_u64)m->n_owned * sizeof(void *));
			nm_free(m->owned);
		}
		m->owned = o;
		m->cap_owned = ncap;
	}
	void *p = nm_alloc(bytes);
	if (p != nil)
		m->owned[m->n_owned++] = p;
	return p;
}

void
nm_model_free(nm_model *m)
{
	for (int i = 0; i < m->n_owned; i++)
		nm_free(m->owned[i]);
	nm_free(m->owned);
	nm_views_close(&m->views);
	nm_memset(m, 0, sizeof *m);
}

nm_u64
nm_model_bytes(const nm_model *m)
{
	nm_u64 bytes = nm_alloc_size(m->owned) + nm_alloc_size(m->views.v);

	for (int i = 0; i < m->n_owned; i++)
		bytes += nm_alloc_size(m->owned[i]);
	for (int i = 0; i < m->views.n; i++)
		if (m->views.v[i].mapped)	/* a heap copy is an nm_alloc block, counted above */
			bytes += m->views.v[i].len;
	return bytes;
}

int
nm_views_open(nm_views *vs, const char *path, const nm_u8 **data, nm_u64 *len, char *err, int errlen)
{
	if (vs->n == vs->cap) {
		int ncap = vs->cap == 0 ? 4 : vs->cap * 2;
		nm_file_view *v = nm_alloc((nm_u64)ncap * sizeof(nm_file_view));
		if (v == nil) {
			nm_err(err, errlen, path, "out of memory");
			return -1;
		}
		if (vs->v != nil) {
			nm_memcpy(v, vs->v, (nm_u64)vs->n * sizeof(nm_file_view));
			nm_free(vs->v);
		}
		vs->v = v;
		vs->cap = ncap;
	}
	if (nm_view_file(&vs->v[vs->n], path, err, errlen) != 0)
		return -1;
	*data = vs->v[vs->n].data;
	*len = vs->v[vs->n].len;
	vs->n++;
	return 0;
}

void
nm_views_close(nm_views *vs)
{
	for (int i = 0; i < vs->n; i++)
		nm_view_close(&vs->v[i]);
	nm_free(vs->v);
	nm_memset(vs, 0, sizeof *vs);
}

void
nm_model_drop(const nm_model *m, const void *p, nm_u64 n)
{
	for (int i = 0; i < m->views.n; i++)
		nm_view_drop(&m->views.v[i], p, n);
}

void
nm_model_drop_tensor(const nm_model *m, const nm_tensor *t)
{
	nm_u64 n = (nm_u64)t->rows * (nm_u64)t->cols;

	switch (t->type) {
	case NM_T_F32:
		nm_model_drop(m, t->f, n * sizeof(float));
		break;
	case NM_T_Q8:
		nm_model_drop(m, t->q, n);
		nm_model_drop(m, t->s, n / (nm_u64)t->group_size * sizeof(float));
		break;
	case NM_T_Q4_0:
		nm_model_drop(m, t->blocks, n / 32 * 18);
		break;
	case NM_T_F16:
	case NM_T_BF16:
		nm_model_drop(m, t->h, n * 2);
		break;
	default:
		if (t->type >= NM_T_Q5_0 && t->type <= NM_T_Q6_K)
			nm_model_drop(m, t->blocks, n / (nm_u64)nm_block_elems(t->type - NM_T_Q5_0) *
			                                (nm_u64)nm_block_bytes(t->type - NM_T_Q5_0));
		break;
	}
}
