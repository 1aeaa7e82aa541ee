/*
 * fcall.c: the 9P2000 codec (see fcall.h, intro(5)). Every field is read
 * through a reader that checks it against the bytes left before touching
 * them; integers are little-endian and read byte by byte, so the message
 * may sit at any address.
 */
#include "port/port.h"
#include "formats/text.h"
#include "fcall.h"

enum {
	HDR = 7,       /* size[4] type[1] tag[2] */
	QIDSZ = 13,    /* type[1] vers[4] path[8] */
	STATFIX = 49,  /* a stat(5) entry whose four strings are empty */
	MAXSTR16 = 0xFFFF
};

static char *typenames[] = {
	"Tversion", "Rversion", "Tauth", "Rauth", "Tattach", "Rattach", "Terror", "Rerror",
	"Tflush", "Rflush", "Twalk", "Rwalk", "Topen", "Ropen", "Tcreate", "Rcreate",
	"Tread", "Rread", "Twrite", "Rwrite", "Tclunk", "Rclunk", "Tremove", "Rremove",
	"Tstat", "Rstat", "Twstat", "Rwstat"
};

const char *
lf_type_name(int type)
{
	if (type < LF_Tversion || type > LF_Rwstat)
		return "unknown";
	return typenames[type - LF_Tversion];
}

static nm_u32
get2(const nm_u8 *p)
{
	return (nm_u32)p[0] | (nm_u32)p[1] << 8;
}

static nm_u32
get4(const nm_u8 *p)
{
	return (nm_u32)p[0] | (nm_u32)p[1] << 8 | (nm_u32)p[2] << 16 | (nm_u32)p[3] << 24;
}

static nm_u64
get8(const nm_u8 *p)
{
	return (nm_u64)get4(p) | (nm_u64)get4(p + 4) << 32;
}

nm_u32
lf_size_field(const nm_u8 *four)
{
	return get4(four);
}

/* ---- decoding ---- */

typedef struct {
	const nm_u8 *p;
	nm_u32 len;
	nm_u32 pos;
	char *strs;          /* nil: check the strings, copy nothing */
	int cap;
	int used;
	const char *what;    /* "Twalk", "Twstat stat", "stat": the errors' subject */
	const char *unit;    /* "message" or "stat" */
	char *err;
	int errlen;
	int bad;
} reader;

static void
rd_init(reader *r, const nm_u8 *p, nm_u32 len, const char *what, const char *unit, char *strs,
        int cap, char *err, int errlen)
{
	r->p = p;
	r->len = len;
	r->pos = 0;
	r->strs = strs;
	r->cap = cap;
	r->used = 0;
	r->what = what;
	r->unit = unit;
	r->err = err;
	r->errlen = errlen;
	r->bad = 0;
}

/* Starts the reader's error message: "WHAT: FIELD[IDX]" (idx < 0: no index). */
static void
rd_fail(reader *r, nm_text *t, const char *pre, const char *field, int idx)
{
	r->bad = 1;
	nm_text_init(t, r->err, r->errlen);
	nm_text_str(t, pre);
	nm_text_str(t, r->what);
	if (field != nil) {
		nm_text_str(t, ": ");
		nm_text_str(t, field);
		if (idx >= 0) {
			nm_text_str(t, "[");
			nm_text_i64(t, idx);
			nm_text_str(t, "]");
		}
	}
}

/* 1 when n more bytes are there; else the error "short Twalk: wname[2]
 * needs 5 bytes at offset 30, the message has 32". */
static int
rd_need(reader *r, nm_u32 n, const char *field, int idx)
{
	nm_text t;

	if (r->bad)
		return 0;
	if (n <= r->len - r->pos)
		return 1;
	rd_fail(r, &t, "short ", field, idx);
	nm_text_str(&t, " needs ");
	nm_text_u64(&t, n);
	nm_text_str(&t, n == 1 ? " byte at offset " : " bytes at offset ");
	nm_text_u64(&t, r->pos);
	nm_text_str(&t, ", the ");
	nm_text_str(&t, r->unit);
	nm_text_str(&t, " has ");
	nm_text_u64(&t, r->len);
	return 0;
}

static nm_u32
rd_u8(reader *r, const char *field)
{
	if (!rd_need(r, 1, field, -1))
		return 0;
	r->pos += 1;
	return r->p[r->pos - 1];
}

static nm_u32
rd_u16(reader *r, const char *field)
{
	if (!rd_need(r, 2, field, -1))
		return 0;
	r->pos += 2;
	return get2(r->p + r->pos - 2);
}

static nm_u32
rd_u32(reader *r, const char *field)
{
	if (!rd_need(r, 4, field, -1))
		return 0;
	r->pos += 4;
	return get4(r->p + r->pos - 4);
}

static nm_u64
rd_u64(reader *r, const char *field)
{
	if (!rd_need(r, 8, field, -1))
		return 0;
	r->pos += 8;
	return get8(r->p + r->pos - 8);
}

static void
rd_qid(reader *r, lf_qid *q, const char *field, int idx)
{
	const nm_u8 *p;

	if (!rd_need(r, QIDSZ, field, idx))
		return;
	p = r->p + r->pos;
	q->type = p[0];
	q->vers = get4(p + 1);
	q->path = get8(p + 5);
	r->pos += QIDSZ;
}

/* n bytes of the message in place (Twrite's and Rread's data, a stat). */
static const nm_u8 *
rd_bytes(reader *r, nm_u32 n, const char *field)
{
	if (!rd_need(r, n, field, -1))
		return nil;
	r->pos += n;
	return r->p + r->pos - n;
}

/* A string s[2] + bytes: checked (no NUL, at most LF_MAXSTRING bytes) and,
 * with a strings buffer, copied there NUL-terminated into *out. */
static void
rd_str(reader *r, char **out, const char *field, int idx)
{
	nm_u32 n, i;
	const nm_u8 *s;
	nm_text t;

	*out = nil;
	if (!rd_need(r, 2, field, idx))
		return;
	n = get2(r->p + r->pos);
	r->pos += 2;
	if (!rd_need(r, n, field, idx))
		return;
	s = r->p + r->pos;
	if (n > LF_MAXSTRING) {
		rd_fail(r, &t, "", field, idx);
		nm_text_str(&t, ": string of ");
		nm_text_u64(&t, n);
		nm_text_str(&t, " bytes (at most ");
		nm_text_i64(&t, LF_MAXSTRING);
		nm_text_str(&t, ")");
		return;
	}
	for (i = 0; i < n; i++) {
		if (s[i] == 0) {
			rd_fail(r, &t, "", field, idx);
			nm_text_str(&t, ": string holds a NUL byte at offset ");
			nm_text_u64(&t, r->pos + i);
			return;
		}
	}
	r->pos += n;
	if (r->strs == nil)
		return;
	if (r->cap - r->used < (int)n + 1) {
		rd_fail(r, &t, "", field, idx);
		nm_text_str(&t, ": no room in the strings buffer (");
		nm_text_i64(&t, r->cap);
		nm_text_str(&t, " bytes)");
		return;
	}
	*out = r->strs + r->used;
	for (i = 0; i < n; i++)
		r->strs[r->used + i] = (char)s[i];
	r->strs[r->used + n] = 0;
	r->used += (int)n + 1;
}

/* The reader must end exactly at its last field. */
static void
rd_end(reader *r)
{
	nm_text t;

	if (r->bad || r->pos == r->len)
		return;
	rd_fail(r, &t, "trailing bytes after ", nil, -1);
	nm_text_str(&t, ": the ");
	nm_text_str(&t, r->unit);
	nm_text_str(&t, " has ");
	nm_text_u64(&t, r->len);
	nm_text_str(&t, " bytes, its last field ends at ");
	nm_text_u64(&t, r->pos);
}

/* One stat(5) entry filling the whole reader; d nil: check only. */
static void
rd_dir(reader *r, lf_dir *d)
{
	nm_u32 size;
	lf_qid q;
	nm_u16 type;
	nm_u32 dev, mode, atime, mtime;
	nm_u64 length;
	char *s[4];
	nm_text t;

	size = rd_u16(r, "size");
	if (r->bad)
		return;
	if (size != r->len - 2) {
		rd_fail(r, &t, "", nil, -1);
		nm_text_str(&t, ": size field ");
		nm_text_u64(&t, size);
		nm_text_str(&t, " but ");
		nm_text_u64(&t, r->len - 2);
		nm_text_str(&t, " bytes follow it");
		return;
	}
	type = (nm_u16)rd_u16(r, "type");
	dev = rd_u32(r, "dev");
	rd_qid(r, &q, "qid", -1);
	mode = rd_u32(r, "mode");
	atime = rd_u32(r, "atime");
	mtime = rd_u32(r, "mtime");
	length = rd_u64(r, "length");
	rd_str(r, &s[0], "name", -1);
	rd_str(r, &s[1], "uid", -1);
	rd_str(r, &s[2], "gid", -1);
	rd_str(r, &s[3], "muid", -1);
	rd_end(r);
	if (r->bad || d == nil)
		return;
	d->type = type;
	d->dev = dev;
	d->qid = q;
	d->mode = mode;
	d->atime = atime;
	d->mtime = mtime;
	d->length = length;
	d->name = s[0];
	d->uid = s[1];
	d->gid = s[2];
	d->muid = s[3];
}

/* Rstat's and Twstat's stat[n]: n[2], then n bytes holding one stat. */
static void
rd_statn(reader *r, lf_fcall *f)
{
	reader sub;

	f->nstat = (nm_u16)rd_u16(r, "nstat");
	f->stat = rd_bytes(r, f->nstat, "stat");
	if (r->bad)
		return;
	/* The stat is checked here; lf_unpack_dir copies its strings later. */
	rd_init(&sub, f->stat, f->nstat, f->type == LF_Rstat ? "Rstat stat" : "Twstat stat", "stat",
	        nil, 0, r->err, r->errlen);
	rd_dir(&sub, nil);
	if (sub.bad)
		r->bad = 1;
}

/* "Twalk: walk of 17 names (at most 16)", "Rwalk: 17 qids (at most 16)" */
static void
rd_too_many(reader *r, const char *a, nm_u32 n, const char *b)
{
	nm_text t;

	rd_fail(r, &t, "", nil, -1);
	nm_text_str(&t, a);
	nm_text_u64(&t, n);
	nm_text_str(&t, b);
	nm_text_i64(&t, LF_MAXWELEM);
	nm_text_str(&t, ")");
}

/* err = a + x, then b + y + c unless b is nil. */
static void
fail2(char *err, int errlen, const char *a, nm_u64 x, const char *b, nm_u64 y, const char *c)
{
	nm_text t;

	nm_text_init(&t, err, errlen);
	nm_text_str(&t, a);
	nm_text_u64(&t, x);
	if (b == nil)
		return;
	nm_text_str(&t, b);
	nm_text_u64(&t, y);
	nm_text_str(&t, c);
}

int
lf_unpack(const nm_u8 *msg, nm_u32 len, nm_u32 msize, lf_fcall *f, char *strs, int cap,
          char *err, int errlen)
{
	reader r;
	nm_u32 size, n;
	int i;
	nm_text t;

	nm_memset(f, 0, sizeof *f);
	if (err != nil && errlen > 0)
		err[0] = 0;
	if (len < HDR) {
		nm_text_init(&t, err, errlen);
		nm_text_str(&t, "short message: ");
		nm_text_u64(&t, len);
		nm_text_str(&t, len == 1 ? " byte" : " bytes");
		nm_text_str(&t, " (at least 7: size[4] type[1] tag[2])");
		return -1;
	}
	f->type = msg[4];
	f->tag = (nm_u16)get2(msg + 5);
	size = get4(msg);
	if (size != len) {
		fail2(err, errlen, "size field ", size, " but ", len, " bytes");
		return -1;
	}
	if (msize != 0 && len > msize) {
		fail2(err, errlen, "message of ", len, " bytes exceeds msize ", msize, "");
		return -1;
	}
	if (f->type == LF_Terror) {
		nm_text_init(&t, err, errlen);
		nm_text_str(&t, "Terror is not a message: errors are only replies (Rerror)");
		return -1;
	}
	if (f->type < LF_Tversion || f->type > LF_Rwstat) {
		fail2(err, errlen, "unknown message type ", f->type, nil, 0, nil);
		return -1;
	}
	rd_init(&r, msg, len, lf_type_name(f->type), "message", strs, cap, err, errlen);
	r.pos = HDR;
	switch (f->type) {
	case LF_Tversion:
	case LF_Rversion:
		f->msize = rd_u32(&r, "msize");
		rd_str(&r, &f->version, "version", -1);
		break;
	case LF_Tauth:
		f->afid = rd_u32(&r, "afid");
		rd_str(&r, &f->uname, "uname", -1);
		rd_str(&r, &f->aname, "aname", -1);
		break;
	case LF_Rauth:
		rd_qid(&r, &f->qid, "aqid", -1);
		break;
	case LF_Tattach:
		f->fid = rd_u32(&r, "fid");
		f->afid = rd_u32(&r, "afid");
		rd_str(&r, &f->uname, "uname", -1);
		rd_str(&r, &f->aname, "aname", -1);
		break;
	case LF_Rattach:
		rd_qid(&r, &f->qid, "qid", -1);
		break;
	case LF_Rerror:
		rd_str(&r, &f->ename, "ename", -1);
		break;
	case LF_Tflush:
		f->oldtag = (nm_u16)rd_u16(&r, "oldtag");
		break;
	case LF_Twalk:
		f->fid = rd_u32(&r, "fid");
		f->newfid = rd_u32(&r, "newfid");
		n = rd_u16(&r, "nwname");
		if (!r.bad && n > LF_MAXWELEM) {
			rd_too_many(&r, ": walk of ", n, " names (at most ");
			break;
		}
		f->nwname = (int)n;
		for (i = 0; i < f->nwname; i++)
			rd_str(&r, &f->wname[i], "wname", i);
		break;
	case LF_Rwalk:
		n = rd_u16(&r, "nwqid");
		if (!r.bad && n > LF_MAXWELEM) {
			rd_too_many(&r, ": ", n, " qids (at most ");
			break;
		}
		f->nwqid = (int)n;
		for (i = 0; i < f->nwqid; i++)
			rd_qid(&r, &f->wqid[i], "wqid", i);
		break;
	case LF_Topen:
		f->fid = rd_u32(&r, "fid");
		f->mode = (nm_u8)rd_u8(&r, "mode");
		break;
	case LF_Ropen:
	case LF_Rcreate:
		rd_qid(&r, &f->qid, "qid", -1);
		f->iounit = rd_u32(&r, "iounit");
		break;
	case LF_Tcreate:
		f->fid = rd_u32(&r, "fid");
		rd_str(&r, &f->name, "name", -1);
		f->perm = rd_u32(&r, "perm");
		f->mode = (nm_u8)rd_u8(&r, "mode");
		break;
	case LF_Tread:
		f->fid = rd_u32(&r, "fid");
		f->offset = rd_u64(&r, "offset");
		f->count = rd_u32(&r, "count");
		break;
	case LF_Rread:
		f->count = rd_u32(&r, "count");
		f->data = rd_bytes(&r, f->count, "data");
		break;
	case LF_Twrite:
		f->fid = rd_u32(&r, "fid");
		f->offset = rd_u64(&r, "offset");
		f->count = rd_u32(&r, "count");
		f->data = rd_bytes(&r, f->count, "data");
		break;
	case LF_Rwrite:
		f->count = rd_u32(&r, "count");
		break;
	case LF_Tclunk:
	case LF_Tremove:
	case LF_Tstat:
		f->fid = rd_u32(&r, "fid");
		break;
	case LF_Rflush:
	case LF_Rclunk:
	case LF_Rremove:
	case LF_Rwstat:
		break;
	case LF_Rstat:
		rd_statn(&r, f);
		break;
	case LF_Twstat:
		f->fid = rd_u32(&r, "fid");
		rd_statn(&r, f);
		break;
	}
	rd_end(&r);
	return r.bad ? -1 : 0;
}

int
lf_unpack_dir(const nm_u8 *buf, nm_u32 len, lf_dir *d, char *strs, int cap, char *err,
              int errlen)
{
	reader r;

	nm_memset(d, 0, sizeof *d);
	if (err != nil && errlen > 0)
		err[0] = 0;
	rd_init(&r, buf, len, "stat", "stat", strs, cap, err, errlen);
	rd_dir(&r, d);
	if (r.bad) {
		nm_memset(d, 0, sizeof *d);
		return -1;
	}
	return 0;
}

/* ---- encoding ---- */

/* Bytes of s, or MAXSTR16 + 1 when too long for a string field (counting
 * stops there: a caller's runaway string is not read to its end). */
static nm_u32
slen(const char *s)
{
	nm_u32 n = 0;

	if (s == nil)
		return 0;
	while (s[n] != 0 && n <= MAXSTR16)
		n++;
	return n;
}

/* Adds string s's encoded size to *total; 0 when it cannot be encoded. */
static int
add_str(nm_u64 *total, const char *s)
{
	nm_u32 n = slen(s);

	if (n > MAXSTR16)
		return 0;
	*total += 2 + (nm_u64)n;
	return 1;
}

nm_u32
lf_dir_size(const lf_dir *d)
{
	nm_u64 n = STATFIX - 4 * 2;	/* add_str counts each string's size[2] */

	if (!add_str(&n, d->name) || !add_str(&n, d->uid) || !add_str(&n, d->gid) ||
	    !add_str(&n, d->muid))
		return 0;
	if (n - 2 > MAXSTR16)
		return 0;
	return (nm_u32)n;
}

nm_u32
lf_packed_size(const lf_fcall *f)
{
	nm_u64 n = HDR;
	int i;

	switch (f->type) {
	case LF_Tversion:
	case LF_Rversion:
		n += 4;
		if (!add_str(&n, f->version))
			return 0;
		break;
	case LF_Tauth:
		n += 4;
		if (!add_str(&n, f->uname) || !add_str(&n, f->aname))
			return 0;
		break;
	case LF_Rauth:
	case LF_Rattach:
		n += QIDSZ;
		break;
	case LF_Tattach:
		n += 8;
		if (!add_str(&n, f->uname) || !add_str(&n, f->aname))
			return 0;
		break;
	case LF_Rerror:
		if (!add_str(&n, f->ename))
			return 0;
		break;
	case LF_Tflush:
		n += 2;
		break;
	case LF_Twalk:
		if (f->nwname < 0 || f->nwname > LF_MAXWELEM)
			return 0;
		n += 10;
		for (i = 0; i < f->nwname; i++)
			if (!add_str(&n, f->wname[i]))
				return 0;
		break;
	case LF_Rwalk:
		if (f->nwqid < 0 || f->nwqid > LF_MAXWELEM)
			return 0;
		n += 2 + (nm_u64)f->nwqid * QIDSZ;
		break;
	case LF_Topen:
		n += 5;
		break;
	case LF_Ropen:
	case LF_Rcreate:
		n += QIDSZ + 4;
		break;
	case LF_Tcreate:
		n += 9;
		if (!add_str(&n, f->name))
			return 0;
		break;
	case LF_Tread:
		n += 16;
		break;
	case LF_Rread:
		if (f->data == nil && f->count != 0)
			return 0;
		n += 4 + (nm_u64)f->count;
		break;
	case LF_Twrite:
		if (f->data == nil && f->count != 0)
			return 0;
		n += 16 + (nm_u64)f->count;
		break;
	case LF_Rwrite:
	case LF_Tclunk:
	case LF_Tremove:
	case LF_Tstat:
		n += 4;
		break;
	case LF_Rflush:
	case LF_Rclunk:
	case LF_Rremove:
	case LF_Rwstat:
		break;
	case LF_Rstat:
		if (f->stat == nil && f->nstat != 0)
			return 0;
		n += 2 + (nm_u64)f->nstat;
		break;
	case LF_Twstat:
		if (f->stat == nil && f->nstat != 0)
			return 0;
		n += 4 + 2 + (nm_u64)f->nstat;
		break;
	default:
		return 0;
	}
	if (n > 0xFFFFFFFFU)
		return 0;
	return (nm_u32)n;
}

typedef struct {
	nm_u8 *p;
	nm_u32 pos;
} writer;

static void
put1(writer *w, nm_u32 v)
{
	w->p[w->pos++] = (nm_u8)v;
}

static void
put2(writer *w, nm_u32 v)
{
	put1(w, v & 0xFF);
	put1(w, v >> 8 & 0xFF);
}

static void
put4(writer *w, nm_u32 v)
{
	put2(w, v & 0xFFFF);
	put2(w, v >> 16);
}

static void
put8(writer *w, nm_u64 v)
{
	put4(w, (nm_u32)(v & 0xFFFFFFFFU));
	put4(w, (nm_u32)(v >> 32));
}

static void
putqid(writer *w, const lf_qid *q)
{
	put1(w, q->type);
	put4(w, q->vers);
	put8(w, q->path);
}

static void
putbytes(writer *w, const nm_u8 *b, nm_u32 n)
{
	if (n == 0)
		return;
	nm_memcpy(w->p + w->pos, b, n);
	w->pos += n;
}

/* Sizes were checked by the caller (lf_packed_size, lf_dir_size). */
static void
putstr(writer *w, const char *s)
{
	nm_u32 n = slen(s);

	put2(w, n);
	putbytes(w, (const nm_u8 *)s, n);
}

static void
putdir(writer *w, const lf_dir *d, nm_u32 size)
{
	put2(w, size - 2);
	put2(w, d->type);
	put4(w, d->dev);
	putqid(w, &d->qid);
	put4(w, d->mode);
	put4(w, d->atime);
	put4(w, d->mtime);
	put8(w, d->length);
	putstr(w, d->name);
	putstr(w, d->uid);
	putstr(w, d->gid);
	putstr(w, d->muid);
}

nm_u32
lf_pack_dir(const lf_dir *d, nm_u8 *buf, nm_u32 cap)
{
	nm_u32 n = lf_dir_size(d);
	writer w;

	if (n == 0 || n > cap)
		return 0;
	w.p = buf;
	w.pos = 0;
	putdir(&w, d, n);
	return w.pos;
}

nm_u32
lf_pack(const lf_fcall *f, nm_u8 *buf, nm_u32 cap)
{
	nm_u32 n = lf_packed_size(f);
	writer w;
	int i;

	if (n == 0 || n > cap)
		return 0;
	w.p = buf;
	w.pos = 0;
	put4(&w, n);
	put1(&w, f->type);
	put2(&w, f->tag);
	switch (f->type) {
	case LF_Tversion:
	case LF_Rversion:
		put4(&w, f->msize);
		putstr(&w, f->version);
		break;
	case LF_Tauth:
		put4(&w, f->afid);
		putstr(&w, f->uname);
		putstr(&w, f->aname);
		break;
	case LF_Rauth:
	case LF_Rattach:
		putqid(&w, &f->qid);
		break;
	case LF_Tattach:
		put4(&w, f->fid);
		put4(&w, f->afid);
		putstr(&w, f->uname);
		putstr(&w, f->aname);
		break;
	case LF_Rerror:
		putstr(&w, f->ename);
		break;
	case LF_Tflush:
		put2(&w, f->oldtag);
		break;
	case LF_Twalk:
		put4(&w, f->fid);
		put4(&w, f->newfid);
		put2(&w, (nm_u32)f->nwname);
		for (i = 0; i < f->nwname; i++)
			putstr(&w, f->wname[i]);
		break;
	case LF_Rwalk:
		put2(&w, (nm_u32)f->nwqid);
		for (i = 0; i < f->nwqid; i++)
			putqid(&w, &f->wqid[i]);
		break;
	case LF_Topen:
		put4(&w, f->fid);
		put1(&w, f->mode);
		break;
	case LF_Ropen:
	case LF_Rcreate:
		putqid(&w, &f->qid);
		put4(&w, f->iounit);
		break;
	case LF_Tcreate:
		put4(&w, f->fid);
		putstr(&w, f->name);
		put4(&w, f->perm);
		put1(&w, f->mode);
		break;
	case LF_Tread:
		put4(&w, f->fid);
		put8(&w, f->offset);
		put4(&w, f->count);
		break;
	case LF_Rread:
		put4(&w, f->count);
		putbytes(&w, f->data, f->count);
		break;
	case LF_Twrite:
		put4(&w, f->fid);
		put8(&w, f->offset);
		put4(&w, f->count);
		putbytes(&w, f->data, f->count);
		break;
	case LF_Rwrite:
		put4(&w, f->count);
		break;
	case LF_Tclunk:
	case LF_Tremove:
	case LF_Tstat:
		put4(&w, f->fid);
		break;
	case LF_Rstat:
		put2(&w, f->nstat);
		putbytes(&w, f->stat, f->nstat);
		break;
	case LF_Twstat:
		put4(&w, f->fid);
		put2(&w, f->nstat);
		putbytes(&w, f->stat, f->nstat);
		break;
	}
	return w.pos;
}
