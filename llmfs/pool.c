/*
 * pool.c: the models llmfs keeps in memory. Least recently used first out,
 * among models no session holds and that are not the default; limits on
 * count and bytes, where bytes are what the process really holds for a
 * model (nm_model_bytes: allocations and mapped weights; its vocabulary)
 * plus the KV caches and scratch of running generations. The server lock
 * is held for every function but lf_model_open/lf_model_close.
 */
#include "internal.h"
#include "formats/formats.h"

lf_model *
lf_model_open(const char *path, const char *tok, const nm_kernel_table *k, char *err, int errlen)
{
	lf_model *e;
	char why[LF_ERRLEN];
	nm_text t;

	e = nm_alloc(sizeof *e);
	if (e == nil) {
		nm_err(err, errlen, path, "out of memory");
		return nil;
	}
	nm_strlcpy(e->path, path, sizeof e->path);
	if (nm_model_load(&e->m, path, err, errlen) != 0) {
		nm_free(e);
		return nil;
	}
	if (nm_streq(tok, "-")) {
		if (nm_vocab_from_model(&e->v, &e->m, why, sizeof why) != 0) {
			nm_err(err, errlen, path, "has no vocabulary of its own; name a tokenizer instead of -");
			goto fail;
		}
	} else if (nm_vocab_from_file(&e->v, tok, 0, err, errlen) != 0) {
		goto fail;
	} else if (e->v.n != e->m.cfg.vocab_size) {
		nm_text_init(&t, err, errlen);
		nm_text_str(&t, tok);
		nm_text_str(&t, ": the tokenizer has ");
		nm_text_i64(&t, e->v.n);
		nm_text_str(&t, " tokens, the model's vocab_size is ");
		nm_text_i64(&t, e->m.cfg.vocab_size);
		goto fail;
	}
	/* as `9ml run` does for its table, so the products are the same */
	if (nm_model_pack(&e->m, k) != 0) {
		nm_err(err, errlen, path, "out of memory packing the Q8 weights");
		goto fail;
	}
	e->bytes = nm_alloc_size(e) + nm_model_bytes(&e->m) + nm_vocab_bytes(&e->v);
	return e;
fail:
	nm_vocab_free(&e->v);
	nm_model_free(&e->m);
	nm_free(e);
	return nil;
}

void
lf_model_close(lf_model *e)
{
	if (e == nil)
		return;
	nm_vocab_free(&e->v);
	nm_model_free(&e->m);
	nm_free(e);
}

lf_model *
lf_pool_find(lf_pool *p, const char *name)
{
	lf_model *e;

	for (e = p->models; e != nil; e = e->next)
		if (nm_streq(e->name, name))
			return e;
	return nil;
}

nm_u64
lf_pool_bytes(const lf_pool *p)
{
	nm_u64 n = p->cache_bytes;
	lf_model *e;

	for (e = p->models; e != nil; e = e->next)
		n += e->bytes;
	return n;
}

void
lf_pool_touch(lf_pool *p, lf_model *e)
{
	e->used = ++p->clock;
}

static int
evictable(lf_model *e)
{
	return e->refs == 0 && !e->pinned;
}

/* The evictable model used longest ago that is not marked, or nil. */
static lf_model *
oldest(lf_pool *p, const lf_model *const *marked, int nmarked)
{
	lf_model *e, *best = nil;
	int i, skip;

	for (e = p->models; e != nil; e = e->next) {
		if (!evictable(e))
			continue;
		skip = 0;
		for (i = 0; i < nmarked; i++)
			if (marked[i] == e)
				skip = 1;
		if (!skip && (best == nil || e->used < best->used))
			best = e;
	}
	return best;
}

static void
unlink_model(lf_pool *p, lf_model *e)
{
	lf_model **pp;

	for (pp = &p->models; *pp != nil; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			p->count--;
			return;
		}
}

enum { MAXEVICT = 256 };

/*
 * Makes room for add_models more models and add_bytes more bytes under
 * limits (max_models, max_bytes), evicting least recently used models, or
 * changes nothing and explains why in err. cmd leads the message.
 */
static int
make_room(lf_pool *p, int add_models, nm_u64 add_bytes, int max_models, nm_u64 max_bytes,
          const char *cmd, char *err, int errlen)
{
	const lf_model *victims[MAXEVICT];
	int n = 0, count = p->count + add_models, i;
	nm_u64 bytes = lf_pool_bytes(p) + add_bytes;
	lf_model *e;
	nm_text t;

	while ((count > max_models || (max_bytes > 0 && bytes > max_bytes)) && n < MAXEVICT) {
		e = oldest(p, victims, n);
		if (e == nil)
			break;
		victims[n++] = e;
		count--;
		bytes -= e->bytes;
	}
	if (count > max_models || (max_bytes > 0 && bytes > max_bytes)) {
		nm_text_init(&t, err, errlen);
		nm_text_str(&t, cmd);
		if (count > max_models) {
			nm_text_str(&t, ": the pool limit is ");
			nm_text_i64(&t, max_models);
			nm_text_str(&t, max_models == 1 ? " model" : " models");
			nm_text_str(&t, " and no loaded model can be evicted (each is in use by a session or the default)");
		} else {
			nm_text_str(&t, ": needs ");
			nm_text_u64(&t, bytes);
			nm_text_str(&t, " bytes with every idle model evicted, over the pool limit of ");
			nm_text_u64(&t, max_bytes);
			nm_text_str(&t, " bytes");
		}
		return -1;
	}
	for (i = 0; i < n; i++) {
		e = (lf_model *)victims[i];
		unlink_model(p, e);
		lf_model_close(e);
	}
	return 0;
}

int
lf_pool_insert(lf_pool *p, lf_model *e, const char *cmd, char *err, int errlen)
{
	if (lf_pool_find(p, e->name) != nil) {
		nm_text t;

		nm_text_init(&t, err, errlen);
		nm_text_str(&t, cmd);
		nm_text_str(&t, ": a model named ");
		nm_text_str(&t, e->name);
		nm_text_str(&t, " is loaded (pool-unload it first)");
		return -1;
	}
	if (make_room(p, 1, e->bytes, p->max_models, p->max_bytes, cmd, err, errlen) != 0)
		return -1;
	e->next = p->models;
	p->models = e;
	p->count++;
	lf_pool_touch(p, e);
	return 0;
}

lf_model *
lf_pool_remove(lf_pool *p, const char *name, const char *cmd, char *err, int errlen)
{
	lf_model *e = lf_pool_find(p, name);
	nm_text t;

	nm_text_init(&t, err, errlen);
	if (e == nil) {
		nm_text_str(&t, cmd);
		nm_text_str(&t, ": no model named ");
		nm_text_str(&t, name);
		nm_text_str(&t, " in the pool");
		return nil;
	}
	if (e->refs > 0) {
		/* the caller names the session (it knows them) */
		nm_text_str(&t, cmd);
		nm_text_str(&t, ": in use");
		return nil;
	}
	unlink_model(p, e);
	return e;
}

int
lf_pool_set_limit(lf_pool *p, int max_models, nm_u64 max_bytes, char *err, int errlen)
{
	if (make_room(p, 0, 0, max_models, max_bytes, "pool-limit", err, errlen) != 0)
		return -1;
	p->max_models = max_models;
	p->max_bytes = max_bytes;
	return 0;
}

int
lf_pool_reserve(lf_pool *p, nm_u64 extra, char *err, int errlen)
{
	return make_room(p, 0, extra, p->max_models, p->max_bytes, "generate", err, errlen);
}

void
lf_pool_list(lf_pool *p, nm_text *t)
{
	const lf_model *done[MAXEVICT];
	int n = 0, i, skip;
	lf_model *e, *best;

	/* most recent first: repeatedly the newest not yet listed */
	for (;;) {
		best = nil;
		for (e = p->models; e != nil; e = e->next) {
			skip = 0;
			for (i = 0; i < n; i++)
				if (done[i] == e)
					skip = 1;
			if (!skip && (best == nil || e->used > best->used))
				best = e;
		}
		if (best == nil || n == MAXEVICT)
			break;
		if (n > 0)
			nm_text_str(t, ",");
		nm_text_str(t, best->name);
		done[n++] = best;
	}
}
