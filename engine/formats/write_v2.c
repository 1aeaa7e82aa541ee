/*
 * write_v2.c: llama2.c's version-2 file (export.py --version 2, what runq
 * reads) from any loaded model, in portable C so the Plan 9 export program
 * writes it too. Layout: magic "ak42", version 2, the seven int32
 * hyper-parameters, a shared-classifier byte and the int32 group size,
 * zero-padded to 256 bytes; the float32 norms (attention, ffn, final);
 * then per matrix (token embedding, wq.. w3 per layer, classifier if not
 * shared) its int8 values and float32 group scales, quantized with
 * export.py's rounding (ties to even). Byte-identical with the host
 * writer (writers/llama2c_writer.cpp; formats.WriteV2 tests). Written
 * tensor by tensor into port.h's atomic output (nm_out): memory for one
 * tensor, and OUT is untouched until the whole file is there.
 */
#include "formats/formats.h"
#include "formats/text.h"
#include "kernels.h"
#include "kernels/fbits.h"

/* The output stream: the first failure is kept in err and ends writing. */
typedef struct {
	nm_out *o;
	int failed;
	char *err;
	int errlen;
} Out;

static void
put(Out *w, const void *p, nm_u64 n)
{
	if (!w->failed && nm_out_write(w->o, p, n, w->err, w->errlen) != 0)
		w->failed = 1;
}

static void
put32(Out *w, nm_u32 v)
{
	nm_u8 b[4];

	for (int i = 0; i < 4; i++)
		b[i] = (nm_u8)(v >> (8 * i));
	put(w, b, 4);
}

static void
put_floats(Out *w, const float *v, nm_u64 n)
{
	for (nm_u64 i = 0; i < n; i++)
		put32(w, nm_f32_to_bits(v[i]));
}

/* t's values as floats into tmp (dequantized when stored quantized). */
static const float *
values(const nm_tensor *t, float *tmp)
{
	int n = t->rows * t->cols;

	switch (t->type) {
	case NM_T_Q8:
		nm_q8_dequantize(tmp, t->q, t->s, n, t->group_size);
		return tmp;
	case NM_T_Q4_0:
		nm_dequant_q4_0(tmp, t->blocks, n);
		return tmp;
	case NM_T_F16:
		nm_f16_to_f32(tmp, t->h, n);
		return tmp;
	case NM_T_BF16:
		nm_bf16_to_f32(tmp, t->h, n);
		return tmp;
	}
	if (t->type >= NM_T_Q5_0 && t->type <= NM_T_Q6_K) {
		nm_dequant_blocks(t->type - NM_T_Q5_0, tmp, t->blocks, n);
		return tmp;
	}
	return t->f;
}

/* Values quantized, written and given back at a time (whole groups: a
 * group's scale depends on its values only, so chunks change no bit). */
enum { CHUNK = 1 << 20 };

/*
 * One matrix: its int8 values chunk by chunk, then its scales. Each chunk's
 * source pages go back once written (nm_model_drop): a mapped input is read
 * through once, never held whole.
 */
static void
put_q8(Out *w, const nm_model *m, const nm_tensor *t, int gs, float *tmp, nm_i8 *q, float *scales)
{
	nm_u64 n = (nm_u64)t->rows * (nm_u64)t->cols, step, k;
	const float *v;

	if (w->failed)
		return;
	step = CHUNK / (nm_u64)gs * (nm_u64)gs;
	if (step == 0)
		step = (nm_u64)gs;
	v = values(t, tmp);
	for (nm_u64 at = 0; at < n; at += k) {
		k = n - at < step ? n - at : step;
		nm_q8_quantize(q, scales + at / (nm_u64)gs, v + at, (int)k, gs, NM_ROUND_EVEN);
		put(w, q, k);
		nm_model_drop(m, v + at, k * sizeof(float));
	}
	put_floats(w, scales, n / (nm_u64)gs);
	nm_model_drop_tensor(m, t);
}

int
nm_default_group_size(int dim, int hidden_dim)
{
	int gs = 64;

	while (gs > 1 && (dim % gs != 0 || hidden_dim % gs != 0))
		gs /= 2;
	return gs;
}

int
nm_write_v2(const nm_model *m, const char *path, int group_size, char *err, int errlen)
{
	const nm_config *c = &m->cfg;
	int L = c->n_layers, dim = c->dim, gs;
	nm_u64 widest = 0;
	const nm_tensor *mats[7];
	nm_u8 header[256 - 36];
	float *tmp, *scales;
	nm_i8 *q;
	Out w;

	gs = group_size > 0 ? group_size : nm_default_group_size(dim, c->hidden_dim);
	if (dim % gs != 0 || c->hidden_dim % gs != 0) {
		char msg[160];
		nm_text t;
		nm_text_init(&t, msg, sizeof msg);
		nm_text_str(&t, "group size ");
		nm_text_i64(&t, gs);
		nm_text_str(&t, " does not divide dim ");
		nm_text_i64(&t, dim);
		nm_text_str(&t, " and hidden_dim ");
		nm_text_i64(&t, c->hidden_dim);
		nm_err(err, errlen, path, msg);
		return -1;
	}
	mats[0] = m->wq;
	mats[1] = m->wk;
	mats[2] = m->wv;
	mats[3] = m->wo;
	mats[4] = m->w1;
	mats[5] = m->w2;
	mats[6] = m->w3;
	// Buffers for the largest single tensor: the file is streamed one
	// tensor at a time into an atomic output (port.h nm_out).
	widest = (nm_u64)c->vocab_size * (nm_u64)dim;
	for (int k = 0; k < 7; k++)
		for (int l = 0; l < L; l++) {
			nm_u64 n = (nm_u64)mats[k][l].rows * (nm_u64)mats[k][l].cols;
			if (n > widest)
				widest = n;
		}
	tmp = nm_alloc(widest * sizeof(float));
	q = nm_alloc(widest < CHUNK ? widest : CHUNK);	/* one chunk: put_q8 */
	scales = nm_alloc((widest / (nm_u64)gs + 1) * sizeof(float));
	if (tmp == nil || q == nil || scales == nil) {
		nm_free(tmp);
		nm_free(q);
		nm_free(scales);
		nm_err(err, errlen, path, "out of memory for the output");
		return -1;
	}
	w.o = nm_out_open(path, err, errlen);
	w.failed = w.o == nil;
	w.err = err;
	w.errlen = errlen;
	put32(&w, 0x616b3432);
	put32(&w, 2);
	put32(&w, (nm_u32)c->dim);
	put32(&w, (nm_u32)c->hidden_dim);
	put32(&w, (nm_u32)c->n_layers);
	put32(&w, (nm_u32)c->n_heads);
	put32(&w, (nm_u32)c->n_kv_heads);
	put32(&w, (nm_u32)c->vocab_size);
	put32(&w, (nm_u32)c->seq_len);
	header[0] = c->shared_classifier ? 1 : 0;
	for (int i = 0; i < 4; i++)
		header[1 + i] = (nm_u8)((nm_u32)gs >> (8 * i));
	nm_memset(header + 5, 0, sizeof header - 5);
	put(&w, header, sizeof header); /* byte 36 on: the flag, the group size, zeros to 256 */
	put_floats(&w, m->rms_att, (nm_u64)L * (nm_u64)dim);
	put_floats(&w, m->rms_ffn, (nm_u64)L * (nm_u64)dim);
	put_floats(&w, m->rms_final, (nm_u64)dim);
	put_q8(&w, m, &m->token_embedding, gs, tmp, q, scales);
	for (int k = 0; k < 7; k++)
		for (int l = 0; l < L; l++)
			put_q8(&w, m, &mats[k][l], gs, tmp, q, scales);
	if (!c->shared_classifier)
		put_q8(&w, m, &m->wcls, gs, tmp, q, scales);
	nm_free(tmp);
	nm_free(q);
	nm_free(scales);
	if (w.failed) {
		nm_out_abort(w.o);
		return -1;
	}
	return nm_out_commit(w.o, err, errlen);
}
