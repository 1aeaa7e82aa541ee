/* chat.c: run.c's chat loop: user turns in the template, replies to EOS. */
#include "model/generate.h"

enum { TEXT_CAP = 4096, SYSTEM_CAP = 2048, RENDER_CAP = TEXT_CAP + SYSTEM_CAP + 64, WHY_CAP = 256 };

typedef struct {
	char system[SYSTEM_CAP];
	char user[TEXT_CAP];
	char rendered[RENDER_CAP];
	char why[WHY_CAP];
	int *ids;
	int cap;
} chat_buf;

/* One-line messages without printf (Plan 9's verbs differ): pieces appended
 * to err[0..cap-1], always terminated, silently truncated. */
typedef struct {
	char *buf;
	int cap;
	int len;
} msg;

static void
msg_s(msg *m, const char *s)
{
	for (; *s != 0 && m->len + 1 < m->cap; s++)
		m->buf[m->len++] = *s;
	if (m->cap > 0)
		m->buf[m->len] = 0;
}

static void
msg_d(msg *m, int d)
{
	char digits[16], one[2];
	int n = 0;
	nm_u32 u = d < 0 ? (nm_u32)0 - (nm_u32)d : (nm_u32)d;

	if (d < 0)
		msg_s(m, "-");
	do {
		digits[n++] = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u != 0);
	one[1] = 0;
	while (n > 0) {
		one[0] = digits[--n];
		msg_s(m, one);
	}
}

static void
msg_start(msg *m, char *err, int cap)
{
	m->buf = err;
	m->cap = err == nil || cap < 0 ? 0 : cap;
	m->len = 0;
	if (m->cap > 0)
		m->buf[0] = 0;
}

/* err = "a" d "b" (d2 "c" when c is not nil): the chat's messages. */
static void
say(char *err, int cap, const char *a, int d, const char *b, int d2, const char *c)
{
	msg m;

	msg_start(&m, err, cap);
	msg_s(&m, a);
	msg_d(&m, d);
	msg_s(&m, b);
	if (c == nil)
		return;
	msg_d(&m, d2);
	msg_s(&m, c);
}

/* Reads, renders and encodes the next user turn into b->ids: 1, or 0 at
 * the end of input, or -1 on an error described in err. */
static int
next_turn(chat_buf *b, const nm_chat_io *io, int turn, int *n_ids, char *err, int errcap)
{
	int n;

	b->system[0] = 0;
	if (turn == 0 && io->read_system != nil) {
		n = io->read_system(io->arg, b->system, SYSTEM_CAP);
		if (n < 0)
			return 0;
		if (n >= SYSTEM_CAP) {
			say(err, errcap, "the system prompt is ", n, " bytes; at most ", SYSTEM_CAP - 1, " fit");
			return -1;
		}
	}
	n = io->read_user(io->arg, turn, b->user, TEXT_CAP);
	if (n < 0)
		return 0;
	if (n >= TEXT_CAP) {
		say(err, errcap, "turn ", turn + 1, " is ", n, " bytes long; at most 4095 fit");
		return -1;
	}
	if (nm_chat_render(b->rendered, RENDER_CAP, turn == 0 ? b->system : nil, b->user) < 0) {
		say(err, errcap, "turn ", turn + 1, ": the chat template does not fit ", RENDER_CAP - 1, " bytes");
		return -1;
	}
	b->why[0] = 0;
	if (io->encode(io->arg, b->rendered, b->ids, b->cap, n_ids, b->why, WHY_CAP) != 0) {
		msg m;

		msg_start(&m, err, errcap);
		msg_s(&m, "turn ");
		msg_d(&m, turn + 1);
		msg_s(&m, ": ");
		msg_s(&m, b->why[0] != 0 ? b->why : "cannot be encoded");
		return -1;
	}
	return 1;
}

int
nm_chat(nm_state *s, const nm_model *m, const nm_exec *e, nm_sampler *sp, int steps,
        const nm_chat_io *io, char *err, int errcap)
{
	chat_buf *b;
	int pos = 0, turn = 0, user_turn = 1, user_idx = 0, n_ids = 0, token = 0, next = 0;
	int status = 0, got;

	if (err != nil && errcap > 0)
		err[0] = 0;
	if (steps <= 0 || steps > s->ctx)
		steps = s->ctx;
	b = nm_alloc(sizeof(chat_buf));
	if (b == nil) {
		say(err, errcap, "out of memory for the chat's buffers (", (int)(sizeof(chat_buf) >> 10), " KiB)", 0, nil);
		return -1;
	}
	b->cap = RENDER_CAP + 3;	// encode never makes more ids than bytes + BOS/EOS/prefix
	b->ids = nm_alloc((nm_u64)b->cap * sizeof(int));
	if (b->ids == nil) {
		nm_free(b);
		say(err, errcap, "out of memory for the chat's buffers (", (int)(sizeof(chat_buf) >> 10), " KiB)", 0, nil);
		return -1;
	}
	while (pos < steps) {
		if (user_turn) {
			got = next_turn(b, io, turn, &n_ids, err, errcap);
			if (got < 0)
				status = -1;
			if (got <= 0)
				break;
			if (n_ids < 1) {
				say(err, errcap, "turn ", turn + 1, " encodes to no tokens", 0, nil);
				status = -1;
				break;
			}
			if (pos + n_ids > steps) {
				msg m;

				msg_start(&m, err, errcap);
				msg_s(&m, "turn ");
				msg_d(&m, turn + 1);
				msg_s(&m, " is ");
				msg_d(&m, n_ids);
				msg_s(&m, " tokens, more than the ");
				msg_d(&m, steps - pos);
				msg_s(&m, " positions left of ");
				msg_d(&m, steps);
				status = -1;
				break;
			}
			turn++;
			user_idx = 0;
			user_turn = 0;
			if (io->on_reply_start != nil)
				io->on_reply_start(io->arg);
		}
		if (user_idx < n_ids)
			token = b->ids[user_idx++];
		else
			token = next;
		if (token == NM_TOKEN_EOS)
			user_turn = 1;
		float *logits = nm_forward(s, m, e, token, pos);
		if (logits == nil) {
			say(err, errcap, "position ", pos, ": the forward pass failed", 0, nil);
			status = -1;
			break;
		}
		next = nm_sampler_sample(sp, e->k, logits);
		pos++;
		if (user_idx >= n_ids && next != NM_TOKEN_EOS && io->on_token != nil)
			io->on_token(io->arg, token, next);
		if (next == NM_TOKEN_EOS && io->on_reply_end != nil)
			io->on_reply_end(io->arg);
	}
	nm_free(b->ids);
	nm_free(b);
	return status < 0 ? -1 : pos;
}
