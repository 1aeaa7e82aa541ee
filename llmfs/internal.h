/*
 * internal.h: the server core's objects (docs/LLMFS.md, "Inside"). One lock,
 * the server's, guards every field here except where a comment says
 * otherwise; generation threads take it for each token they publish.
 */
#ifndef NINEML_LLMFS_INTERNAL_H
#define NINEML_LLMFS_INTERNAL_H

#include "port/port.h"
#include "formats/text.h"
#include "kernel_table.h"
#include "tokenizer.h"
#include "model/generate.h"
#include "llmfs.h"
#include "fcall.h"

enum {
	LF_ERRLEN = 256,
	LF_NAMELEN = 64,      /* pool names */
	LF_PATHLEN = 1024,
	LF_MAXDIRS = 16       /* --models folders */
};

/* A growable byte buffer (prompt, output text, ids). */
typedef struct {
	char *p;
	nm_u64 len, cap;
} lf_buf;
int lf_buf_put(lf_buf *b, const char *s, nm_u64 n);   /* 0, -1 out of memory */
void lf_buf_reset(lf_buf *b);
void lf_buf_free(lf_buf *b);
nm_u64 lf_buf_bytes(const lf_buf *b);                 /* real bytes held */

/* ---- parse.c: strict numbers and command words ---- */
/* Splits line (modified in place) into at most max words on spaces and tabs;
 * a trailing newline is dropped. The count, or -1 when there are more. */
int lf_words(char *line, char **w, int max);
int lf_parse_u64(const char *s, nm_u64 *v);           /* decimal; 0 or -1 */
int lf_parse_int(const char *s, int lo, int hi, int *v);
/* A finite decimal ("0.8", "1", "1.5e-3") rounded as std::stod then a cast to
 * float does (the host's `9ml run -t`): 0, or -1 when it is not one or has
 * more digits than an exact conversion takes. */
int lf_parse_float(const char *s, float *v);
void lf_text_fixed(nm_text *t, double v, int decimals);
void lf_text_nl(nm_text *t);

/* ---- pool.c: models in memory (docs/LLMFS.md, "The pool") ---- */
typedef struct lf_model lf_model;
struct lf_model {
	char name[LF_NAMELEN];
	char path[LF_PATHLEN];
	nm_model m;
	nm_vocab v;
	nm_u64 bytes;         /* weights, vocabulary, packed copies: real bytes */
	int refs;             /* sessions bound or generating */
	nm_u64 used;          /* LRU clock of the last bind or generation */
	int pinned;           /* the default model: never evicted */
	lf_model *next;
};

typedef struct {
	lf_model *models;
	int count;
	nm_u64 clock;
	int max_models;
	nm_u64 max_bytes;
	nm_u64 cache_bytes;   /* KV caches and scratch of running generations */
} lf_pool;

/* Loads (outside the server lock; slow) a model and its vocabulary: a
 * tokenizer path or "-" for the model's own. nil and err on failure. */
lf_model *lf_model_open(const char *path, const char *tok, const nm_kernel_table *k, char *err,
                        int errlen);
void lf_model_close(lf_model *e);
lf_model *lf_pool_find(lf_pool *p, const char *name);
/* Puts e in the pool under name, evicting least recently used unreferenced
 * models as the limits need; -1 and err (nothing changed) when they cannot
 * be met. cmd names the command in messages. */
int lf_pool_insert(lf_pool *p, lf_model *e, const char *cmd, char *err, int errlen);
/* Takes name out of the pool (caller closes it); -1 and err while in use. */
lf_model *lf_pool_remove(lf_pool *p, const char *name, const char *cmd, char *err, int errlen);
void lf_pool_touch(lf_pool *p, lf_model *e);
int lf_pool_set_limit(lf_pool *p, int max_models, nm_u64 max_bytes, char *err, int errlen);
nm_u64 lf_pool_bytes(const lf_pool *p);
/* Whether extra cache bytes fit under max_bytes after evicting what can be. */
int lf_pool_reserve(lf_pool *p, nm_u64 extra, char *err, int errlen);
void lf_pool_list(lf_pool *p, nm_text *t);

/* ---- session.c ---- */
enum { LF_IDLE, LF_GENERATING, LF_DONE, LF_ERROR };

typedef struct lf_conn lf_conn;
typedef struct lf_session lf_session;
struct lf_session {
	int id;
	lf_conn *owner;       /* the connection that cloned it; it ends with it */
	float temp, topp;
	nm_u64 seed;
	int steps;
	lf_model *bound;      /* nil: the default model */
	lf_buf prompt;
	lf_buf output;        /* the text, as `9ml run` prints it */
	lf_buf ids;           /* "prompt: ...\ngenerated: ...\n" once done */
	int status;
	int pos, total;       /* generating N/M */
	double tok_s;
	char error[LF_ERRLEN];
	int gen_epoch;        /* bumps with every generate and reset */
	/* generation thread: */
	int running;          /* a thread exists (status may already be done) */
	int cancel;
	lf_model *gen_model;  /* referenced while running */
	lf_session *next;
};

/* ---- srv.c ---- */
typedef struct lf_fid lf_fid;
struct lf_fid {
	nm_u32 fid;
	nm_u64 path;          /* qid.path: session << 8 | file */
	int open;             /* -1: not open, else the open mode */
	nm_u64 dirpos;        /* directory reads: next entry index */
	nm_u64 diroff;        /* and the offset it starts at */
	lf_fid *next;
};

typedef struct lf_pending lf_pending;
struct lf_pending {
	lf_conn *c;
	nm_u16 tag;
	nm_u64 path;
	nm_u64 offset;
	nm_u32 count;
	lf_pending *next;
};

struct lf_conn {
	int fd;
	lf_server *s;
	nm_u32 msize;
	int versioned;
	lf_fid *fids;
	nm_u8 *rbuf;          /* the message being read (connection thread only) */
	char *strs;           /* its strings */
	int gone;             /* a write failed: the peer went away */
	lf_conn *next;
};

struct lf_server {
	nm_lock *lk;
	nm_cond *changed;     /* a session's generation ended, a connection ended */
	lf_limits lim;
	const nm_kernel_table *k;
	lf_pool pool;
	lf_model *deflt;      /* also in the pool, as "default" */
	char dirs[LF_MAXDIRS][LF_PATHLEN];
	int ndirs;
	lf_session *sessions;
	int nsessions, next_id;
	lf_pending *pending;
	lf_conn *conns;
	int nconns;
	int running;          /* generation threads alive */
	nm_u8 *wbuf;          /* replies are packed here and written with the lock held */
};

/* Session operations, the server lock held. */
lf_session *lf_session_new(lf_server *s, lf_conn *owner, char *err, int errlen);
lf_session *lf_session_find(lf_server *s, int id);
/* Cancels a generation and waits for its thread (the lock is released
 * while waiting), then frees the session. */
void lf_session_close(lf_server *s, lf_session *ss);
/* A write of N/ctl; after "close" ss is freed. */
int lf_session_ctl(lf_server *s, lf_session *ss, char *cmd, char *err, int errlen);
int lf_session_bind(lf_server *s, lf_session *ss, char *name, char *err, int errlen);
void lf_session_status(lf_session *ss, nm_text *t);
void lf_session_settings(lf_session *ss, nm_text *t);
nm_u64 lf_session_bytes(lf_session *ss);

/* Pending reads of a session's files are answered once it has their data
 * (srv.c); the server lock held. Replies are written with the lock held,
 * so they leave in the order the server decided them (an Rflush after the
 * reply it flushes). */
void lf_wake(lf_server *s, int session);
void lf_model_info(lf_model *e, nm_text *t);

#endif
