/*
 * build.c: turns a parsed file into an nm_model: checks every tensor's name
 * and shape against the configuration, keeps Q8/Q4_0 weights in their
 * stored form, F16/BF16 matrices as 16-bit floats (norms widen to float),
 * and permutes half-split Q/K rows (and biases) to the pairwise RoPE
 * layout (docs/FORMATS.md, docs/PORTING_MODELS.md). Weights the kernels take as stored (f32, f16, bf16,
 * llama2.c's Q8 groups, Q4_0 blocks) stay in the read-only file view
 * instead of being copied, when the parse came from a file.
 */
#include "formats/parsed.h"
#include "formats/build.h"
#include "kernels.h"

typedef struct {
	nm_model *m;
	const nm_parsed *p;
	char *err;
	int errlen;
} ctx;

/* The stored bytes at data can be the tensor itself: they sit in a file
 * view the model will own, the host reads little-endian values as stored,
 * and data is aligned for the element type. */
static int
in_place(ctx *c, const nm_u8 *data, int align)
{
	nm_u32 one = 1;

	return c->p->views.n > 0 && *(nm_u8 *)&one == 1 && (nm_u64)data % (nm_u64)align == 0;
}

static int
oom(ctx *c)
{
	nm_err(c->err, c->errlen, c->p->path, "out of memory");
	return -1;
}

static const nm_entry *
lookup(ctx *c, int role, int layer, nm_u64 rows, nm_u64 cols)
{
	char name[128];
	nm_text t;

	nm_text_init(&t, name, (int)sizeof name);
	c->p->tensor_name(&t, role, layer);
	const nm_entry *e = nm_parsed_find(c->p, name);
	nm_text_init(&t, c->err, c->errlen);
	nm_text_str(&t, c->p->path);
	if (e == nil) {
		nm_text_str(&t, ": missing tensor '");
		nm_text_str(&t, name);
		nm_text_str(&t, "'");
		return nil;
	}
	int ok = rows == 0 ? e->info.n_dims == 1 && e->info.shape[0] == cols
	                   : e->info.n_dims == 2 && e->info.shape[0] == rows && e->info.shape[1] == cols;
	if (!ok) {
		nm_text_str(&t, ": tensor '");
		nm_text_str(&t, name);
		nm_text_str(&t, "' has shape [");
		for (int i = 0; i < e->info.n_dims; i++) {
			nm_text_str(&t, i ? ", " : "");
			nm_text_u64(&t, e->info.shape[i]);
		}
		nm_text_str(&t, "], expected [");
		if (rows != 0) {
			nm_text_u64(&t, rows);
			nm_text_str(&t, ", ");
		}
		nm_text_u64(&t, cols);
		nm_text_str(&t, "]");
		return nil;
	}
	return e;
}

/* n floats from a float-valued entry (any dtype) into out. */
static void
to_float(float *out, const nm_entry *e, int n)
{
	const nm_u8 *d = e->data;

	switch (e->info.dtype) {
	case NM_DT_F32:
		for (int i = 0; i < n; i++)
			out[i] = nm_lef32(d + 4 * i);
		break;
	case NM_DT_F16:
		for (int i = 0; i < n; i++)
			out[i] = nm_half_to_float(nm_le16(d + 2 * i));
		break;
	case NM_DT_BF16:
		for (int i = 0; i < n; i++) {
			nm_u16 h = nm_le16(d + 2 * i);
			nm_bf16_to_f32(out + i, &h, 1);
		}
		break;
	case NM_DT_Q8_0:
		nm_dequant_q8_0(out, d, n);
		break;
	case NM_DT_Q4_0:
		nm_dequant_q4_0(out, d, n);
		break;
	case NM_DT_Q8_GROUP:
		for (int i = 0; i < n; i++)
			out[i] = (float)(nm_i8)d[i] * nm_lef32(e->scales + 4 * (i / e->info.group_size));
		break;
	default: /* NM_DT_Q5_0..NM_DT_Q6_K */
		nm_dequant_blocks(e->info.dtype - NM_DT_Q5_0, out, d, n);
		break;
	}
}

/* Half-split rows of each head (first half real parts, second half
 * imaginary) to pairwise: row 2i <- i, row 2i+1 <- i + hs/2. Rows of
 * `row` bytes. */
static int
permute_rows(ctx *c, nm_u8 *w, int rows, nm_u64 row, int hs)
{
	nm_u8 *tmp = nm_alloc((nm_u64)hs * row);

	if (tmp == nil)
		return oom(c);
	for (int h = 0; h < rows / hs; h++) {
		nm_u8 *head = w + (nm_u64)h * (nm_u64)hs * row;
		nm_memcpy(tmp, head, (nm_u64)hs * row);
		for (int i = 0; i < hs / 2; i++) {
			nm_memcpy(head + (nm_u64)(2 * i) * row, tmp + (nm_u64)i * row, row);
			nm_memcpy(head + (nm_u64)(2 * i + 1) * row, tmp + (nm_u64)(i + hs / 2) * row, row);
		}
	}
	nm_free(tmp);
	return 0;
}

static int
load_matrix(ctx *c, nm_tensor *t, int role, int layer, int rows, int cols, int permute_hs)
{
	const nm_entry *e = lookup(c, role, layer, (nm_u64)rows, (nm_u64)cols);
	nm_u64 n = (nm_u64)rows * (nm_u64)cols;

	if (e == nil)
		return -1;
	t->rows = rows;
	t->cols = cols;
	switch (e->info.dtype) {
	case NM_DT_Q8_0:
		t->type = NM_T_Q8;
		t->group_size = 32;
		t->q = nm_model_own(c->m, n);
		t->s = nm_model_own(c->m, n / 32 * sizeof(float));
		if (t->q == nil || t->s == nil)
			return oom(c);
		for (nm_u64 b = 0; b < n / 32; b++) {
			const nm_u8 *blk = e->data + b * 34;
			t->s[b] = nm_half_to_float(nm_le16(blk));
			for (int j = 0; j < 32; j++)
				t->q[b * 32 + (nm_u64)j] = (nm_i8)blk[2 + j];
		}
		if (permute_hs > 0 &&
		    (permute_rows(c, (nm_u8 *)t->q, rows, (nm_u64)cols, permute_hs) != 0 ||
		     permute_rows(c, (nm_u8 *)t->s, rows, (nm_u64)cols / 32 * sizeof(float), permute_hs) != 0))
			return -1;
		return 0;
	case NM_DT_Q4_0:
		t->type = NM_T_Q4_0;
		t->group_size = 32;
		if (permute_hs == 0 && in_place(c, e->data, 1)) {
			t->blocks = (nm_u8 *)e->data;
			return 0;
		}
		t->blocks = nm_model_own(c->m, e->info.nbytes);
		if (t->blocks == nil)
			return oom(c);
		nm_memcpy(t->blocks, e->data, e->info.nbytes);
		if (permute_hs > 0)
			return permute_rows(c, t->blocks, rows, e->info.nbytes / (nm_u64)rows, permute_hs);
		return 0;
	case NM_DT_Q8_GROUP:
		t->type = NM_T_Q8;
		t->group_size = e->info.group_size;
		if (permute_hs == 0 && in_place(c, e->scales, 4)) {
			t->q = (nm_i8 *)e->data;
			t->s = (float *)e->scales;
			return 0;
		}
		t->q = nm_model_own(c->m, n);
		t->s = nm_model_own(c->m, n / (nm_u64)t->group_size * sizeof(float));
		if (t->q == nil || t->s == nil)
			return oom(c);
		nm_memcpy(t->q, e->data, n);
		for (nm_u64 g = 0; g < n / (nm_u64)t->group_size; g++)
			t->s[g] = nm_lef32(e->scales + 4 * g);
		if (permute_hs > 0 &&
		    (permute_rows(c, (nm_u8 *)t->q, rows, (nm_u64)cols, permute_hs) != 0 ||
		     permute_rows(c, (nm_u8 *)t->s, rows,
		                  (nm_u64)cols / (nm_u64)t->group_size * sizeof(float), permute_hs) != 0))
			return -1;
		return 0;
	case NM_DT_F16:
	case NM_DT_BF16:
		/* 16-bit floats as stored: the products widen them exactly */
		t->type = e->info.dtype == NM_DT_F16 ? NM_T_F16 : NM_T_BF16;
		if (permute_hs == 0 && in_place(c, e->data, 2)) {
			t->h = (nm_u16 *)e->data;
			return 0;
		}
		t->h = nm_model_own(c->m, n * 2);
		if (t->h == nil)
			return oom(c);
		for (nm_u64 i = 0; i < n; i++)
			t->h[i] = nm_le16(e->data + 2 * i);
		if (permute_hs > 0)
			return permute_rows(c, (nm_u8 *)t->h, rows, (nm_u64)cols * 2, permute_hs);
		return 0;
	}
	if (e->info.dtype >= NM_DT_Q5_0 && e->info.dtype <= NM_DT_Q6_K) {
		/* blocks as stored, as Q4_0; rows are whole blocks */
		t->type = NM_T_Q5_0 + (e->info.dtype - NM_DT_Q5_0);
		t->group_size = nm_block_elems(e->info.dtype - NM_DT_Q5_0);
		if (permute_hs == 0 && in_place(c, e->data, 1)) {
			t->blocks = (nm_u8 *)e->data;
			return 0;
		}
		t->blocks = nm_model_own(c->m, e->info.nbytes);
		if (t->blocks == nil)
			return oom(c);
		nm_memcpy(t->blocks, e->data, e->info.nbytes);
		if (permute_hs > 0)
			return permute_rows(c, t->blocks, rows, e->info.nbytes / (nm_u64)rows, permute_hs);
		return 0;
	}
	t->type = NM_T_F32;
	if (e->info.dtype == NM_DT_F32 && permute_hs == 0 && in_place(c, e->data, 4)) {
		t->f = (float *)e->data;
		return 0;
	}
	t->f = nm_model_own(c->m, n * sizeof(float));
	if (t->f == nil)
		return oom(c);
	to_float(t->f, e, (int)n);
	if (permute_hs > 0)
		return permute_rows(c, (nm_u8 *)t->f, rows, (nm_u64)cols * sizeof(float), permute_hs);
	return 0;
}

static int
load_vector(ctx *c, float *out, int role, int layer, int n)
{
	const nm_entry *e = lookup(c, role, layer, 0, (nm_u64)n);

	if (e == nil)
		return -1;
	to_float(out, e, n);
	return 0;
}

/* A q or k bias: a vector, its elements permuted as the matrix's rows. */
static int
load_bias(ctx *c, float *out, int role, int layer, int n, int permute_hs)
{
	if (load_vector(c, out, role, layer, n) != 0)
		return -1;
	if (permute_hs > 0)
		return permute_rows(c, (nm_u8 *)out, n, sizeof(float), permute_hs);
	return 0;
}

/*
 * A GGUF string array (n strings, each a 64-bit length then its bytes;
 * bytes in all) copied into the model with a 0 after each: *str[i] and
 * *len[i]. what names a string in the error for one over 2^31 bytes.
 */
static int
copy_strings(ctx *c, const nm_u8 *src, nm_u64 n, nm_u64 bytes, char ***str, int **len, const char *what)
{
	nm_model *m = c->m;

	*str = nm_model_own(m, (n + 1) * sizeof(char *));
	*len = nm_model_own(m, (n + 1) * sizeof(int));
	char *blob = nm_model_own(m, bytes + n + 1);
	if (*str == nil || *len == nil || blob == nil)
		return oom(c);
	for (nm_u64 i = 0; i < n; i++) {
		nm_u64 l = nm_le64(src);
		if (l > 0x7fffffff) {
			nm_err(c->err, c->errlen, c->p->path, what);
			return -1;
		}
		nm_memcpy(blob, src + 8, l);
		(*str)[i] = blob;
		(*len)[i] = (int)l;
		blob += l + 1;
		src += 8 + l;
	}
	return 0;
}

static int
load_vocab(ctx *c)
{
	const nm_parsed *p = c->p;
	nm_model *m = c->m;
	nm_u64 n = p->vocab_n;

	if (p->vocab_tokens == nil)
		return 0;
	if (n > 0x7fffffff || p->vocab_n_merges > 0x7fffffff)
		return oom(c);
	m->vocab_n = (int)n;
	if (copy_strings(c, p->vocab_tokens, n, p->vocab_tokens_bytes, &m->vocab_pieces, &m->vocab_piece_len,
	                 "vocabulary piece longer than 2^31 bytes") != 0)
		return -1;
	m->vocab_scores = nm_model_own(m, (n + 1) * sizeof(float));
	m->vocab_types = nm_model_own(m, (n + 1) * sizeof(int));
	if (m->vocab_scores == nil || m->vocab_types == nil)
		return oom(c);
	for (nm_u64 i = 0; i < n; i++) {
		m->vocab_scores[i] = p->vocab_scores != nil ? nm_lef32(p->vocab_scores + 4 * i) : 0.0f;
		m->vocab_types[i] = p->vocab_types != nil ? (int)nm_le32(p->vocab_types + 4 * i) : 1;
	}
	nm_strlcpy(m->vocab_model, p->vocab_model, (int)sizeof m->vocab_model);
	nm_strlcpy(m->vocab_pre, p->vocab_pre, (int)sizeof m->vocab_pre);
	m->vocab_bos = p->vocab_bos;
	m->vocab_eos = p->vocab_eos;
	if (p->vocab_merges == nil)
		return 0;
	m->vocab_n_merges = (int)p->vocab_n_merges;
	return copy_strings(c, p->vocab_merges, p->vocab_n_merges, p->vocab_merges_bytes, &m->vocab_merges,
	                    &m->vocab_merge_len, "merge longer than 2^31 bytes");
}

int
nm_model_build(nm_model *m, const nm_parsed *p, char *err, int errlen)
{
	ctx c;
	nm_config *cfg = &m->cfg;

	c.m = m;
	c.p = p;
	c.err = err;
	c.errlen = errlen;
	*cfg = p->cfg;
	nm_strlcpy(m->format, p->format, (int)sizeof m->format);
	if (nm_config_check(cfg, p->path, err, errlen) != 0 ||
	    nm_arch_configure(cfg, &p->meta, p->path, err, errlen) != 0)
		return -1;
	int L = cfg->n_layers, dim = cfg->dim, hs = dim / cfg->n_heads;
	int kv = hs * cfg->n_kv_heads, hid = cfg->hidden_dim;
	nm_tensor **mats[7];
	mats[0] = &m->wq; mats[1] = &m->wk; mats[2] = &m->wv; mats[3] = &m->wo;
	mats[4] = &m->w1; mats[5] = &m->w2; mats[6] = &m->w3;
	for (int i = 0; i < 7; i++)
		if ((*mats[i] = nm_model_own(m, (nm_u64)L * sizeof(nm_tensor))) == nil)
			return oom(&c);
	m->rms_att = nm_model_own(m, (nm_u64)L * (nm_u64)dim * sizeof(float));
	m->rms_ffn = nm_model_own(m, (nm_u64)L * (nm_u64)dim * sizeof(float));
	m->rms_final = nm_model_own(m, (nm_u64)dim * sizeof(float));
	if (m->rms_att == nil || m->rms_ffn == nil || m->rms_final == nil)
		return oom(&c);
	if (load_matrix(&c, &m->token_embedding, NM_R_EMB, -1, cfg->vocab_size, dim, 0) != 0)
		return -1;
	// Half-split rows: Hugging Face's for every architecture, GGUF's for
	// the NEOX ones.
	int perm = p->qk_half_split || (p->qk_arch_layout && cfg->rope_neox) ? hs : 0;
	if (cfg->qkv_bias) {
		m->bq = nm_model_own(m, (nm_u64)L * (nm_u64)dim * sizeof(float));
		m->bk = nm_model_own(m, (nm_u64)L * (nm_u64)kv * sizeof(float));
		m->bv = nm_model_own(m, (nm_u64)L * (nm_u64)kv * sizeof(float));
		if (m->bq == nil || m->bk == nil || m->bv == nil)
			return oom(&c);
		for (int l = 0; l < L; l++)
			if (load_bias(&c, m->bq + (nm_i64)l * dim, NM_R_BQ, l, dim, perm) != 0 ||
			    load_bias(&c, m->bk + (nm_i64)l * kv, NM_R_BK, l, kv, perm) != 0 ||
			    load_bias(&c, m->bv + (nm_i64)l * kv, NM_R_BV, l, kv, 0) != 0)
				return -1;
	}
	for (int l = 0; l < L; l++) {
		if (load_vector(&c, m->rms_att + (nm_i64)l * dim, NM_R_RMS_ATT, l, dim) != 0 ||
		    load_vector(&c, m->rms_ffn + (nm_i64)l * dim, NM_R_RMS_FFN, l, dim) != 0 ||
		    load_matrix(&c, &m->wq[l], NM_R_WQ, l, dim, dim, perm) != 0 ||
		    load_matrix(&c, &m->wk[l], NM_R_WK, l, kv, dim, perm) != 0 ||
		    load_matrix(&c, &m->wv[l], NM_R_WV, l, kv, dim, 0) != 0 ||
		    load_matrix(&c, &m->wo[l], NM_R_WO, l, dim, dim, 0) != 0 ||
		    load_matrix(&c, &m->w1[l], NM_R_W1, l, hid, dim, 0) != 0 ||
		    load_matrix(&c, &m->w2[l], NM_R_W2, l, dim, hid, 0) != 0 ||
		    load_matrix(&c, &m->w3[l], NM_R_W3, l, hid, dim, 0) != 0)
			return -1;
	}
	if (load_vector(&c, m->rms_final, NM_R_RMS_FINAL, -1, dim) != 0)
		return -1;
	if (cfg->shared_classifier)
		m->wcls = m->token_embedding;
	else if (load_matrix(&c, &m->wcls, NM_R_WCLS, -1, cfg->vocab_size, dim, 0) != 0)
		return -1;
	return load_vocab(&c);
}

int
nm_model_build_vocab(nm_model *m, const nm_parsed *p, char *err, int errlen)
{
	ctx c;

	c.m = m;
	c.p = p;
	c.err = err;
	c.errlen = errlen;
	m->cfg = p->cfg;
	nm_strlcpy(m->format, p->format, (int)sizeof m->format);
	return load_vocab(&c);	// none: vocab_n stays 0, and the tokenizer says so
}
