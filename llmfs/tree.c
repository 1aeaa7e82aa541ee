/*
 * tree.c: the synthetic tree (docs/LLMFS.md): names, qids, modes and the
 * text of the small files. A qid path is session << 8 | file; the server
 * lock is held by every function here.
 */
#include "internal.h"
#include "tree.h"

static const lf_file files[] = {
	{ LF_F_ROOT, 0, ".", LF_DMDIR | 0555 },
	{ LF_F_CTL, LF_F_ROOT, "ctl", 0666 },
	{ LF_F_MODEL, LF_F_ROOT, "model", 0444 },
	{ LF_F_CLONE, LF_F_ROOT, "clone", 0444 },
	{ LF_F_POOL, LF_F_ROOT, "pool", LF_DMDIR | 0555 },
	{ LF_F_PCOUNT, LF_F_POOL, "count", 0444 },
	{ LF_F_PMEMORY, LF_F_POOL, "memory", 0444 },
	{ LF_F_PLIST, LF_F_POOL, "list", 0444 },
	{ LF_F_PLIMIT, LF_F_POOL, "limit", 0444 },
	{ LF_F_SDIR, LF_F_ROOT, nil, LF_DMDIR | 0555 },
	{ LF_F_SCTL, LF_F_SDIR, "ctl", 0666 },
	{ LF_F_SMODEL, LF_F_SDIR, "model", 0666 },
	{ LF_F_SPROMPT, LF_F_SDIR, "prompt", 0222 },
	{ LF_F_SOUTPUT, LF_F_SDIR, "output", 0444 },
	{ LF_F_SSTREAM, LF_F_SDIR, "stream", 0444 },
	{ LF_F_SSTATUS, LF_F_SDIR, "status", 0444 },
	{ LF_F_SIDS, LF_F_SDIR, "ids", 0444 },
};

const lf_file *
lf_file_of(int f)
{
	int i;

	for (i = 0; i < (int)(sizeof files / sizeof files[0]); i++)
		if (files[i].file == f)
			return &files[i];
	return nil;
}

lf_qid
lf_qid_of(nm_u64 path)
{
	lf_qid q;

	q.type = lf_is_dir(path) ? LF_QTDIR : LF_QTFILE;
	q.vers = 0;
	q.path = path;
	return q;
}

/* Whether path is a directory. (Not lf_qid_of(path).type: 6c reads a
 * member of a returned struct wrongly, docs/PLAN9_SUBSET.md.) */
int
lf_is_dir(nm_u64 path)
{
	const lf_file *f = lf_file_of(LF_FILE(path));

	return f != nil && (f->mode & LF_DMDIR) != 0;
}

/* Session numbers as directory names: decimal, no sign or leading zero. */
static int
session_name(const char *name, int *id)
{
	int v = 0;
	const char *p = name;

	if (*p == 0 || (*p == '0' && p[1] != 0))
		return -1;
	for (; *p != 0; p++) {
		if (*p < '0' || *p > '9' || v > 100000000)
			return -1;
		v = v * 10 + (*p - '0');
	}
	*id = v;
	return 0;
}

int
lf_walk1(lf_server *s, nm_u64 from, const char *name, nm_u64 *to)
{
	int f = LF_FILE(from), sid = LF_SESSION(from), i, id;

	if (nm_streq(name, "..")) {
		if (f == LF_F_ROOT)
			*to = LF_PATH(0, LF_F_ROOT);
		else
			*to = LF_PATH(0, lf_file_of(f)->parent);
		return 0;
	}
	if (f == LF_F_ROOT && session_name(name, &id) == 0) {
		if (lf_session_find(s, id) == nil)
			return -1;
		*to = LF_PATH(id, LF_F_SDIR);
		return 0;
	}
	for (i = 0; i < (int)(sizeof files / sizeof files[0]); i++)
		if (files[i].parent == f && files[i].name != nil && nm_streq(files[i].name, name)) {
			*to = LF_PATH(f == LF_F_SDIR ? sid : 0, files[i].file);
			return 0;
		}
	return -1;
}

void
lf_stat_of(lf_server *s, nm_u64 path, lf_dir *d, char *namebuf, int cap)
{
	const lf_file *f = lf_file_of(LF_FILE(path));
	nm_text t;

	(void)s;
	nm_memset(d, 0, sizeof *d);
	d->qid = lf_qid_of(path);
	d->mode = f->mode;
	if (LF_FILE(path) == LF_F_SDIR) {
		nm_text_init(&t, namebuf, cap);
		nm_text_i64(&t, LF_SESSION(path));
		d->name = namebuf;
	} else if (LF_FILE(path) == LF_F_ROOT) {
		d->name = "/";
	} else {
		d->name = f->name;
	}
	d->uid = "llmfs";
	d->gid = "llmfs";
	d->muid = "llmfs";
}

/* Children of a directory in order: the files, then (root) the sessions
 * oldest first. The k-th child's path into *path: 0, or -1 past the end. */
int
lf_dir_child(lf_server *s, nm_u64 dir, nm_u64 k, nm_u64 *path)
{
	int f = LF_FILE(dir), i;
	nm_u64 n = 0;
	lf_session *ss;

	for (i = 0; i < (int)(sizeof files / sizeof files[0]); i++)
		if (files[i].parent == f && files[i].name != nil && files[i].file != LF_F_ROOT) {
			if (n == k) {
				*path = LF_PATH(f == LF_F_SDIR ? LF_SESSION(dir) : 0, files[i].file);
				return 0;
			}
			n++;
		}
	if (f != LF_F_ROOT)
		return -1;
	/* then the sessions, newest first (the list's order) */
	for (ss = s->sessions; ss != nil; ss = ss->next, n++)
		if (n == k) {
			*path = LF_PATH(ss->id, LF_F_SDIR);
			return 0;
		}
	return -1;
}

void
lf_err_closed(char *err, int errlen, int id)
{
	nm_text t;

	nm_text_init(&t, err, errlen);
	nm_text_str(&t, "session ");
	nm_text_i64(&t, id);
	nm_text_str(&t, " is closed");
}

void
lf_model_info(lf_model *e, nm_text *t)
{
	const char *name = e->path, *p;
	nm_config *c = &e->m.cfg;

	for (p = e->path; *p != 0; p++)
		if (*p == '/')
			name = p + 1;
	nm_text_str(t, name);
	nm_text_str(t, " ");
	nm_text_i64(t, c->dim);
	nm_text_str(t, " ");
	nm_text_i64(t, c->n_layers);
	nm_text_str(t, " ");
	nm_text_i64(t, c->n_heads);
	nm_text_str(t, " ");
	nm_text_i64(t, c->n_kv_heads);
	nm_text_str(t, " ");
	nm_text_i64(t, c->vocab_size);
	nm_text_str(t, " ");
	nm_text_i64(t, c->seq_len);
	nm_text_str(t, " ");
	nm_text_str(t, e->m.format);
	nm_text_str(t, " ");
	nm_text_u64(t, e->bytes);
	lf_text_nl(t);
}

int
lf_small_text(lf_server *s, nm_u64 path, nm_text *t, char *err, int errlen)
{
	lf_session *ss = nil;
	int f = LF_FILE(path);

	if (f >= LF_F_SDIR) {
		ss = lf_session_find(s, LF_SESSION(path));
		if (ss == nil) {
			lf_err_closed(err, errlen, LF_SESSION(path));
			return -1;
		}
	}
	switch (f) {
	case LF_F_CTL:
		nm_text_str(t, "sessions ");
		nm_text_i64(t, s->nsessions);
		nm_text_str(t, " connections ");
		nm_text_i64(t, s->nconns);
		nm_text_str(t, " models ");
		nm_text_i64(t, s->pool.count);
		nm_text_str(t, " memory ");
		nm_text_u64(t, lf_pool_bytes(&s->pool));
		nm_text_str(t, " default ");
		nm_text_str(t, s->deflt != nil ? s->deflt->path : "none");
		lf_text_nl(t);
		return 0;
	case LF_F_MODEL:
		if (s->deflt == nil) {
			nm_err(err, errlen, "model", "no default model (write load MODEL TOKENIZER to ctl)");
			return -1;
		}
		lf_model_info(s->deflt, t);
		return 0;
	case LF_F_PCOUNT:
		nm_text_i64(t, s->pool.count);
		lf_text_nl(t);
		return 0;
	case LF_F_PMEMORY:
		nm_text_u64(t, lf_pool_bytes(&s->pool));
		lf_text_nl(t);
		return 0;
	case LF_F_PLIST:
		lf_pool_list(&s->pool, t);
		lf_text_nl(t);
		return 0;
	case LF_F_PLIMIT:
		nm_text_i64(t, s->pool.max_models);
		nm_text_str(t, " ");
		nm_text_u64(t, s->pool.max_bytes);
		lf_text_nl(t);
		return 0;
	case LF_F_SCTL:
		lf_session_settings(ss, t);
		return 0;
	case LF_F_SMODEL:
		nm_text_str(t, ss->bound != nil ? ss->bound->name : "(default)");
		lf_text_nl(t);
		return 0;
	case LF_F_SSTATUS:
		lf_session_status(ss, t);
		return 0;
	}
	nm_err(err, errlen, "read", "not a readable file");
	return -1;
}
