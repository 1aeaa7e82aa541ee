/*
 * session.c: one client's generation settings, prompt and results, and the
 * thread that generates. The generation is `9ml run`'s: the same load, the
 * same encoding (BOS, no EOS), sampler, state (a KV cache of `steps`
 * positions), kernel table and nm_generate, so the same settings give the
 * same token ids. The server lock is held by every function here except
 * while the thread computes.
 */
#include "internal.h"

lf_session *
lf_session_new(lf_server *s, lf_conn *owner, char *err, int errlen)
{
	lf_session *ss;
	nm_text t;

	if (s->nsessions >= s->lim.max_sessions) {
		nm_text_init(&t, err, errlen);
		nm_text_str(&t, "clone: ");
		nm_text_i64(&t, s->nsessions);
		nm_text_str(&t, " sessions are open, the server's limit (--max-sessions)");
		return nil;
	}
	ss = nm_alloc(sizeof *ss);
	if (ss == nil) {
		nm_err(err, errlen, "clone", "out of memory");
		return nil;
	}
	ss->id = s->next_id++;
	ss->owner = owner;
	ss->temp = 1.0f;	/* run.c's defaults */
	ss->topp = 0.9f;
	ss->seed = 0;
	ss->steps = 256;
	ss->status = LF_IDLE;
	ss->next = s->sessions;
	s->sessions = ss;
	s->nsessions++;
	return ss;
}

lf_session *
lf_session_find(lf_server *s, int id)
{
	lf_session *ss;

	for (ss = s->sessions; ss != nil; ss = ss->next)
		if (ss->id == id)
			return ss;
	return nil;
}

/* Cancels the session's generation and waits for its thread to end. */
static void
stop_generation(lf_server *s, lf_session *ss)
{
	ss->cancel = 1;
	while (ss->running)
		nm_cond_wait(s->changed);
	ss->cancel = 0;
}

static void
unbind(lf_session *ss)
{
	if (ss->bound != nil)
		ss->bound->refs--;
	ss->bound = nil;
}

void
lf_session_close(lf_server *s, lf_session *ss)
{
	lf_session **pp;

	stop_generation(s, ss);
	for (pp = &s->sessions; *pp != nil; pp = &(*pp)->next)
		if (*pp == ss) {
			*pp = ss->next;
			break;
		}
	s->nsessions--;
	unbind(ss);
	lf_buf_free(&ss->prompt);
	lf_buf_free(&ss->output);
	lf_buf_free(&ss->ids);
	lf_wake(s, ss->id);	/* its pending reads get an error */
	nm_free(ss);
}

int
lf_session_bind(lf_server *s, lf_session *ss, char *name, char *err, int errlen)
{
	char *w[2];
	lf_model *e;
	nm_text t;

	if (lf_words(name, w, 1) != 1) {
		nm_err(err, errlen, "model", "write one pool name, or (default)");
		return -1;
	}
	if (nm_streq(w[0], "(default)")) {
		unbind(ss);
		return 0;
	}
	e = lf_pool_find(&s->pool, w[0]);
	if (e == nil) {
		nm_text_init(&t, err, errlen);
		nm_text_str(&t, "model ");
		nm_text_str(&t, w[0]);
		nm_text_str(&t, ": not in the pool (pool-load it first)");
		return -1;
	}
	e->refs++;
	unbind(ss);
	ss->bound = e;
	lf_pool_touch(&s->pool, e);
	return 0;
}

/* ---- the generation thread ---- */

typedef struct {
	lf_server *s;
	lf_session *ss;
	nm_vocab *v;
	int epoch;
	int n_prompt, seen;
	double start;
	int first;
} Gen;

static int
gen_stop(void *arg)
{
	Gen *g = arg;
	int stop;

	nm_lock_acquire(g->s->lk);
	stop = g->ss->cancel;
	nm_lock_release(g->s->lk);
	return stop;
}

static void
put_id(lf_buf *b, int id)
{
	char num[16];
	nm_text t;

	nm_text_init(&t, num, sizeof num);
	nm_text_str(&t, " ");
	nm_text_i64(&t, id);
	lf_buf_put(b, num, (nm_u64)t.len);
}

/* run.c's safe_printf, as `9ml run` prints: a lone unprintable byte is not shown */
static int
shown(const char *p, int len)
{
	int c = (nm_u8)p[0];

	return len != 1 || (c >= 32 && c < 127) || c == '\n' || c == '\t' || c == '\r';
}

static void
gen_token(void *arg, int prev, int token)
{
	Gen *g = arg;
	lf_session *ss = g->ss;
	const char *piece;
	int len, oom = 0;
	char err[LF_ERRLEN];

	nm_lock_acquire(g->s->lk);
	if (!g->first) {
		g->first = 1;
		g->start = nm_seconds();
	}
	g->seen++;
	if (g->seen == g->n_prompt)
		lf_buf_put(&ss->ids, "\ngenerated:", 11);
	if (g->seen >= g->n_prompt)
		put_id(&ss->ids, token);
	if (nm_tok_decode_piece(g->v, prev, token, &piece, &len, err, sizeof err) == 0 && shown(piece, len))
		oom = lf_buf_put(&ss->output, piece, (nm_u64)len) != 0;
	ss->pos++;
	if (oom)
		ss->cancel = 1;
	lf_wake(g->s, ss->id);
	nm_lock_release(g->s->lk);
}

/* State, sampler and the run, on the session's thread. */
static void
gen_main(void *arg)
{
	Gen *g = arg;
	lf_server *s = g->s;
	lf_session *ss = g->ss;
	lf_model *e = ss->gen_model;
	nm_state *st = nil;
	nm_sampler sp;
	nm_exec ex;
	nm_gen_callbacks cb;
	int *ids, n, pos, steps, ok = 0;
	nm_u64 bytes = 0, seed;
	const char *why = "out of memory";
	char err[LF_ERRLEN];
	nm_text t;

	nm_memset(&sp, 0, sizeof sp);
	nm_lock_acquire(s->lk);
	steps = ss->steps;
	seed = ss->seed > 0 ? ss->seed : (nm_u64)(nm_seconds() * 1e6);
	n = nm_tok_encode_max((int)ss->prompt.len);
	ids = nm_alloc((nm_u64)n * sizeof(int));
	err[0] = 0;
	if (ids == nil ||
	    nm_tok_encode(&e->v, ss->prompt.p == nil ? "" : ss->prompt.p, (int)ss->prompt.len, 1, 0, ids, n,
	                  &n, err, sizeof err) != 0) {
		nm_strlcpy(ss->error, err[0] != 0 ? err : "out of memory", sizeof ss->error);
		goto out;
	}
	if (n > steps) {
		nm_text_init(&t, ss->error, sizeof ss->error);
		nm_text_str(&t, "the prompt is ");
		nm_text_i64(&t, n);
		nm_text_str(&t, " tokens, more than the ");
		nm_text_i64(&t, steps);
		nm_text_str(&t, " steps");
		goto out;
	}
	nm_lock_release(s->lk);
	st = nm_state_new_ctx(&e->m, steps, &why);
	if (st != nil && nm_sampler_init(&sp, e->m.cfg.vocab_size, ss->temp, ss->topp, seed) != 0)
		why = "out of memory";
	nm_lock_acquire(s->lk);
	if (st == nil || sp.scratch == nil) {
		nm_strlcpy(ss->error, why, sizeof ss->error);
		goto out;
	}
	bytes = nm_state_bytes(st) + nm_alloc_size(sp.scratch) + nm_alloc_size(ids);
	if (lf_pool_reserve(&s->pool, bytes, ss->error, sizeof ss->error) != 0) {
		bytes = 0;
		goto out;
	}
	s->pool.cache_bytes += bytes;
	lf_buf_put(&ss->ids, "prompt:", 7);
	for (pos = 0; pos < n; pos++)
		put_id(&ss->ids, ids[pos]);
	g->n_prompt = n;
	ss->total = steps;
	nm_lock_release(s->lk);

	ex.k = s->k;
	ex.pool = nil;
	if (s->lim.threads > 1)
		ex.pool = nm_pool_create(s->lim.threads);
	cb.on_logits = nil;
	cb.on_token = gen_token;
	cb.arg = g;
	cb.stop = gen_stop;
	g->v = &e->v;
	pos = nm_generate(st, &e->m, &ex, &sp, ids, n, steps, &cb);
	nm_pool_free(ex.pool);

	nm_lock_acquire(s->lk);
	if (pos < 0)
		nm_strlcpy(ss->error, "the forward pass failed", sizeof ss->error);
	else if (ss->cancel && g->epoch == ss->gen_epoch)
		nm_strlcpy(ss->error, "cancelled", sizeof ss->error);
	else
		ok = 1;
	if (g->seen < n)	/* no generated token: the ids still get their line */
		lf_buf_put(&ss->ids, "\ngenerated:", 11);
	lf_buf_put(&ss->ids, "\n", 1);
	if (ok && pos > 1 && g->first && nm_seconds() > g->start)
		ss->tok_s = (pos - 1) / (nm_seconds() - g->start);
out:
	s->pool.cache_bytes -= bytes;
	if (g->epoch == ss->gen_epoch)
		ss->status = ok ? LF_DONE : LF_ERROR;
	e->refs--;
	ss->gen_model = nil;
	ss->running = 0;
	s->running--;
	nm_cond_broadcast(s->changed);
	lf_wake(s, ss->id);
	nm_lock_release(s->lk);	/* ss may be freed from here on */
	nm_state_free(st);
	nm_sampler_free(&sp);
	nm_free(ids);
	nm_free(g);
}

static int
generate(lf_server *s, lf_session *ss, char *err, int errlen)
{
	lf_model *e = ss->bound != nil ? ss->bound : s->deflt;
	Gen *g;
	nm_text t;
	char why[LF_ERRLEN];

	nm_text_init(&t, err, errlen);
	if (ss->running) {
		nm_text_str(&t, "generate: session ");
		nm_text_i64(&t, ss->id);
		nm_text_str(&t, " is generating (reset stops it)");
		return -1;
	}
	if (e == nil) {
		nm_text_str(&t, "generate: no model: load one on the server's ctl, or bind a pool model");
		return -1;
	}
	if (ss->steps > e->m.cfg.seq_len) {
		nm_text_str(&t, "generate: steps ");
		nm_text_i64(&t, ss->steps);
		nm_text_str(&t, " beyond the model's seq_len ");
		nm_text_i64(&t, e->m.cfg.seq_len);
		return -1;
	}
	g = nm_alloc(sizeof *g);
	if (g == nil) {
		nm_text_str(&t, "generate: out of memory");
		return -1;
	}
	g->s = s;
	g->ss = ss;
	g->epoch = ++ss->gen_epoch;
	lf_buf_reset(&ss->output);
	lf_buf_reset(&ss->ids);
	ss->error[0] = 0;
	ss->pos = 0;
	ss->total = ss->steps;
	ss->tok_s = 0;
	ss->status = LF_GENERATING;
	ss->running = 1;
	ss->cancel = 0;
	ss->gen_model = e;
	e->refs++;
	lf_pool_touch(&s->pool, e);
	s->running++;
	if (nm_thread_start(gen_main, g, why, sizeof why) != 0) {
		e->refs--;
		ss->gen_model = nil;
		ss->running = 0;
		s->running--;
		ss->status = LF_IDLE;
		nm_free(g);
		nm_text_str(&t, "generate: ");
		nm_text_str(&t, why);
		return -1;
	}
	return 0;
}

static int
bad(char *err, int errlen, const char *word, const char *value, const char *want)
{
	nm_text t;

	nm_text_init(&t, err, errlen);
	nm_text_str(&t, word);
	nm_text_str(&t, " ");
	nm_text_str(&t, value);
	nm_text_str(&t, ": ");
	nm_text_str(&t, want);
	return -1;
}

int
lf_session_ctl(lf_server *s, lf_session *ss, char *cmd, char *err, int errlen)
{
	char *w[3];
	int n = lf_words(cmd, w, 3), steps;
	float f;
	nm_u64 seed;

	if (n == 1 && nm_streq(w[0], "generate"))
		return generate(s, ss, err, errlen);
	if (n == 1 && nm_streq(w[0], "close")) {
		lf_session_close(s, ss);
		return 0;
	}
	if (n == 1 && nm_streq(w[0], "reset")) {
		ss->gen_epoch++;
		stop_generation(s, ss);
		lf_buf_reset(&ss->prompt);
		lf_buf_reset(&ss->output);
		lf_buf_reset(&ss->ids);
		ss->status = LF_IDLE;
		ss->error[0] = 0;
		ss->pos = ss->total = 0;
		lf_wake(s, ss->id);
		return 0;
	}
	if (n == 2 && nm_streq(w[0], "temp")) {
		if (lf_parse_float(w[1], &f) != 0 || f < 0)
			return bad(err, errlen, "temp", w[1], "expected a decimal number >= 0");
		ss->temp = f;
		return 0;
	}
	if (n == 2 && nm_streq(w[0], "topp")) {
		if (lf_parse_float(w[1], &f) != 0 || f < 0 || f > 1)
			return bad(err, errlen, "topp", w[1], "expected a decimal number in [0, 1]");
		ss->topp = f;
		return 0;
	}
	if (n == 2 && nm_streq(w[0], "seed")) {
		if (lf_parse_u64(w[1], &seed) != 0)
			return bad(err, errlen, "seed", w[1], "expected a whole number 0..2^64-1 (0: the time)");
		ss->seed = seed;
		return 0;
	}
	if (n == 2 && nm_streq(w[0], "steps")) {
		if (lf_parse_int(w[1], 1, s->lim.max_steps, &steps) != 0) {
			nm_text t;
			char range[48];

			nm_text_init(&t, range, sizeof range);
			nm_text_str(&t, "expected a whole number 1..");
			nm_text_i64(&t, s->lim.max_steps);
			nm_text_str(&t, " (--max-steps)");
			return bad(err, errlen, "steps", w[1], range);
		}
		ss->steps = steps;
		return 0;
	}
	nm_err(err, errlen, "ctl", "unknown command: expected temp F, topp F, seed N, steps N, generate, reset or close");
	return -1;
}

void
lf_session_status(lf_session *ss, nm_text *t)
{
	switch (ss->status) {
	case LF_IDLE:
		nm_text_str(t, "idle");
		break;
	case LF_GENERATING:
		nm_text_str(t, "generating ");
		nm_text_i64(t, ss->pos);
		nm_text_str(t, "/");
		nm_text_i64(t, ss->total);
		break;
	case LF_DONE:
		nm_text_str(t, "done ");
		lf_text_fixed(t, ss->tok_s, 2);
		nm_text_str(t, " tok/s");
		break;
	default:
		nm_text_str(t, "error ");
		nm_text_str(t, ss->error);
	}
	lf_text_nl(t);
}

void
lf_session_settings(lf_session *ss, nm_text *t)
{
	nm_text_str(t, "temp ");
	lf_text_fixed(t, ss->temp, 6);
	nm_text_str(t, " topp ");
	lf_text_fixed(t, ss->topp, 6);
	nm_text_str(t, " seed ");
	nm_text_u64(t, ss->seed);
	nm_text_str(t, " steps ");
	nm_text_i64(t, ss->steps);
	lf_text_nl(t);
}

nm_u64
lf_session_bytes(lf_session *ss)
{
	return nm_alloc_size(ss) + lf_buf_bytes(&ss->prompt) + lf_buf_bytes(&ss->output) +
	       lf_buf_bytes(&ss->ids);
}
