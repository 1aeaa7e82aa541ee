/*
 * llmfs.h: inference served as a 9P2000 file system (docs/LLMFS.md). One
 * server core in portable C for the host's `9ml llmfs` and 9front's
 * 6.llmfs; transports and threads come from port.h.
 *
 *	lf_limits lim;
 *	lf_limits_default(&lim);
 *	lf_server *s = lf_server_new(&lim, err, sizeof err);
 *	lf_server_allow(s, "/models", err, sizeof err);	  each --models DIR
 *	lf_server_ctl(s, "load /models/m.bin /models/tok.bin", err, sizeof err);  optional preload
 *	lf_serve(s, nm_announce("tcp!127.0.0.1!5640", ...), ...);  accept loop, a thread per connection
 *	lf_server_free(s);
 */
#ifndef NINEML_LLMFS_H
#define NINEML_LLMFS_H

#include "port/port.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
	int max_sessions;      /* sessions open at once over all connections */
	int max_prompt;        /* bytes of one session's prompt */
	int max_steps;         /* steps one generation may ask for */
	nm_u32 msize;          /* largest 9P message offered in Rversion */
	int max_models;        /* pool: models loaded at once (pool-limit's first value) */
	nm_u64 max_bytes;      /* pool: bytes (weights + caches); 0: no limit */
	int max_connections;   /* clients connected at once */
	int threads;           /* workers of one generation's matrix products */
} lf_limits;

typedef struct lf_server lf_server;
#ifdef NINEML_PLAN9
#pragma incomplete lf_server
#endif

void lf_limits_default(lf_limits *lim);
lf_server *lf_server_new(const lf_limits *lim, char *err, int errlen);
/* Frees the server: ends every session (generations are cancelled and
 * waited for) and unloads every model. No connection may be served any more. */
void lf_server_free(lf_server *s);
/* Adds a folder `load` and `pool-load` may read from (resolved with
 * nm_real_path). With none, loading is refused ("no --models folder"). */
int lf_server_allow(lf_server *s, const char *dir, char *err, int errlen);
/* Runs one server ctl command as a write of /ctl would: 0, or -1 with the
 * Rerror text in err. */
int lf_server_ctl(lf_server *s, const char *cmd, char *err, int errlen);
/* Serves one connection (a port.h conn handle) until it ends; its sessions
 * are then closed. Returns when the client is gone. */
void lf_serve_conn(lf_server *s, int conn);
/* Accepts connections on the listener, each served on its own thread,
 * until nm_accept fails; waits for the connections to end; 0, or -1 with
 * the reason in err. */
int lf_serve(lf_server *s, int listener, char *err, int errlen);

/* Pool figures as /pool/count, /pool/memory report them. */
int lf_pool_count(lf_server *s);
nm_u64 lf_pool_memory(lf_server *s);

#ifdef __cplusplus
}
#endif

#endif
