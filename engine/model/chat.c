/* chat.c: run.c's chat loop: user turns in the template, replies to EOS. */
#include "model/generate.h"

enum { TEXT_CAP = 4096, SYSTEM_CAP = 2048, RENDER_CAP = TEXT_CAP + SYSTEM_CAP + 64 };

typedef struct {
	char system[SYSTEM_CAP];
	char user[TEXT_CAP];
	char rendered[RENDER_CAP];
	int *ids;
	int cap;
} chat_buf;

/* Reads, renders and encodes the next user turn into b->ids; -1 ends. */
static int
next_turn(chat_buf *b, const nm_chat_io *io, int turn, int *n_ids)
{
	b->system[0] = 0;
	if (turn == 0 && io->read_system != nil && io->read_system(io->arg, b->system, SYSTEM_CAP) < 0)
		return -1;
	if (io->read_user(io->arg, turn, b->user, TEXT_CAP) < 0)
		return -1;
	if (nm_chat_render(b->rendered, RENDER_CAP, turn == 0 ? b->system : nil, b->user) < 0)
		return -1;
	return io->encode(io->arg, b->rendered, b->ids, b->cap, n_ids);
}

int
nm_chat(nm_state *s, const nm_model *m, const nm_exec *e, nm_sampler *sp, int steps,
        const nm_chat_io *io)
{
	chat_buf *b;
	int pos = 0, turn = 0, user_turn = 1, user_idx = 0, n_ids = 0, token = 0, next = 0;
	int status = 0;

	if (steps <= 0 || steps > m->cfg.seq_len)
		steps = m->cfg.seq_len;
	b = nm_alloc(sizeof(chat_buf));
	if (b == nil)
		return -1;
	b->cap = RENDER_CAP + 3;	// encode never makes more ids than bytes + BOS/EOS/prefix
	b->ids = nm_alloc((nm_u64)b->cap * sizeof(int));
	if (b->ids == nil) {
		nm_free(b);
		return -1;
	}
	while (pos < steps) {
		if (user_turn) {
			if (next_turn(b, io, turn, &n_ids) < 0)
				break;
			if (n_ids < 1 || pos + n_ids > steps) {
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
