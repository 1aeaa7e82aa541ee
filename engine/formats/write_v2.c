/*
 * write_v2.c: llama2.c's version-2 file (export.py --version 2, what runq
 * reads) from any loaded model, in portable C so the Plan 9 export program
 * writes it too. Layout: magic "ak42", version 2, the seven int32
 * hyper-parameters, a shared-classifier byte and the int32 group size,
 * zero-padded to 256 bytes; the float32 norms (attention, ffn, final);
 * then per matrix (token embedding, wq.. w3 per layer, classifier if not
 * shared) its int8 values and float32 group scales, quantized with
 * export.py's rounding (ties to even). Byte-identical with the host
 * writer (writers/llama2c_writer.cpp; formats.WriteV2 tests).
 */
#include "formats/formats.h"
#include "formats/text.h"
#include "kernels.h"
#include "kernels/fbits.h"

typedef struct {
	nm_u8 *buf;
	nm_u64 len;
} Out;

static void
put32(Out *o, nm_u32 v)
{
	for (int i = 0; i < 4; i++)
		o->buf[o->len++] = (nm_u8)(v >> (8 * i));
}

static void
put_floats(Out *o, const float *v, nm_u64 n)
{
	for (nm_u64 i = 0; i < n; i++)
		put32(o, nm_f32_to_bits(v[i]));
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
	}
	return t->f;
}

static void
put_q8(Out *o, const nm_tensor *t, int gs, float *tmp, float *scales)
{
	nm_u64 n = (nm_u64)t->rows * (nm_u64)t->cols;

	nm_q8_quantize((nm_i8 *)(o->buf + o->len), scales, values(t, tmp), (int)n, gs, NM_ROUND_EVEN);
	o->len += n;
	put_floats(o, scales, n / (nm_u64)gs);
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
	nm_u64 n_mats = 0, widest = 0, size;
	const nm_tensor *mats[7];
	float *tmp, *scales;
	Out o;
	int rc;

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
	n_mats = (nm_u64)c->vocab_size * (nm_u64)dim * (c->shared_classifier ? 1 : 2);
	widest = (nm_u64)c->vocab_size * (nm_u64)dim;
	for (int k = 0; k < 7; k++)
		for (int l = 0; l < L; l++) {
			nm_u64 n = (nm_u64)mats[k][l].rows * (nm_u64)mats[k][l].cols;
			n_mats += n;
			if (n > widest)
				widest = n;
		}
	size = 256 + 4 * ((nm_u64)(2 * L + 1) * (nm_u64)dim) + n_mats + 4 * (n_mats / (nm_u64)gs);
	o.buf = nm_alloc(size);
	tmp = nm_alloc(widest * sizeof(float));
	scales = nm_alloc((widest / (nm_u64)gs + 1) * sizeof(float));
	if (o.buf == nil || tmp == nil || scales == nil) {
		nm_free(o.buf);
		nm_free(tmp);
		nm_free(scales);
		nm_err(err, errlen, path, "out of memory for the output");
		return -1;
	}
	o.len = 0;
	put32(&o, 0x616b3432);
	put32(&o, 2);
	put32(&o, (nm_u32)c->dim);
	put32(&o, (nm_u32)c->hidden_dim);
	put32(&o, (nm_u32)c->n_layers);
	put32(&o, (nm_u32)c->n_heads);
	put32(&o, (nm_u32)c->n_kv_heads);
	put32(&o, (nm_u32)c->vocab_size);
	put32(&o, (nm_u32)c->seq_len);
	o.buf[o.len++] = c->shared_classifier ? 1 : 0;
	put32(&o, (nm_u32)gs);
	o.len = 256; /* nm_alloc zeroed the padding */
	put_floats(&o, m->rms_att, (nm_u64)L * (nm_u64)dim);
	put_floats(&o, m->rms_ffn, (nm_u64)L * (nm_u64)dim);
	put_floats(&o, m->rms_final, (nm_u64)dim);
	put_q8(&o, &m->token_embedding, gs, tmp, scales);
	for (int k = 0; k < 7; k++)
		for (int l = 0; l < L; l++)
			put_q8(&o, &mats[k][l], gs, tmp, scales);
	if (!c->shared_classifier)
		put_q8(&o, &m->wcls, gs, tmp, scales);
	rc = nm_write_file(path, o.buf, o.len, err, errlen);
	nm_free(o.buf);
	nm_free(tmp);
	nm_free(scales);
	return rc;
}
