/*
 * bench.c: decode tokens/s and per-kernel rates for every kernel level this
 * build and CPU have, on 1..N threads; the 9front benchmark (mk bench,
 * `9ml vm --guest 9front --bench`, docs/PERFORMANCE.md):
 *   bench [--shape 15m|tiny] [--steps N] [--threads N] [--min-time S] [--emulated]
 * The model is generated in memory with the engine's rng (llama2.c's
 * xorshift*), in the shape of stories15M (or a tiny one for tests), f32 and
 * Q8 (llama2.c v2: group 64 halved until it divides dim and hidden_dim, as
 * runq reads it): no file to carry onto the guest's FAT disk and read back
 * under emulation, and the same weights on every machine.
 * Levels: those of {scalar, sse2, avx2, avx512, plan9-sse2} that
 * nm_kernels_by_name finds here. The program cannot tell an emulated CPU
 * from a real one: --emulated (the VM harness passes it under QEMU TCG)
 * labels the figures so and says to read the ratios only.
 * Output: human lines, each followed by a machine line
 * `bench<TAB>RECORD<TAB>key=value...` (records info, decode, kernel, ratio)
 * that the host parses into bench.json.
 */
#include "port/port.h"
#include "formats/build.h"
#include "model/forward.h"
#include "kernels.h"

enum { MAXTHREADS = 64, NLEVELS = 5, MAXSTEPS = 4096 };

static char *level_names[NLEVELS] = {"scalar", "sse2", "avx2", "avx512", "plan9-sse2"};

typedef struct {
	char *name;
	int dim, hidden, layers, heads, vocab, seq;
} Shape;

static Shape shapes[] = {
	{"15m", 288, 768, 6, 6, 32000, 256},
	{"tiny", 64, 192, 2, 4, 512, 64},
};

/* The run's levels, decode rates [type][level][threads-1], kernel rates. */
enum { NTYPES = 2, NKERNELS = 7 };
static char *type_names[NTYPES] = {"f32", "q8"};
static char *kernel_names[NKERNELS] = {"matmul_f32_rows", "matmul_q8_rows", "matmul_q4_0_rows", "rmsnorm",
                                       "softmax", "residual_add", "argmax"};
static const nm_kernel_table *levels[NLEVELS];
static char *names[NLEVELS];
static int nlevels;
static double decode[NTYPES][NLEVELS][MAXTHREADS];
static double krate[NKERNELS][NLEVELS];

static void
fail(char *what, char *msg)
{
	fprint(2, "bench: %s: %s\n", what, msg);
	exits("usage");
}

/* n floats uniform in [-scale, scale), owned by m. */
static float *
uniform(nm_model *m, nm_u64 n, float scale, nm_u64 *rng)
{
	float *f = nm_model_own(m, n * sizeof(float));

	if (f == nil)
		fail("model", "out of memory");
	for (nm_u64 i = 0; i < n; i++)
		f[i] = (2.0f * nm_random_f32(rng) - 1.0f) * scale;
	return f;
}

static float *
ones(nm_model *m, nm_u64 n)
{
	float *f = nm_model_own(m, n * sizeof(float));

	if (f == nil)
		fail("model", "out of memory");
	for (nm_u64 i = 0; i < n; i++)
		f[i] = 1.0f;
	return f;
}

/* A rows x cols matrix, f32 or Q8 (random bytes, one scale), as 9ml bench's. */
static void
tensor(nm_model *m, nm_tensor *t, int rows, int cols, int gs, nm_u64 *rng)
{
	nm_u64 n = (nm_u64)rows * cols;
	float scale = 1.0f / cols;

	t->rows = rows;
	t->cols = cols;
	if (gs == 0) {
		t->type = NM_T_F32;
		t->f = uniform(m, n, scale, rng);
		return;
	}
	t->type = NM_T_Q8;
	t->group_size = gs;
	t->q = nm_model_own(m, n);
	t->s = nm_model_own(m, n / gs * sizeof(float));
	if (t->q == nil || t->s == nil)
		fail("model", "out of memory");
	for (nm_u64 i = 0; i < n; i += 4) {
		nm_u32 r = nm_random_u32(rng);
		for (nm_u64 j = i; j < i + 4 && j < n; j++, r >>= 8)
			t->q[j] = (nm_i8)((int)(r % 255) - 127);
	}
	for (nm_u64 i = 0; i < n / gs; i++)
		t->s[i] = scale / 127.0f;
}

static nm_tensor *
tensors(nm_model *m, int n)
{
	nm_tensor *t = nm_model_own(m, (nm_u64)n * sizeof(nm_tensor));

	if (t == nil)
		fail("model", "out of memory");
	return t;
}

/* The shape's model with random weights; q8: Q8 with llama2.c's group. */
static void
make_model(nm_model *m, Shape *sh, int q8)
{
	nm_config *c = &m->cfg;
	nm_u64 rng = 42;
	int gs = 64, L = sh->layers, d = sh->dim, h = sh->hidden;

	nm_memset(m, 0, sizeof *m);
	nm_memcpy(c->arch, "llama2", 7);
	nm_memcpy(m->format, "generated", 10);
	c->dim = d;
	c->hidden_dim = h;
	c->n_layers = L;
	c->n_heads = sh->heads;
	c->n_kv_heads = sh->heads;
	c->vocab_size = sh->vocab;
	c->seq_len = sh->seq;
	c->rope_theta = 10000.0f;
	c->norm_eps = 1e-5f;
	c->shared_classifier = 1;
	while (d % gs != 0 || h % gs != 0)
		gs /= 2;
	if (!q8)
		gs = 0;
	m->rms_att = ones(m, (nm_u64)L * d);
	m->rms_ffn = ones(m, (nm_u64)L * d);
	m->rms_final = ones(m, d);
	tensor(m, &m->token_embedding, sh->vocab, d, gs, &rng);
	m->wcls = m->token_embedding;
	m->wq = tensors(m, L);
	m->wk = tensors(m, L);
	m->wv = tensors(m, L);
	m->wo = tensors(m, L);
	m->w1 = tensors(m, L);
	m->w2 = tensors(m, L);
	m->w3 = tensors(m, L);
	for (int l = 0; l < L; l++) {
		tensor(m, &m->wq[l], d, d, gs, &rng);
		tensor(m, &m->wk[l], d, d, gs, &rng);
		tensor(m, &m->wv[l], d, d, gs, &rng);
		tensor(m, &m->wo[l], d, d, gs, &rng);
		tensor(m, &m->w1[l], h, d, gs, &rng);
		tensor(m, &m->w2[l], d, h, gs, &rng);
		tensor(m, &m->w3[l], h, d, gs, &rng);
	}
}

/* Greedy decode of steps tokens from position 0, as `9ml run -t 0`: tok/s. */
static double
decode_rate(nm_model *m, const nm_kernel_table *k, nm_pool *pool, int steps)
{
	const char *why = nil;
	nm_state *s = nm_state_new_ctx(m, steps, &why);
	nm_exec ex;
	int token = 1;
	double t0, t;

	if (s == nil)
		fail("state", (char *)why);
	ex.k = k;
	ex.pool = pool;
	t0 = nm_seconds();
	for (int pos = 0; pos < steps; pos++) {
		float *logits = nm_forward(s, m, &ex, token, pos);
		if (logits == nil)
			fail("decode", "forward failed");
		token = k->argmax(logits, m->cfg.vocab_size);
	}
	t = nm_seconds() - t0;
	nm_state_free(s);
	return t > 0 ? steps / t : 0;
}

/* The buffers the kernel table is timed on, in the shape's sizes. */
typedef struct {
	int d, n, gs, v;        /* matrix rows, cols, Q8 group; vector length */
	float *x, *w, *out, *y; /* x: n (and v), w: d x n, out: d (and v), y: v */
	nm_i8 *xq, *wq, *xq32;
	float *xs, *ws, *xs32;
	nm_u8 *w4;
} Bufs;

static void *
need(nm_u64 bytes)
{
	void *p = nm_alloc(bytes);

	if (p == nil)
		fail("kernels", "out of memory");
	return p;
}

static void
make_bufs(Bufs *b, Shape *sh)
{
	nm_u64 rng = 7, dn;
	int big;

	b->d = sh->hidden;
	b->n = sh->dim;
	b->v = sh->vocab;
	b->gs = 64;
	while (b->n % b->gs != 0)
		b->gs /= 2;
	dn = (nm_u64)b->d * b->n;
	big = b->v > b->d ? b->v : b->d;
	b->x = need((nm_u64)big * sizeof(float));
	b->out = need((nm_u64)big * sizeof(float));
	b->y = need((nm_u64)big * sizeof(float));
	b->w = need(dn * sizeof(float));
	b->xq = need(b->n);
	b->xs = need((nm_u64)b->n / b->gs * sizeof(float));
	b->xq32 = need(b->n);
	b->xs32 = need((nm_u64)b->n / 32 * sizeof(float));
	b->wq = need(dn);
	b->ws = need(dn / b->gs * sizeof(float));
	b->w4 = need(dn / 32 * 18);
	for (int i = 0; i < big; i++) {
		b->x[i] = 2.0f * nm_random_f32(&rng) - 1.0f;
		b->y[i] = 1e-3f * nm_random_f32(&rng);
	}
	for (nm_u64 i = 0; i < dn; i++)
		b->w[i] = (2.0f * nm_random_f32(&rng) - 1.0f) / b->n;
	nm_q8_quantize(b->wq, b->ws, b->w, (int)dn, b->gs, NM_ROUND_EVEN);
	nm_q8_quantize(b->xq, b->xs, b->x, b->n, b->gs, NM_ROUND_AWAY);
	nm_q8_quantize(b->xq32, b->xs32, b->x, b->n, 32, NM_ROUND_AWAY);
	for (int r = 0; r < b->d; r++)
		nm_q4_0_quantize(b->w4 + (nm_u64)r * (b->n / 32) * 18, b->w + (nm_u64)r * b->n, b->n);
}

static int sink;

static void
call(const nm_kernel_table *k, int which, Bufs *b)
{
	switch (which) {
	case 0:
		k->matmul_f32_rows(b->out, b->x, b->w, b->n, 0, b->d);
		break;
	case 1:
		k->matmul_q8_rows(b->out, b->xq, b->xs, b->wq, b->ws, b->n, b->gs, 0, b->d);
		break;
	case 2:
		k->matmul_q4_0_rows(b->out, b->xq32, b->xs32, b->w4, b->n, 0, b->d);
		break;
	case 3:
		k->rmsnorm(b->out, b->x, b->y, b->v, 1e-5f);
		break;
	case 4:
		k->softmax(b->out, b->v);
		break;
	case 5:
		k->residual_add(b->out, b->y, b->v);
		break;
	default:
		sink += k->argmax(b->x, b->v);
		break;
	}
}

/* GFLOP/s for the products (2 per weight), GB/s of the vector bytes each
 * call touches for the others; calls doubled until min_time has passed. */
static double
kernel_rate(const nm_kernel_table *k, int which, Bufs *b, double min_time)
{
	double dn = (double)b->d * b->n, per, t = 0;
	double work[NKERNELS];
	int reps = 1;

	work[0] = work[1] = work[2] = 2 * dn;
	work[3] = 12.0 * b->v; /* x, w read, out written */
	work[4] = 8.0 * b->v;  /* x read and written */
	work[5] = 12.0 * b->v; /* x, y read, x written */
	work[6] = 4.0 * b->v;  /* x read */
	for (int i = 0; i < b->v; i++)
		b->out[i] = b->x[i];
	call(k, which, b); /* warm */
	for (;;) {
		double t0 = nm_seconds();
		for (int i = 0; i < reps; i++)
			call(k, which, b);
		t = nm_seconds() - t0;
		if (t >= min_time || reps >= (1 << 24))
			break;
		reps *= 2;
	}
	per = t / reps;
	return per > 0 ? work[which] / per / 1e9 : 0;
}

static char *
unit(int which)
{
	return which < 3 ? "GFLOP/s" : "GB/s";
}

static char *
plural(int n)
{
	return n == 1 ? "" : "s";
}

void
main(int argc, char **argv)
{
	Shape *sh = &shapes[0];
	int steps = 16, threads = 0, emulated = 0;
	double min_time = 0.2;
	nm_model models[NTYPES];
	Bufs b;

	nm_fp_ieee_mode();
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--emulated") == 0) {
			emulated = 1;
			continue;
		}
		if (i + 1 >= argc)
			fail(argv[i], "needs a value");
		if (strcmp(argv[i], "--shape") == 0) {
			i++;
			if (strcmp(argv[i], "15m") == 0)
				sh = &shapes[0];
			else if (strcmp(argv[i], "tiny") == 0)
				sh = &shapes[1];
			else
				fail("--shape", "expected 15m or tiny");
		} else if (strcmp(argv[i], "--steps") == 0) {
			steps = atoi(argv[++i]);
			if (steps < 1 || steps > MAXSTEPS)
				fail("--steps", "must be 1..4096");
		} else if (strcmp(argv[i], "--threads") == 0) {
			threads = atoi(argv[++i]);
			if (threads < 1 || threads > MAXTHREADS)
				fail("--threads", "must be 1..64");
		} else if (strcmp(argv[i], "--min-time") == 0) {
			min_time = atof(argv[++i]);
			if (nm_isnan(min_time) || min_time <= 0 || min_time > 60)
				fail("--min-time", "must be seconds in (0, 60]");
		} else
			fail(argv[i], "unknown option");
	}
	if (steps > sh->seq)
		fail("--steps", "beyond the shape's seq_len");
	if (threads == 0)
		threads = nm_cpu_count() > MAXTHREADS ? MAXTHREADS : nm_cpu_count();
	for (int l = 0; l < NLEVELS; l++)
		if ((levels[nlevels] = nm_kernels_by_name(level_names[l])) != nil)
			names[nlevels++] = level_names[l];
	if (emulated)
		print("bench: EMULATED CPU (QEMU TCG): the absolute figures mean little; read the ratios\n");
	else
		print("bench: figures from this CPU (not marked emulated)\n");
	print("bench: shape %s (dim %d, hidden %d, %d layers, vocab %d), %d decode steps, 1..%d threads, levels",
	      sh->name, sh->dim, sh->hidden, sh->layers, sh->vocab, steps, threads);
	for (int l = 0; l < nlevels; l++)
		print(" %s", names[l]);
	print("\nbench\tinfo\temulated=%d\tshape=%s\tsteps=%d\tthreads=%d\tlevels=", emulated, sh->name, steps, threads);
	for (int l = 0; l < nlevels; l++)
		print("%s%s", l ? "," : "", names[l]);
	print("\n");

	/* The kernel table: one call at a time on one thread. */
	make_bufs(&b, sh);
	for (int k = 0; k < NKERNELS; k++)
		for (int l = 0; l < nlevels; l++) {
			krate[k][l] = kernel_rate(levels[l], k, &b, min_time);
			print("kernel %-17s %-10s %10.4g %s\n", kernel_names[k], names[l], krate[k][l], unit(k));
			print("bench\tkernel\tname=%s\tlevel=%s\tunit=%s\tvalue=%g\n", kernel_names[k], names[l], unit(k),
			      krate[k][l]);
		}

	for (int t = 0; t < NTYPES; t++) {
		make_model(&models[t], sh, t);
		if (nm_model_check(&models[t]) != nil)
			fail("model", (char *)nm_model_check(&models[t]));
	}
	for (int n = 1; n <= threads; n++) {
		nm_pool *pool = nil;
		if (n > 1 && (pool = nm_pool_create(n)) == nil)
			fail("--threads", "cannot start the workers");
		for (int t = 0; t < NTYPES; t++)
			for (int l = 0; l < nlevels; l++) {
				nm_model_pack(&models[t], levels[l]); /* Q8 in the level's layout, if it has one */
				decode[t][l][n - 1] = decode_rate(&models[t], levels[l], pool, steps);
				print("decode %-3s %-10s %2d thread%-1s %10.4g tok/s\n", type_names[t], names[l], n, plural(n),
				      decode[t][l][n - 1]);
				print("bench\tdecode\ttype=%s\tlevel=%s\tthreads=%d\ttok_s=%g\n", type_names[t], names[l], n,
				      decode[t][l][n - 1]);
			}
		nm_pool_free(pool);
	}

	/* Ratios: each level over scalar (same threads), each thread count over 1. */
	print("bench: ratios%s\n", emulated ? " (emulated)" : "");
	for (int k = 0; k < NKERNELS; k++)
		for (int l = 1; l < nlevels; l++)
			if (krate[k][0] > 0) {
				print("ratio kernel %-17s %s/scalar %.3gx\n", kernel_names[k], names[l], krate[k][l] / krate[k][0]);
				print("bench\tratio\tof=kernel\tname=%s\tlevel=%s\tthreads=1\tbase=scalar\tratio=%g\n",
				      kernel_names[k], names[l], krate[k][l] / krate[k][0]);
			}
	for (int t = 0; t < NTYPES; t++)
		for (int l = 0; l < nlevels; l++)
			for (int n = 1; n <= threads; n++) {
				if (l > 0 && decode[t][0][n - 1] > 0) {
					print("ratio decode %-3s %s/scalar, %d thread%s: %.3gx\n", type_names[t], names[l], n,
					      plural(n), decode[t][l][n - 1] / decode[t][0][n - 1]);
					print("bench\tratio\tof=decode\ttype=%s\tlevel=%s\tthreads=%d\tbase=scalar\tratio=%g\n",
					      type_names[t], names[l], n, decode[t][l][n - 1] / decode[t][0][n - 1]);
				}
				if (n > 1 && decode[t][l][0] > 0) {
					print("ratio decode %-3s %s, %d/1 threads: %.3gx\n", type_names[t], names[l], n,
					      decode[t][l][n - 1] / decode[t][l][0]);
					print("bench\tratio\tof=decode\ttype=%s\tlevel=%s\tthreads=%d\tbase=1thread\tratio=%g\n",
					      type_names[t], names[l], n, decode[t][l][n - 1] / decode[t][l][0]);
				}
			}
	if (sink == -1)
		print("\n");
	for (int t = 0; t < NTYPES; t++)
		nm_model_free(&models[t]);
	exits(nil);
}
