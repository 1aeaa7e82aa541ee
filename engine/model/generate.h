/*
 * generate.h: run.c's sampler object and generation loop over nm_forward.
 * Token ids only; text comes from the caller's callbacks (docs/FORWARD.md).
 */
#ifndef NINEML_GENERATE_H
#define NINEML_GENERATE_H

#include "model/forward.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { NM_TOKEN_BOS = 1, NM_TOKEN_EOS = 2 };

typedef struct {
	int vocab_size;
	float temperature, topp;
	nm_u64 rng_state;
	nm_prob_index *scratch; /* vocab_size entries for top-p */
} nm_sampler;

/* Returns 0, or -1 when the scratch cannot be allocated. */
int nm_sampler_init(nm_sampler *sp, int vocab_size, float temperature, float topp, nm_u64 seed);
void nm_sampler_free(nm_sampler *sp);
/* run.c's sample(): logits are modified in place. Greedy (temperature 0)
 * uses k's argmax (nil: scalar's). */
int nm_sampler_sample(nm_sampler *sp, const nm_kernel_table *k, float *logits);

typedef struct {
	/* Called with the logits at each position before sampling (may be nil). */
	void (*on_logits)(void *arg, int pos, const float *logits, int n);
	/* Called for each token that follows `prev`, as run.c prints pieces
	 * (prompt tokens included, the terminating BOS not). May be nil. */
	void (*on_token)(void *arg, int prev, int token);
	void *arg;
	/* Asked before each position's forward pass (may be nil): non-zero
	 * ends the generation there, as if the steps were used up (llmfs's
	 * cancel of a session). */
	int (*stop)(void *arg);
} nm_gen_callbacks;

/*
 * run.c's generate(): feeds prompt[0..n_prompt), then samples until token
 * BOS (1) or `steps` positions (steps <= 0 or > s->ctx means s->ctx).
 * Returns the number of positions run, or -1 when n_prompt < 1, a prompt
 * token lies outside the vocabulary, the prompt is longer than steps or
 * the forward pass fails.
 */
int nm_generate(nm_state *s, const nm_model *m, const nm_exec *e, nm_sampler *sp,
                const int *prompt, int n_prompt, int steps, const nm_gen_callbacks *cb);

/*
 * Llama 2 chat template for one user turn, NUL-terminated into out (cap
 * bytes): with a non-empty system prompt
 *   "[INST] <<SYS>>\n" system "\n<</SYS>>\n\n" user " [/INST]"
 * else "[INST] " user " [/INST]" (run.c's chat()). Returns the length, or -1
 * when it does not fit.
 */
int nm_chat_render(char *out, int cap, const char *system, const char *user);

typedef struct {
	/* The next user turn into buf (cap bytes, NUL-terminated); the system
	 * prompt is asked once, before the first turn (turn 0). Return the
	 * text's length as snprintf does (a length >= cap: it did not fit, an
	 * error), or -1 at the end of input, which ends the chat. */
	int (*read_system)(void *arg, char *buf, int cap);
	int (*read_user)(void *arg, int turn, char *buf, int cap);
	/* on_reply_start once a turn is encoded and fits (run.c prints
	 * "Assistant: " there; may be nil); the assistant's tokens as run.c
	 * prints them; on_reply_end after EOS. */
	void (*on_reply_start)(void *arg);
	void (*on_token)(void *arg, int prev, int token);
	void (*on_reply_end)(void *arg);
	/* Encodes a rendered turn with BOS into ids (cap entries): 0, or -1
	 * with the reason in err (errcap bytes; may be left empty). */
	int (*encode)(void *arg, const char *text, int *ids, int cap, int *n_ids, char *err, int errcap);
	void *arg;
} nm_chat_io;

/*
 * run.c's chat(): each user turn is rendered, encoded with BOS and fed;
 * then the assistant samples until EOS (2), when the next user turn starts;
 * everything shares one context of `steps` positions (<= 0 or > s->ctx:
 * s->ctx). Returns the positions used when the input ends or the context
 * is full, or -1 with a one-line reason in err (errcap bytes; err may be
 * nil) when the system prompt (2047 bytes at most) or a turn (4095) is too
 * long, a turn does not encode or does not fit in the positions left, or
 * the forward pass fails.
 */
int nm_chat(nm_state *s, const nm_model *m, const nm_exec *e, nm_sampler *sp, int steps,
            const nm_chat_io *io, char *err, int errcap);

#ifdef __cplusplus
}
#endif

#endif
