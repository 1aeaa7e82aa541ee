/*
 * srv.c: the 9P2000 server: connections, fids, the request dispatch, and
 * reads that wait for generated text (answered from lf_wake; cancelled by
 * Tflush). One lock, the server's, is held while a request is handled and
 * while its reply is written (docs/LLMFS.md, "Inside").
 */
#include "internal.h"
#include "tree.h"

enum { SMALL = 8192 };

static int
reply(lf_server *s, lf_conn *c, lf_fcall *r)
{
	nm_u32 n = lf_pack(r, s->wbuf, c->msize);

	if (n == 0 || c->gone)
		return -1;
	if (nm_conn_write(c->fd, s->wbuf, n) < 0) {	/* all n bytes, or -1 */
		c->gone = 1;	/* the reader sees the end too */
		nm_conn_shutdown(c->fd);
		return -1;
	}
	return 0;
}

static void
rerror(lf_server *s, lf_conn *c, nm_u16 tag, char *msg)
{
	lf_fcall r;

	nm_memset(&r, 0, sizeof r);
	r.type = LF_Rerror;
	r.tag = tag;
	r.ename = msg;
	reply(s, c, &r);
}

static lf_fid *
fid_find(lf_conn *c, nm_u32 fid)
{
	lf_fid *f;

	for (f = c->fids; f != nil; f = f->next)
		if (f->fid == fid)
			return f;
	return nil;
}

static lf_fid *
fid_new(lf_conn *c, nm_u32 fid, nm_u64 path)
{
	lf_fid *f = nm_alloc(sizeof *f);

	if (f == nil)
		return nil;
	f->fid = fid;
	f->path = path;
	f->open = -1;
	f->next = c->fids;
	c->fids = f;
	return f;
}

static void
fid_free(lf_conn *c, lf_fid *f)
{
	lf_fid **pp;

	for (pp = &c->fids; *pp != nil; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			nm_free(f);
			return;
		}
}

/* The path's session still exists (files outside sessions always do). */
static int
alive(lf_server *s, nm_u64 path)
{
	return LF_FILE(path) < LF_F_SDIR || lf_session_find(s, LF_SESSION(path)) != nil;
}

static void
rread(lf_server *s, lf_conn *c, nm_u16 tag, const char *data, nm_u64 len, nm_u64 offset, nm_u32 count)
{
	lf_fcall r;

	nm_memset(&r, 0, sizeof r);
	r.type = LF_Rread;
	r.tag = tag;
	r.count = 0;
	if (offset < len)
		r.count = len - offset < count ? (nm_u32)(len - offset) : count;
	r.data = (const nm_u8 *)data + (offset < len ? offset : 0);
	reply(s, c, &r);
}

/*
 * Answers a read of output, stream or ids if it can be answered now: 1, or
 * 0 when it must wait (the text is still being generated).
 */
static int
read_text(lf_server *s, lf_conn *c, nm_u16 tag, nm_u64 path, nm_u64 offset, nm_u32 count)
{
	lf_session *ss = lf_session_find(s, LF_SESSION(path));
	lf_buf *b;
	char err[LF_ERRLEN];

	if (ss == nil) {
		lf_err_closed(err, sizeof err, LF_SESSION(path));
		rerror(s, c, tag, err);
		return 1;
	}
	b = LF_FILE(path) == LF_F_SIDS ? &ss->ids : &ss->output;
	if (ss->status == LF_GENERATING && (LF_FILE(path) != LF_F_SSTREAM || offset >= b->len))
		return 0;
	rread(s, c, tag, b->p, b->len, offset, count);
	return 1;
}

void
lf_wake(lf_server *s, int session)
{
	lf_pending **pp = &s->pending, *p;

	while ((p = *pp) != nil) {
		if (LF_SESSION(p->path) == session && read_text(s, p->c, p->tag, p->path, p->offset, p->count)) {
			*pp = p->next;
			nm_free(p);
		} else {
			pp = &p->next;
		}
	}
}

static void
drop_pending(lf_server *s, lf_conn *c)
{
	lf_pending **pp = &s->pending, *p;

	while ((p = *pp) != nil) {
		if (p->c == c) {
			*pp = p->next;
			nm_free(p);
		} else {
			pp = &p->next;
		}
	}
}

static void
read_dir(lf_server *s, lf_conn *c, lf_fcall *t, lf_fid *f)
{
	nm_u8 *buf = (nm_u8 *)c->strs;	/* the request's strings are not needed any more */
	nm_u32 n = 0, m, cap = t->count;
	nm_u64 child, k;
	lf_dir d;
	char name[24];
	lf_fcall r;

	if (t->offset == 0)
		k = 0;
	else if (t->offset == f->diroff)
		k = f->dirpos;
	else {
		rerror(s, c, t->tag, "bad offset in directory read");
		return;
	}
	if (cap > c->msize - LF_IOHDRSZ)
		cap = c->msize - LF_IOHDRSZ;
	while (lf_dir_child(s, f->path, k, &child) == 0) {
		lf_stat_of(s, child, &d, name, sizeof name);
		m = lf_pack_dir(&d, buf + n, cap - n);
		if (m == 0)
			break;
		n += m;
		k++;
	}
	f->dirpos = k;
	f->diroff = t->offset + n;
	nm_memset(&r, 0, sizeof r);
	r.type = LF_Rread;
	r.tag = t->tag;
	r.count = n;
	r.data = buf;
	reply(s, c, &r);
}

static void
do_read(lf_server *s, lf_conn *c, lf_fcall *t, lf_fid *f)
{
	int file = LF_FILE(f->path);
	char small[SMALL], err[LF_ERRLEN];
	nm_text txt;
	lf_pending *p;

	if (f->open < 0 || (f->open & 3) == LF_OWRITE) {
		rerror(s, c, t->tag, "fid not open for reading");
		return;
	}
	if (t->count > c->msize - LF_IOHDRSZ)
		t->count = c->msize - LF_IOHDRSZ;
	if (lf_is_dir(f->path)) {
		read_dir(s, c, t, f);
		return;
	}
	if (file == LF_F_CLONE) {
		nm_text_init(&txt, small, sizeof small);
		nm_text_i64(&txt, LF_SESSION(f->path));
		lf_text_nl(&txt);
		rread(s, c, t->tag, small, (nm_u64)txt.len, t->offset, t->count);
		return;
	}
	if (file == LF_F_SOUTPUT || file == LF_F_SSTREAM || file == LF_F_SIDS) {
		if (read_text(s, c, t->tag, f->path, t->offset, t->count))
			return;
		p = nm_alloc(sizeof *p);
		if (p == nil) {
			rerror(s, c, t->tag, "out of memory");
			return;
		}
		p->c = c;
		p->tag = t->tag;
		p->path = f->path;
		p->offset = t->offset;
		p->count = t->count;
		p->next = s->pending;
		s->pending = p;
		return;
	}
	nm_text_init(&txt, small, sizeof small);
	if (lf_small_text(s, f->path, &txt, err, sizeof err) != 0) {
		rerror(s, c, t->tag, err);
		return;
	}
	rread(s, c, t->tag, small, (nm_u64)txt.len, t->offset, t->count);
}

/* Write to the server's ctl: the lock is released while a model loads. */
static int
write_ctl(lf_server *s, char *cmd, char *err, int errlen)
{
	int r;

	nm_lock_release(s->lk);
	r = lf_server_ctl(s, cmd, err, errlen);
	nm_lock_acquire(s->lk);
	return r;
}

static int
write_prompt(lf_server *s, lf_session *ss, lf_fcall *t, char *err, int errlen)
{
	nm_text e;

	if (t->offset != 0 && t->offset != ss->prompt.len) {
		nm_text_init(&e, err, errlen);
		nm_text_str(&e, "prompt: write at offset ");
		nm_text_u64(&e, t->offset);
		nm_text_str(&e, ", the prompt has ");
		nm_text_u64(&e, ss->prompt.len);
		nm_text_str(&e, " bytes (a write at 0 replaces it)");
		return -1;
	}
	if (t->offset + t->count > (nm_u64)s->lim.max_prompt) {
		nm_text_init(&e, err, errlen);
		nm_text_str(&e, "prompt: longer than ");
		nm_text_i64(&e, s->lim.max_prompt);
		nm_text_str(&e, " bytes (--max-prompt)");
		return -1;
	}
	if (t->offset == 0)
		lf_buf_reset(&ss->prompt);
	if (lf_buf_put(&ss->prompt, (const char *)t->data, t->count) != 0) {
		nm_err(err, errlen, "prompt", "out of memory");
		return -1;
	}
	return 0;
}

static void
do_write(lf_server *s, lf_conn *c, lf_fcall *t, lf_fid *f)
{
	int file = LF_FILE(f->path), r = -1, id = LF_SESSION(f->path);
	char err[LF_ERRLEN], *cmd = (char *)t->data;
	lf_session *ss = nil;
	lf_fcall rw;

	if (f->open < 0 || (f->open & 3) == LF_OREAD) {
		rerror(s, c, t->tag, "fid not open for writing");
		return;
	}
	cmd[t->count] = 0;	/* rbuf has a byte past msize for this */
	err[0] = 0;
	if (file >= LF_F_SDIR) {
		ss = lf_session_find(s, id);
		if (ss == nil) {
			lf_err_closed(err, sizeof err, id);
			rerror(s, c, t->tag, err);
			return;
		}
	}
	switch (file) {
	case LF_F_CTL:
		r = write_ctl(s, cmd, err, sizeof err);
		break;
	case LF_F_SCTL:
		if (nm_strlen(cmd) != (int)t->count) {
			nm_err(err, sizeof err, "ctl", "a command holds a NUL byte");
			break;
		}
		r = lf_session_ctl(s, ss, cmd, err, sizeof err);	/* "close" frees ss */
		break;
	case LF_F_SMODEL:
		r = lf_session_bind(s, ss, cmd, err, sizeof err);
		break;
	case LF_F_SPROMPT:
		r = write_prompt(s, ss, t, err, sizeof err);
		break;
	default:
		nm_err(err, sizeof err, "write", "not a writable file");
	}
	if (r != 0) {
		rerror(s, c, t->tag, err);
		return;
	}
	nm_memset(&rw, 0, sizeof rw);
	rw.type = LF_Rwrite;
	rw.tag = t->tag;
	rw.count = t->count;
	reply(s, c, &rw);
}

static int
allowed(nm_u32 mode, int omode, int trunc)
{
	int want = omode & 3;

	if (want == LF_OEXEC)
		return (mode & LF_DMDIR) != 0;
	if ((want == LF_OREAD || want == LF_ORDWR) && (mode & 0444) == 0)
		return 0;
	if ((want == LF_OWRITE || want == LF_ORDWR || trunc) && (mode & 0222) == 0)
		return 0;
	return 1;
}

static void
do_open(lf_server *s, lf_conn *c, lf_fcall *t, lf_fid *f)
{
	const lf_file *file = lf_file_of(LF_FILE(f->path));
	lf_session *ss;
	char err[LF_ERRLEN];
	lf_fcall r;

	if (f->open >= 0) {
		rerror(s, c, t->tag, "fid already open");
		return;
	}
	if (!alive(s, f->path)) {
		lf_err_closed(err, sizeof err, LF_SESSION(f->path));
		rerror(s, c, t->tag, err);
		return;
	}
	if ((t->mode & ~(LF_OTRUNC | LF_ORCLOSE | 3)) != 0 || (t->mode & LF_ORCLOSE) ||
	    !allowed(file->mode, t->mode, t->mode & LF_OTRUNC)) {
		rerror(s, c, t->tag, "permission denied");
		return;
	}
	if (file->file == LF_F_CLONE) {
		ss = lf_session_new(s, c, err, sizeof err);
		if (ss == nil) {
			rerror(s, c, t->tag, err);
			return;
		}
		f->path = LF_PATH(ss->id, LF_F_CLONE);
	}
	if (file->file == LF_F_SPROMPT && (t->mode & LF_OTRUNC))
		lf_buf_reset(&lf_session_find(s, LF_SESSION(f->path))->prompt);
	f->open = t->mode;
	f->dirpos = 0;
	f->diroff = 0;
	nm_memset(&r, 0, sizeof r);
	r.type = LF_Ropen;
	r.tag = t->tag;
	r.qid = lf_qid_of(LF_FILE(f->path) == LF_F_CLONE ? LF_PATH(0, LF_F_CLONE) : f->path);
	r.iounit = c->msize - LF_IOHDRSZ;
	reply(s, c, &r);
}

static void
do_walk(lf_server *s, lf_conn *c, lf_fcall *t, lf_fid *f)
{
	nm_u64 path = f->path, next;
	int i;
	lf_fcall r;
	lf_fid *nf;

	if (f->open >= 0) {
		rerror(s, c, t->tag, "cannot walk an open fid");
		return;
	}
	if (t->newfid != t->fid && fid_find(c, t->newfid) != nil) {
		rerror(s, c, t->tag, "newfid in use");
		return;
	}
	if (!alive(s, path)) {
		char err[LF_ERRLEN];

		lf_err_closed(err, sizeof err, LF_SESSION(path));
		rerror(s, c, t->tag, err);
		return;
	}
	nm_memset(&r, 0, sizeof r);
	r.type = LF_Rwalk;
	r.tag = t->tag;
	for (i = 0; i < t->nwname; i++) {
		if (!lf_is_dir(path) || lf_walk1(s, path, t->wname[i], &next) != 0)
			break;
		path = next;
		r.wqid[i] = lf_qid_of(path);
	}
	r.nwqid = i;
	if (i == 0 && t->nwname > 0) {
		rerror(s, c, t->tag, lf_is_dir(f->path) ? "file does not exist" : "walk in a non-directory");
		return;
	}
	if (i == t->nwname) {
		if (t->newfid == t->fid)
			f->path = path;
		else {
			nf = fid_new(c, t->newfid, path);
			if (nf == nil) {
				rerror(s, c, t->tag, "out of memory");
				return;
			}
		}
	}
	reply(s, c, &r);
}

static void
do_stat(lf_server *s, lf_conn *c, lf_fcall *t, lf_fid *f)
{
	nm_u8 *buf = (nm_u8 *)c->strs;
	char name[24];
	lf_dir d;
	lf_fcall r;

	lf_stat_of(s, LF_FILE(f->path) == LF_F_CLONE ? LF_PATH(0, LF_F_CLONE) : f->path, &d, name, sizeof name);
	nm_memset(&r, 0, sizeof r);
	r.type = LF_Rstat;
	r.tag = t->tag;
	r.nstat = (nm_u16)lf_pack_dir(&d, buf, c->msize);
	r.stat = buf;
	reply(s, c, &r);
}

/* Only what `echo > FILE` and touch send: a length of 0 on a writable file
 * (the prompt is emptied), new times, or nothing at all. */
static void
do_wstat(lf_server *s, lf_conn *c, lf_fcall *t, lf_fid *f)
{
	lf_dir d;
	char err[LF_ERRLEN];
	lf_fcall r;
	lf_session *ss;
	const lf_file *file = lf_file_of(LF_FILE(f->path));
	char *strs = c->strs + c->msize / 2;	/* past the request's own strings */

	if (lf_unpack_dir(t->stat, t->nstat, &d, strs, (int)(c->msize / 2), err, sizeof err) != 0) {
		rerror(s, c, t->tag, err);
		return;
	}
	if ((d.name[0] != 0) || d.uid[0] != 0 || d.gid[0] != 0 || d.muid[0] != 0 || d.mode != 0xFFFFFFFFU ||
	    (d.length != 0xFFFFFFFFFFFFFFFFULL && (d.length != 0 || (file->mode & 0222) == 0))) {
		rerror(s, c, t->tag, "wstat: only a length of 0 on a writable file, or new times");
		return;
	}
	if (d.length == 0 && LF_FILE(f->path) == LF_F_SPROMPT) {
		ss = lf_session_find(s, LF_SESSION(f->path));
		if (ss != nil)
			lf_buf_reset(&ss->prompt);
	}
	nm_memset(&r, 0, sizeof r);
	r.type = LF_Rwstat;
	r.tag = t->tag;
	reply(s, c, &r);
}

static void
do_version(lf_server *s, lf_conn *c, lf_fcall *t)
{
	lf_fcall r;
	const char *v = t->version;

	drop_pending(s, c);	/* a Tversion aborts everything outstanding */
	while (c->fids != nil)
		fid_free(c, c->fids);
	c->msize = t->msize < s->lim.msize ? t->msize : s->lim.msize;
	if (c->msize < LF_MINMSIZE) {
		rerror(s, c, t->tag, "msize too small");
		return;
	}
	nm_memset(&r, 0, sizeof r);
	r.type = LF_Rversion;
	r.tag = t->tag;
	r.msize = c->msize;
	/* 9P2000 and its dotted dialects (.u, .L) are answered with 9P2000 */
	r.version = (v[0] == '9' && v[1] == 'P' && v[2] == '2' && v[3] == '0' && v[4] == '0' && v[5] == '0' &&
	             (v[6] == 0 || v[6] == '.')) ? "9P2000" : "unknown";
	c->versioned = r.version[0] == '9';
	reply(s, c, &r);
}

/* One request, the lock held. */
static void
handle(lf_server *s, lf_conn *c, lf_fcall *t)
{
	lf_fid *f;
	lf_pending **pp, *p;
	lf_fcall r;

	nm_memset(&r, 0, sizeof r);
	r.tag = t->tag;
	if (t->type == LF_Tversion) {
		do_version(s, c, t);
		return;
	}
	if (!c->versioned) {
		rerror(s, c, t->tag, "Tversion first");
		return;
	}
	switch (t->type) {
	case LF_Tauth:
		rerror(s, c, t->tag, "llmfs: authentication not required");
		return;
	case LF_Tattach:
		if (t->afid != LF_NOFID) {
			rerror(s, c, t->tag, "llmfs: authentication not required");
			return;
		}
		if (fid_find(c, t->fid) != nil) {
			rerror(s, c, t->tag, "fid in use");
			return;
		}
		if (fid_new(c, t->fid, LF_PATH(0, LF_F_ROOT)) == nil) {
			rerror(s, c, t->tag, "out of memory");
			return;
		}
		r.type = LF_Rattach;
		r.qid = lf_qid_of(LF_PATH(0, LF_F_ROOT));
		reply(s, c, &r);
		return;
	case LF_Tflush:
		for (pp = &s->pending; (p = *pp) != nil; pp = &p->next)
			if (p->c == c && p->tag == t->oldtag) {
				*pp = p->next;
				nm_free(p);
				break;
			}
		r.type = LF_Rflush;
		reply(s, c, &r);
		return;
	}
	f = fid_find(c, t->fid);
	if (f == nil) {
		rerror(s, c, t->tag, "unknown fid");
		return;
	}
	switch (t->type) {
	case LF_Twalk:
		do_walk(s, c, t, f);
		return;
	case LF_Topen:
		do_open(s, c, t, f);
		return;
	case LF_Tcreate:
		rerror(s, c, t->tag, "llmfs: files cannot be created");
		return;
	case LF_Tread:
		do_read(s, c, t, f);
		return;
	case LF_Twrite:
		do_write(s, c, t, f);
		return;
	case LF_Tclunk:
		fid_free(c, f);
		r.type = LF_Rclunk;
		reply(s, c, &r);
		return;
	case LF_Tremove:
		fid_free(c, f);	/* remove(5): the fid is clunked even when it fails */
		rerror(s, c, t->tag, "llmfs: files cannot be removed");
		return;
	case LF_Tstat:
		do_stat(s, c, t, f);
		return;
	case LF_Twstat:
		do_wstat(s, c, t, f);
		return;
	}
	rerror(s, c, t->tag, "unexpected message");
}

static int
read_full(int fd, nm_u8 *buf, nm_u32 n)
{
	nm_u32 got = 0;
	int m;

	while (got < n) {
		m = (int)nm_conn_read(fd, buf + got, n - got);
		if (m <= 0)
			return -1;
		got += (nm_u32)m;
	}
	return 0;
}

/* The connection's end: its reads, its sessions (their generations are
 * cancelled and waited for) and its fids go. */
static void
conn_end(lf_server *s, lf_conn *c)
{
	lf_session *ss;
	lf_conn **pp;

	drop_pending(s, c);
	for (;;) {
		for (ss = s->sessions; ss != nil && ss->owner != c; ss = ss->next)
			;
		if (ss == nil)
			break;
		lf_session_close(s, ss);	/* may wait: the list can change meanwhile */
	}
	while (c->fids != nil)
		fid_free(c, c->fids);
	for (pp = &s->conns; *pp != nil; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	s->nconns--;
	nm_cond_broadcast(s->changed);
}

/* counted: lf_serve has already counted the connection in nconns */
static void
serve_conn(lf_server *s, int fd, int counted)
{
	lf_conn *c = nm_alloc(sizeof *c);
	nm_u32 size, cap = s->lim.msize;
	lf_fcall t;
	char err[LF_ERRLEN];

	if (c == nil) {
		nm_conn_close(fd);
		if (counted) {
			nm_lock_acquire(s->lk);
			s->nconns--;
			nm_cond_broadcast(s->changed);
			nm_lock_release(s->lk);
		}
		return;
	}
	c->fd = fd;
	c->s = s;
	c->msize = cap;
	c->rbuf = nm_alloc((nm_u64)cap + 1);
	c->strs = nm_alloc((nm_u64)cap + 1);
	nm_lock_acquire(s->lk);
	c->next = s->conns;
	s->conns = c;
	if (!counted)
		s->nconns++;
	nm_lock_release(s->lk);
	while (c->rbuf != nil && c->strs != nil && !c->gone) {
		if (read_full(fd, c->rbuf, 4) != 0)
			break;
		size = lf_size_field(c->rbuf);
		/* a size the connection cannot hold has no reply: 9P cannot
		 * resynchronize after it, so the connection ends */
		if (size < 7 || size > c->msize)
			break;
		if (read_full(fd, c->rbuf + 4, size - 4) != 0)
			break;
		nm_lock_acquire(s->lk);
		if (lf_unpack(c->rbuf, size, c->msize, &t, c->strs, (int)cap, err, sizeof err) != 0)
			rerror(s, c, (nm_u16)(c->rbuf[5] | c->rbuf[6] << 8), err);
		else
			handle(s, c, &t);
		nm_lock_release(s->lk);
	}
	nm_lock_acquire(s->lk);
	conn_end(s, c);
	nm_lock_release(s->lk);
	nm_conn_close(fd);
	nm_free(c->rbuf);
	nm_free(c->strs);
	nm_free(c);
}

void
lf_serve_conn(lf_server *s, int fd)
{
	serve_conn(s, fd, 0);
}

typedef struct {
	lf_server *s;
	int fd;
} ConnArg;

static void
conn_main(void *arg)
{
	ConnArg a = *(ConnArg *)arg;

	nm_free(arg);
	serve_conn(a.s, a.fd, 1);
}

int
lf_serve(lf_server *s, int listener, char *err, int errlen)
{
	int fd, full;
	ConnArg *a;
	char why[LF_ERRLEN];

	for (;;) {
		fd = nm_accept(listener, err, errlen);
		if (fd < 0)
			break;
		nm_lock_acquire(s->lk);
		full = s->nconns >= s->lim.max_connections;
		if (!full)
			s->nconns++;	/* counted now so that a burst cannot pass the limit */
		nm_lock_release(s->lk);
		a = full ? nil : nm_alloc(sizeof *a);
		if (a == nil) {
			nm_conn_close(fd);	/* over --max-connections: 9P has no way to say so */
			if (!full) {
				nm_lock_acquire(s->lk);
				s->nconns--;
				nm_lock_release(s->lk);
			}
			continue;
		}
		a->s = s;
		a->fd = fd;
		if (nm_thread_start(conn_main, a, why, sizeof why) != 0) {
			nm_free(a);
			nm_conn_close(fd);
			nm_lock_acquire(s->lk);
			s->nconns--;
			nm_lock_release(s->lk);
		}
	}
	nm_lock_acquire(s->lk);
	while (s->nconns > 0)
		nm_cond_wait(s->changed);
	nm_lock_release(s->lk);
	return -1;
}
