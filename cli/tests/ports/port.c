/*
 * A small llama2.c-compatible program written for `9ml check-port`'s tests
 * (cli/tests/check_port.sh): a float32 forward pass and greedy generation
 * over a llama2.c v0 checkpoint and tokenizer.bin, from the math of
 * docs/FORWARD.md. Each test port links this file with one of bug_*.c,
 * which says which mistake (if any) it makes on purpose (bug.h).
 *
 *   port MODEL [-z TOKENIZER] [-t 0] [-n STEPS] [-i PROMPT] [-L LOGITS.npy] [-I]
 *
 * Prints the pieces as llama2.c's run does (or, with -I, every token id fed,
 * BOS first); -L writes each position's logits as a float32 .npy [positions, vocab].
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bug.h"

typedef struct {
	int dim, hidden, layers, heads, kv_heads, vocab, seq_len;
	float *emb, *rms_att, *wq, *wk, *wv, *wo, *rms_ffn, *w1, *w2, *w3, *rms_final, *cls;
	float *file;
} Model;

typedef struct {
	char **piece;
	float *score;
	int n;
} Vocab;

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "port: %s: %s\n", what, why);
	exit(1);
}

/* Every allocation lives to the end of the run; they are freed at exit
 * so that a sanitizer build (the ASan tree builds this port too) sees no
 * leak. */
static void **allocs;
static size_t nallocs, capallocs;

static void
free_all(void)
{
	for (size_t i = 0; i < nallocs; i++)
		free(allocs[i]);
	free(allocs);
}

static void *
xalloc(size_t n)
{
	void *p = calloc(n ? n : 1, 1);
	if (p == NULL)
		die("memory", "out of memory");
	if (nallocs == capallocs) {
		void **grown = realloc(allocs, (capallocs ? 2 * capallocs : 64) * sizeof *allocs);
		if (grown == NULL)
			die("memory", "out of memory");
		if (allocs == NULL)
			atexit(free_all);
		allocs = grown;
		capallocs = capallocs ? 2 * capallocs : 64;
	}
	allocs[nallocs++] = p;
	return p;
}

static void
load_model(Model *m, const char *path)
{
	FILE *f = fopen(path, "rb");
	int h[7];
	long size;
	if (f == NULL)
		die(path, "cannot open");
	if (fread(h, sizeof(int), 7, f) != 7)
		die(path, "short header");
	m->dim = h[0], m->hidden = h[1], m->layers = h[2], m->heads = h[3];
	m->kv_heads = h[4], m->vocab = abs(h[5]), m->seq_len = h[6];
	fseek(f, 0, SEEK_END);
	size = ftell(f) - 7 * (long)sizeof(int);
	fseek(f, 7 * (long)sizeof(int), SEEK_SET);
	m->file = xalloc((size_t)size);
	if (fread(m->file, 1, (size_t)size, f) != (size_t)size)
		die(path, "short read");
	fclose(f);
	int hs = m->dim / m->heads, kv = hs * m->kv_heads;
	long L = m->layers, d = m->dim, hd = m->hidden;
	float *p = m->file;
	m->emb = p, p += (long)m->vocab * d;
	m->rms_att = p, p += L * d;
	m->wq = p, p += L * d * d;
	m->wk = p, p += L * d * kv;
	m->wv = p, p += L * d * kv;
	m->wo = p, p += L * d * d;
	m->rms_ffn = p, p += L * d;
	m->w1 = p, p += L * hd * d;
	m->w2 = p, p += L * d * hd;
	m->w3 = p, p += L * hd * d;
	m->rms_final = p, p += d;
	p += (long)m->seq_len * hs;	/* the legacy freq_cis_real and _imag tables */
	m->cls = h[5] > 0 ? m->emb : p;
}

static void
load_vocab(Vocab *v, const char *path, int n)
{
	FILE *f = fopen(path, "rb");
	int maxlen, len;
	if (f == NULL)
		die(path, "cannot open");
	v->n = n;
	v->piece = xalloc(sizeof(char *) * (size_t)n);
	v->score = xalloc(sizeof(float) * (size_t)n);
	if (fread(&maxlen, sizeof(int), 1, f) != 1)
		die(path, "short header");
	for (int i = 0; i < n; i++) {
		if (fread(&v->score[i], sizeof(float), 1, f) != 1 || fread(&len, sizeof(int), 1, f) != 1)
			die(path, "short token");
		v->piece[i] = xalloc((size_t)len + 1);
		if (fread(v->piece[i], 1, (size_t)len, f) != (size_t)len)
			die(path, "short piece");
	}
	fclose(f);
}

/* The first id whose piece is s (the generated vocabulary repeats one piece). */
static int
lookup(const Vocab *v, const char *s)
{
	for (int i = 0; i < v->n; i++)
		if (strcmp(v->piece[i], s) == 0)
			return i;
	return -1;
}

/* SentencePiece BPE as llama2.c runs it: BOS, a space before non-empty text,
 * one id per UTF-8 character (its bytes + 3 when missing), then the best-scored
 * adjacent merge until none applies. */
static int
encode(const Vocab *v, const char *text, int *ids)
{
	int n = 0;
	char buf[64];
	ids[n++] = 1;
	if (text[0] != '\0')
		ids[n++] = lookup(v, " ");
	for (const char *c = text; *c != '\0';) {
		int len = 1;
		while ((c[len] & 0xC0) == 0x80 && len < 4)
			len++;
		memcpy(buf, c, (size_t)len);
		buf[len] = '\0';
		int id = lookup(v, buf);
		if (id >= 0)
			ids[n++] = id;
		else
			for (int i = 0; i < len; i++)
				ids[n++] = (unsigned char)c[i] + 3;
		c += len;
	}
	for (;;) {
		float best = -1e10f;
		int at = -1, best_id = -1;
		/* ids[0] is BOS: pairs start after it. */
		for (int i = 1; i + 1 < n - (bug_tokenizer_last_pair ? 1 : 0); i++) {
			size_t a = strlen(v->piece[ids[i]]), b = strlen(v->piece[ids[i + 1]]);
			if (a + b >= sizeof buf)
				continue;
			memcpy(buf, v->piece[ids[i]], a);
			memcpy(buf + a, v->piece[ids[i + 1]], b + 1);
			int id = lookup(v, buf);
			if (id >= 0 && v->score[id] > best) {
				best = v->score[id];
				at = i;
				best_id = id;
			}
		}
		if (at < 0)
			break;
		ids[at] = best_id;
		memmove(ids + at + 1, ids + at + 2, sizeof(int) * (size_t)(n - at - 2));
		n--;
	}
	return n;
}

/* The piece printed for token after prev, or NULL when llama2.c prints nothing. */
static const char *
piece(const Vocab *v, int prev, int token, char *byte)
{
	const char *p = v->piece[token];
	unsigned int b;
	if (prev == 1 && p[0] == ' ')
		p++;
	if (sscanf(p, "<0x%02X>", &b) == 1 && strlen(p) == 6) {
		byte[0] = (char)b, byte[1] = '\0';
		p = byte;
	}
	if (p[0] != '\0' && p[1] == '\0') {
		unsigned char c = (unsigned char)p[0];
		if (!(c >= 32 && c < 127) && c != '\n' && c != '\t' && c != '\r' && c != ' ')
			return NULL;
	}
	return p;
}

static void
rmsnorm(float *o, const float *x, const float *w, int n)
{
	float ss = 0;
	for (int i = 0; i < n; i++)
		ss += x[i] * x[i];
	ss = 1.0f / sqrtf(ss / n + 1e-5f);
	for (int i = 0; i < n; i++)
		o[i] = w[i] * (ss * x[i]);
}

static void
matmul(float *o, const float *x, const float *w, int n, int d)
{
	for (int i = 0; i < d; i++) {
		float s = 0;
		for (int j = 0; j < n; j++)
			s += w[(long)i * n + j] * x[j];
		o[i] = s;
	}
}

static void
softmax(float *x, int n)
{
	float max = x[0], sum = 0;
	for (int i = 1; i < n; i++)
		if (x[i] > max)
			max = x[i];
	for (int i = 0; i < n; i++) {
		x[i] = expf(x[i] - max);
		sum += x[i];
	}
	for (int i = 0; i < n; i++)
		x[i] /= sum;
}

/* Adjacent pairs of each head turn by pos * theta^(-2i/head_size). */
static void
rope(float *v, int n, int hs, int dim, int pos)
{
	for (int i = 0; i < n; i += 2) {
		int hd = i % hs;
		float freq = 1.0f / powf(10000.0f, hd / (float)(bug_rope_model_dim ? dim : hs));
		float val = pos * freq, c = cosf(val), s = sinf(val);
		float a = v[i], b = v[i + 1];
		v[i] = a * c - b * s;
		v[i + 1] = a * s + b * c;
	}
}

typedef struct {
	float *x, *xb, *xb2, *hb, *hb2, *q, *att, *logits, *kc, *vc;
} State;

static float *
forward(const Model *m, State *s, int token, int pos)
{
	int d = m->dim, hs = d / m->heads, kv = hs * m->kv_heads, hd = m->hidden;
	int rep = m->heads / m->kv_heads;
	memcpy(s->x, m->emb + (long)token * d, sizeof(float) * (size_t)d);
	for (int l = 0; l < m->layers; l++) {
		float *k = s->kc + ((long)l * m->seq_len + pos) * kv;
		float *v = s->vc + ((long)l * m->seq_len + pos) * kv;
		rmsnorm(s->xb, s->x, m->rms_att + (long)l * d, d);
		matmul(s->q, s->xb, m->wq + (long)l * d * d, d, d);
		matmul(k, s->xb, m->wk + (long)l * d * kv, d, kv);
		matmul(v, s->xb, m->wv + (long)l * d * kv, d, kv);
		rope(s->q, d, hs, d, pos);
		if (!bug_rope_q_only)
			rope(k, kv, hs, d, pos);
		for (int h = 0; h < m->heads; h++) {
			float *q = s->q + h * hs, *att = s->att + (long)h * m->seq_len;
			int kh = (h / rep) * hs;
			for (int t = 0; t <= pos; t++) {
				const float *kt = s->kc + ((long)l * m->seq_len + t) * kv + kh;
				float sc = 0;
				for (int i = 0; i < hs; i++)
					sc += q[i] * kt[i];
				att[t] = sc / sqrtf((float)hs);
			}
			softmax(att, pos + 1);
			float *o = s->xb + h * hs;
			memset(o, 0, sizeof(float) * (size_t)hs);
			for (int t = 0; t <= pos; t++) {
				const float *vt = s->vc + ((long)l * m->seq_len + t) * kv + kh;
				for (int i = 0; i < hs; i++)
					o[i] += att[t] * vt[i];
			}
		}
		matmul(s->xb2, s->xb, m->wo + (long)l * d * d, d, d);
		for (int i = 0; i < d; i++)
			s->x[i] += s->xb2[i];
		rmsnorm(s->xb, s->x, m->rms_ffn + (long)l * d, d);
		matmul(s->hb, s->xb, m->w1 + (long)l * hd * d, d, hd);
		matmul(s->hb2, s->xb, m->w3 + (long)l * hd * d, d, hd);
		for (int i = 0; i < hd; i++) {
			float a = s->hb[i];
			a *= 1.0f / (1.0f + expf(-a));
			s->hb[i] = a * s->hb2[i];
		}
		matmul(s->xb, s->hb, m->w2 + (long)l * d * hd, hd, d);
		for (int i = 0; i < d; i++)
			s->x[i] += s->xb[i];
	}
	rmsnorm(s->x, s->x, m->rms_final, d);
	matmul(s->logits, s->x, m->cls, d, m->vocab);
	return s->logits;
}

static void
write_npy(const char *path, const float *rows, int n, int vocab)
{
	char hdr[128];
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		die(path, "cannot create");
	int len = snprintf(hdr + 10, sizeof hdr - 10, "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }", n, vocab);
	int total = (10 + len + 1 + 63) / 64 * 64;
	memcpy(hdr, "\x93NUMPY\x01\x00", 8);
	hdr[8] = (char)((total - 10) & 0xff), hdr[9] = (char)((total - 10) >> 8);
	fwrite(hdr, 1, (size_t)(10 + len), f);
	for (int i = 10 + len; i < total - 1; i++)
		fputc(' ', f);
	fputc('\n', f);
	fwrite(rows, sizeof(float), (size_t)n * (size_t)vocab, f);
	if (fclose(f) != 0)
		die(path, "write failed");
}

int
main(int argc, char **argv)
{
	const char *model = NULL, *tok = "tokenizer.bin", *prompt = "", *logits_path = NULL;
	int steps = 256, ids_out = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-I") == 0) {
			ids_out = 1;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0' && argv[i][2] == '\0' && i + 1 < argc) {
			const char *val = argv[++i];
			switch (argv[i - 1][1]) {
			case 'z': tok = val; break;
			case 'n': steps = atoi(val); break;
			case 'i': prompt = val; break;
			case 'L': logits_path = val; break;
			case 't':
				if (atof(val) != 0)
					die("-t", "this port decodes greedily only (-t 0)");
				break;
			default: die(argv[i - 1], "unknown option");
			}
		} else if (model == NULL) {
			model = argv[i];
		} else {
			die(argv[i], "unexpected argument");
		}
	}
	if (model == NULL)
		die("usage", "port MODEL [-z TOKENIZER] [-t 0] [-n STEPS] [-i PROMPT] [-L LOGITS.npy] [-I]");
	Model m;
	Vocab v;
	load_model(&m, model);
	load_vocab(&v, tok, m.vocab);
	if (steps <= 0 || steps > m.seq_len)
		steps = m.seq_len;
	int kv = m.dim / m.heads * m.kv_heads;
	State s;
	s.x = xalloc(sizeof(float) * (size_t)m.dim);
	s.xb = xalloc(sizeof(float) * (size_t)m.dim);
	s.xb2 = xalloc(sizeof(float) * (size_t)m.dim);
	s.q = xalloc(sizeof(float) * (size_t)m.dim);
	s.hb = xalloc(sizeof(float) * (size_t)m.hidden);
	s.hb2 = xalloc(sizeof(float) * (size_t)m.hidden);
	s.att = xalloc(sizeof(float) * (size_t)m.heads * (size_t)m.seq_len);
	s.logits = xalloc(sizeof(float) * (size_t)m.vocab);
	s.kc = xalloc(sizeof(float) * (size_t)m.layers * (size_t)m.seq_len * (size_t)kv);
	s.vc = xalloc(sizeof(float) * (size_t)m.layers * (size_t)m.seq_len * (size_t)kv);
	int *ids = xalloc(sizeof(int) * (strlen(prompt) * 4 + 3));
	int n = encode(&v, prompt, ids);
	float *rows = xalloc(sizeof(float) * (size_t)steps * (size_t)m.vocab);
	int token = ids[0], pos = 0;
	char byte[2];
	if (ids_out)
		printf("%d", token);
	while (pos < steps) {
		float *lg = forward(&m, &s, token, pos);
		memcpy(rows + (long)pos * m.vocab, lg, sizeof(float) * (size_t)m.vocab);
		int next = 0;
		if (pos + 1 < n) {
			next = ids[pos + 1];
		} else {
			for (int i = 1; i < m.vocab; i++)
				if (lg[i] > lg[next])
					next = i;
			float top = lg[next];
			for (int i = 0; i < m.vocab && tie_window > 0; i++)
				if (lg[i] >= top - tie_window)
					next = i;
		}
		pos++;
		if (next == 1)
			break;
		if (ids_out) {
			printf(" %d", next);
		} else {
			const char *p = piece(&v, token, next, byte);
			if (p != NULL)
				fputs(p, stdout);
		}
		token = next;
	}
	printf("\n");
	if (logits_path != NULL)
		write_npy(logits_path, rows, pos, m.vocab);
	return 0;
}
