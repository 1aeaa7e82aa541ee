/* model_mem.c: allocations owned by an nm_model, and releasing them. */
#include "formats/build.h"

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
	nm_memset(m, 0, sizeof *m);
}
