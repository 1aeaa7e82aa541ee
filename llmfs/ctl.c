/*
 * ctl.c: the server object and its ctl commands (load, unload, pool-load,
 * pool-unload, pool-limit). A failed command changes nothing. Loading reads
 * only below the --models folders, after symlinks and ".." are resolved.
 */
#include "internal.h"

void
lf_limits_default(lf_limits *lim)
{
	lim->max_sessions = 64;
	lim->max_prompt = 1 << 20;
	lim->max_steps = 1 << 16;
	lim->msize = 65536 + LF_IOHDRSZ;
	lim->max_models = 8;
	lim->max_bytes = 0;
	lim->max_connections = 32;
	lim->threads = 1;
}

lf_server *
lf_server_new(const lf_limits *lim, char *err, int errlen)
{
	lf_server *s = nm_alloc(sizeof *s);

	if (s == nil)
		goto oom;
	s->lim = *lim;
	if (s->lim.msize < LF_MINMSIZE || s->lim.max_models < 1 || s->lim.max_sessions < 1) {
		nm_err(err, errlen, "llmfs", "bad limits (msize >= 256, at least one model and one session)");
		nm_free(s);
		return nil;
	}
	s->k = nm_kernels_select(nil);
	if (s->k == nil)
		s->k = nm_kernels_scalar();
	s->pool.max_models = lim->max_models;
	s->pool.max_bytes = lim->max_bytes;
	s->next_id = 1;
	s->lk = nm_lock_new();
	s->changed = s->lk != nil ? nm_cond_new(s->lk) : nil;
	s->wbuf = nm_alloc(s->lim.msize);
	if (s->changed == nil || s->wbuf == nil) {
		nm_cond_free(s->changed);
		nm_lock_free(s->lk);
		nm_free(s->wbuf);
		nm_free(s);
		goto oom;
	}
	return s;
oom:
	nm_err(err, errlen, "llmfs", "out of memory");
	return nil;
}

void
lf_server_free(lf_server *s)
{
	lf_model *e;

	if (s == nil)
		return;
	nm_lock_acquire(s->lk);
	while (s->sessions != nil)
		lf_session_close(s, s->sessions);
	while (s->running > 0)
		nm_cond_wait(s->changed);
	while ((e = s->pool.models) != nil) {
		s->pool.models = e->next;
		lf_model_close(e);
	}
	nm_lock_release(s->lk);
	nm_cond_free(s->changed);
	nm_lock_free(s->lk);
	nm_free(s->wbuf);
	nm_free(s);
}

int
lf_server_allow(lf_server *s, const char *dir, char *err, int errlen)
{
	if (s->ndirs == LF_MAXDIRS) {
		nm_err(err, errlen, dir, "too many --models folders (16 at most)");
		return -1;
	}
	if (nm_real_path(dir, s->dirs[s->ndirs], LF_PATHLEN, err, errlen) != 0)
		return -1;
	s->ndirs++;
	return 0;
}

int
lf_pool_count(lf_server *s)
{
	int n;

	nm_lock_acquire(s->lk);
	n = s->pool.count;
	nm_lock_release(s->lk);
	return n;
}

nm_u64
lf_pool_memory(lf_server *s)
{
	nm_u64 n;

	nm_lock_acquire(s->lk);
	n = lf_pool_bytes(&s->pool);
	nm_lock_release(s->lk);
	return n;
}

/* path below dir: dir itself, then "/" (dir "/" takes everything) */
static int
below(const char *path, const char *dir)
{
	int n = nm_strlen(dir);

	if (n == 1 && dir[0] == '/')
		return path[0] == '/';
	return nm_memeq_str((const nm_u8 *)path, (nm_u64)n, dir) && path[n] == '/';
}

/* The resolved path of a file a command may read, into out: 0, or -1 and err. */
static int
confine(lf_server *s, const char *cmd, const char *path, char *out, char *err, int errlen)
{
	char why[LF_ERRLEN];
	nm_text t;
	int i;

	nm_text_init(&t, err, errlen);
	nm_text_str(&t, cmd);
	nm_text_str(&t, ": ");
	if (s->ndirs == 0) {
		nm_text_str(&t, "loading is off: the server was started without a --models folder");
		return -1;
	}
	if (nm_real_path(path, out, LF_PATHLEN, why, sizeof why) != 0) {
		nm_text_str(&t, why);
		return -1;
	}
	for (i = 0; i < s->ndirs; i++)
		if (below(out, s->dirs[i]))
			return 0;
	nm_text_str(&t, path);
	nm_text_str(&t, ": outside the --models folders");
	return -1;
}

/* A session that holds e, for the in-use message; 0 if none (a reference
 * from a generation that has just ended). */
static int
holder(lf_server *s, lf_model *e)
{
	lf_session *ss;

	for (ss = s->sessions; ss != nil; ss = ss->next)
		if (ss->bound == e || ss->gen_model == e)
			return ss->id;
	return 0;
}

static int
in_use(lf_server *s, const char *cmd, lf_model *e, char *err, int errlen)
{
	nm_text t;

	nm_text_init(&t, err, errlen);
	nm_text_str(&t, cmd);
	nm_text_str(&t, ": in use by session ");
	nm_text_i64(&t, holder(s, e));
	return -1;
}

static int
valid_name(const char *name)
{
	const char *p;

	if (nm_strlen(name) == 0 || nm_strlen(name) >= LF_NAMELEN || nm_streq(name, "default"))
		return 0;
	for (p = name; *p != 0; p++)
		if (*p == ',' || *p == '/' || (nm_u8)*p < 33 || *p == 127)
			return 0;
	return 1;
}

/*
 * load and pool-load: the files are read with the lock released (a load
 * takes seconds; other clients go on), then the model goes in under the
 * lock if the name is still free and the limits allow.
 */
static int
load(lf_server *s, const char *cmd, const char *name, const char *model, const char *tok, char *err,
     int errlen)
{
	char mpath[LF_PATHLEN], tpath[LF_PATHLEN];
	lf_model *e, *old = nil;
	int r;

	if (confine(s, cmd, model, mpath, err, errlen) != 0 ||
	    (!nm_streq(tok, "-") && confine(s, cmd, tok, tpath, err, errlen) != 0))
		return -1;
	if (nm_streq(tok, "-"))
		nm_strlcpy(tpath, "-", sizeof tpath);
	nm_lock_release(s->lk);
	e = lf_model_open(mpath, tpath, s->k, err, errlen);
	nm_lock_acquire(s->lk);
	if (e == nil) {
		nm_text t;
		char why[LF_ERRLEN];

		nm_strlcpy(why, err, sizeof why);
		nm_text_init(&t, err, errlen);
		nm_text_str(&t, cmd);
		nm_text_str(&t, ": ");
		nm_text_str(&t, why);
		return -1;
	}
	nm_strlcpy(e->name, name, sizeof e->name);
	if (nm_streq(name, "default")) {
		old = s->deflt;
		if (old != nil && old->refs > 0) {
			lf_model_close(e);
			return in_use(s, cmd, old, err, errlen);
		}
		if (old != nil)
			lf_pool_remove(&s->pool, "default", cmd, err, errlen);
		e->pinned = 1;
	}
	r = lf_pool_insert(&s->pool, e, cmd, err, errlen);
	if (r != 0) {
		lf_model_close(e);
		if (old != nil) {	/* put it back: a failed load changes nothing */
			char unused[LF_ERRLEN];

			lf_pool_insert(&s->pool, old, cmd, unused, sizeof unused);
		}
		return -1;
	}
	if (nm_streq(name, "default")) {
		s->deflt = e;
		lf_model_close(old);
	}
	return 0;
}

static int
unload(lf_server *s, const char *cmd, const char *name, char *err, int errlen)
{
	lf_model *e = lf_pool_find(&s->pool, name);

	if (e != nil && e->refs > 0)
		return in_use(s, cmd, e, err, errlen);
	if (e == nil && nm_streq(name, "default")) {
		nm_text t;

		nm_text_init(&t, err, errlen);
		nm_text_str(&t, cmd);
		nm_text_str(&t, ": no default model is loaded");
		return -1;
	}
	e = lf_pool_remove(&s->pool, name, cmd, err, errlen);
	if (e == nil)
		return -1;
	if (e == s->deflt)
		s->deflt = nil;
	lf_model_close(e);
	return 0;
}

static int
usage(char *err, int errlen, const char *what)
{
	nm_err(err, errlen, "ctl", what);
	return -1;
}

static int
ctl(lf_server *s, char *cmd, char *err, int errlen)
{
	char *w[4], label[LF_NAMELEN + 16];
	int n = lf_words(cmd, w, 4), models;
	nm_u64 bytes;
	nm_text t;

	if (n < 1)
		return usage(err, errlen, "empty command: expected load, unload, pool-load, pool-unload or pool-limit");
	if (nm_streq(w[0], "load")) {
		if (n != 3)
			return usage(err, errlen, "usage: load MODEL TOKENIZER (- for the model's own vocabulary)");
		return load(s, "load", "default", w[1], w[2], err, errlen);
	}
	if (nm_streq(w[0], "unload")) {
		if (n != 1)
			return usage(err, errlen, "usage: unload");
		return unload(s, "unload", "default", err, errlen);
	}
	if (nm_streq(w[0], "pool-load")) {
		if (n != 4)
			return usage(err, errlen, "usage: pool-load NAME MODEL TOKENIZER");
		nm_text_init(&t, label, sizeof label);
		nm_text_str(&t, "pool-load ");
		nm_text_str(&t, w[1]);
		if (!valid_name(w[1]))
			return usage(err, errlen,
			             "pool-load: a NAME is 1..63 bytes without spaces, commas or slashes, and not \"default\" (that is load's)");
		return load(s, label, w[1], w[2], w[3], err, errlen);
	}
	if (nm_streq(w[0], "pool-unload")) {
		if (n != 2)
			return usage(err, errlen, "usage: pool-unload NAME");
		nm_text_init(&t, label, sizeof label);
		nm_text_str(&t, "pool-unload ");
		nm_text_str(&t, w[1]);
		return unload(s, label, w[1], err, errlen);
	}
	if (nm_streq(w[0], "pool-limit")) {
		if (n != 3 || lf_parse_int(w[1], 1, 256, &models) != 0 || lf_parse_u64(w[2], &bytes) != 0)
			return usage(err, errlen, "usage: pool-limit MAX_MODELS MAX_BYTES (models 1..256, bytes 0 for no limit)");
		return lf_pool_set_limit(&s->pool, models, bytes, err, errlen);
	}
	nm_text_init(&t, err, errlen);
	nm_text_str(&t, "ctl: unknown command ");
	nm_text_str(&t, w[0]);
	nm_text_str(&t, ": expected load, unload, pool-load, pool-unload or pool-limit");
	return -1;
}

int
lf_server_ctl(lf_server *s, const char *cmd, char *err, int errlen)
{
	char line[3 * LF_PATHLEN];
	int r;

	if (nm_strlen(cmd) >= (int)sizeof line) {
		nm_err(err, errlen, "ctl", "command too long");
		return -1;
	}
	nm_strlcpy(line, cmd, sizeof line);
	nm_lock_acquire(s->lk);
	r = ctl(s, line, err, errlen);
	nm_lock_release(s->lk);
	return r;
}
