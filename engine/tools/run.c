/*
 * run.c: llama2.c's run for Plan 9, on the engine sources `9ml run` uses:
 *   run MODEL [-z TOKENIZER] [-t T] [-p P] [-s SEED] [-n STEPS] [-i PROMPT] [--ids]
 *       [--threads N] [--simd LEVEL | --no-simd]
 * Without -z the model's own vocabulary is used (GGUF embeds one), as
 * `9ml run` does; a llama2.c checkpoint needs its tokenizer.bin.
 * Generation mode only; text streams to stdout, tok/s to stderr. Bad
 * arguments print one line and exit with "usage" (the host's exit 2).
 * --threads N (1..256, default nm_cpu_count(): $NPROC or /dev/sysstat on
 * Plan 9) spreads the matrix products and attention heads over a pool of N
 * workers (rfork processes on Plan 9); the tokens are the same for every N.
 * --simd LEVEL picks a kernel level by name (docs/SIMD.md: plan9-sse2 on
 * 9front; sse2, avx2, avx512 on x86 hosts), --no-simd the scalar kernels;
 * by default $NINEML_SIMD, else the best level the CPU runs, as `9ml run`.
 *
 * Compiled with -DNINEML_RUNQ it is runq (llama2.c's runq): the same
 * program for quantized files only (Q8 v2 from `export quantize`, GGUF
 * Q8_0/Q4_0); an f32 model is refused with a one-line error.
 */
#include "port/port.h"
#include "formats/formats.h"
#include "model/generate.h"
#include "tokenizer.h"

enum { ERRLEN = 512, MAXPROMPT = 1 << 20, MAXTHREADS = 256 };

typedef struct {
	nm_vocab *vocab;
	int ids;
	int skip; /* forced prompt tokens not to list under --ids */
	int first;
	double start;
} Stream;

#ifdef NINEML_RUNQ
#define PROG "runq"
#else
#define PROG "run"
#endif

#define USAGE PROG " MODEL [-z TOKENIZER] [-t T] [-p P] [-s SEED] [-n STEPS] [-i PROMPT] [--ids] [--threads N] [--simd LEVEL | --no-simd]"

static void
fail(char *what, char *msg)
{
	fprint(2, PROG ": %s: %s\n", what, msg);
	exits("usage");
}

static void
on_token(void *arg, int prev, int token)
{
	Stream *st = arg;
	const char *piece;
	int len;
	char err[ERRLEN];

	if (st->first == 0) {
		st->first = 1;
		st->start = nm_seconds();
	}
	if (st->ids) {
		if (st->skip > 0)
			st->skip--;
		else
			print(" %d", token);
		return;
	}
	if (nm_tok_decode_piece(st->vocab, prev, token, &piece, &len, err, sizeof err) != 0)
		return;
	/* run.c's safe_printf: a lone unprintable byte is not shown */
	if (len == 1 && !((piece[0] >= 32 && piece[0] < 127) || piece[0] == '\n' || piece[0] == '\t'))
		return;
	write(1, piece, len);
}

void
main(int argc, char **argv)
{
	char *model_path = nil, *tok_path = nil, *prompt = "";
	float temperature = 1.0f, topp = 0.9f;
	nm_u64 seed = 0;
	int steps = 256, ids = 0, threads = 0, no_simd = 0, i, n_prompt, pos;
	char *simd = nil;
	char err[ERRLEN];
	const char *why;
	nm_model m;
	nm_vocab v;
	nm_state *s;
	nm_sampler sp;
	nm_exec ex;
	Stream st;
	int *prompt_ids;

	nm_fp_ieee_mode();
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--ids") == 0) {
			ids = 1;
			continue;
		}
		if (strcmp(argv[i], "--no-simd") == 0) {
			no_simd = 1;
			continue;
		}
		if (argv[i][0] != '-') {
			model_path = argv[i];
			continue;
		}
		if (i + 1 >= argc)
			fail(argv[i], "needs a value");
		if (strcmp(argv[i], "-z") == 0)
			tok_path = argv[++i];
		else if (strcmp(argv[i], "-t") == 0)
			temperature = atof(argv[++i]);
		else if (strcmp(argv[i], "-p") == 0)
			topp = atof(argv[++i]);
		else if (strcmp(argv[i], "-s") == 0)
			seed = strtoull(argv[++i], nil, 10);
		else if (strcmp(argv[i], "-n") == 0)
			steps = atoi(argv[++i]);
		else if (strcmp(argv[i], "-i") == 0)
			prompt = argv[++i];
		else if (strcmp(argv[i], "--threads") == 0) {
			threads = atoi(argv[++i]);
			if (threads < 1 || threads > MAXTHREADS)
				fail("--threads", "must be 1..256");
		} else if (strcmp(argv[i], "--simd") == 0)
			simd = argv[++i];
		else
			fail(argv[i], "unknown option");
	}
	if (model_path == nil)
		fail("usage", USAGE);
	if (no_simd && simd != nil)
		fail("--simd", "cannot be combined with --no-simd");
	ex.k = no_simd ? nm_kernels_scalar() : nm_kernels_select(simd);
	if (ex.k == nil)
		fail("--simd", "unknown kernel level, or not available on this CPU or build");
	if (temperature < 0.0f)
		fail("-t", "temperature must be >= 0");
	if (topp < 0.0f || topp > 1.0f)
		fail("-p", "top-p must be in [0, 1]");
	if (seed == 0)
		seed = (nm_u64)time(0);
	if (nm_model_load(&m, model_path, err, sizeof err) != 0)
		fail("MODEL", err);
#ifdef NINEML_RUNQ
	if (m.wq[0].type != NM_T_Q8 && m.wq[0].type != NM_T_Q4_0)
		fail(model_path, "not quantized: runq reads Q8 (v2) and Q4_0 files; make one with export quantize");
#endif
	if (tok_path == nil) {
		if (nm_vocab_from_model(&v, &m, err, sizeof err) != 0)
			fail("-z", "the model has no vocabulary of its own; pass -z TOKENIZER");
	} else if (nm_vocab_from_file(&v, tok_path, m.cfg.vocab_size, err, sizeof err) != 0)
		fail("-z", err);
	if (steps < 0 || steps > m.cfg.seq_len)
		fail("-n", "steps beyond the model's seq_len");
	if (steps == 0)
		steps = m.cfg.seq_len;
	if (strlen(prompt) > MAXPROMPT)
		fail("-i", "prompt too long");
	prompt_ids = nm_alloc((nm_u64)nm_tok_encode_max(strlen(prompt)) * sizeof(int));
	if (prompt_ids == nil)
		fail("-i", "out of memory");
	if (nm_tok_encode(&v, prompt, strlen(prompt), 1, 0, prompt_ids,
	                  nm_tok_encode_max(strlen(prompt)), &n_prompt, err, sizeof err) != 0)
		fail("-i", err);
	if (n_prompt > steps)
		fail("-i", "the prompt is longer than the steps (or seq_len)");
	s = nm_state_new_ctx(&m, steps, &why);	/* the KV cache holds the steps asked for */
	if (s == nil)
		fail(model_path, (char *)why);
	if (nm_sampler_init(&sp, m.cfg.vocab_size, temperature, topp, seed) != 0)
		fail(PROG, "out of memory");
	if (threads == 0)
		threads = nm_cpu_count() > MAXTHREADS ? MAXTHREADS : nm_cpu_count();
	ex.pool = nil;
	/* Last: nothing after this fails, and every worker must be stopped
	 * before exits (on Plan 9 they are processes that outlive main). */
	if (threads > 1) {
		ex.pool = nm_pool_create(threads);
		if (ex.pool == nil)
			fail("--threads", "cannot start the workers");
	}
	st.vocab = &v;
	st.ids = ids;
	st.skip = n_prompt - 1;
	st.first = 0;
	st.start = 0;
	if (ids) {
		print("prompt:");
		for (i = 0; i < n_prompt; i++)
			print(" %d", prompt_ids[i]);
		print("\ngenerated:");
	}
	{
		nm_gen_callbacks cb;
		cb.on_logits = nil;
		cb.on_token = on_token;
		cb.arg = &st;
		cb.stop = nil;
		pos = nm_generate(s, &m, &ex, &sp, prompt_ids, n_prompt, steps, &cb);
	}
	print("\n");
	nm_pool_free(ex.pool);
	if (pos > 1 && nm_seconds() > st.start)
		fprint(2, "achieved tok/s: %f\n", (pos - 1) / (nm_seconds() - st.start));
	nm_sampler_free(&sp);
	nm_state_free(s);
	nm_vocab_free(&v);
	nm_model_free(&m);
	exits(nil);
}
