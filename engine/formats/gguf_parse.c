/*
 * gguf_parse.c: GGUF v2/v3 files: header, typed metadata, tensor infos,
 * aligned data. Every count and length is checked against the bytes left
 * before anything is allocated (docs/FORMATS.md, "GGUF").
 */
#include "formats/parsed.h"
#include "model/forward.h"

enum {
	T_U8 = 0, T_I8, T_U16, T_I16, T_U32, T_I32, T_F32, T_BOOL, T_STR, T_ARR,
	T_U64, T_I64, T_F64
};
enum {
	G_F32 = 0, G_F16 = 1, G_Q4_0 = 2, G_Q5_0 = 6, G_Q5_1 = 7, G_Q8_0 = 8, G_Q2_K = 10,
	G_Q3_K = 11, G_Q4_K = 12, G_Q5_K = 13, G_Q6_K = 14, G_BF16 = 30
};

typedef struct {
	const nm_u8 *key;
	nm_u64 key_len;
	int type;
	const nm_u8 *val;   /* scalar value, or string length field */
	int elem;           /* arrays: element type */
	nm_u64 count;       /* arrays: element count */
	const nm_u8 *items; /* arrays: first element */
	nm_u64 items_bytes;
} kv;

/* The metadata and a hash table over its keys. */
typedef struct {
	kv *kvs;
	int n;
	int *slots;
	int cap;
} meta;

typedef struct {
	const nm_u8 *d;
	nm_u64 len, pos;
	int bad;
} reader;

static int
need(reader *r, nm_u64 n)
{
	if (r->bad || n > r->len - r->pos) {
		r->bad = 1;
		return 0;
	}
	return 1;
}

static nm_u32
rd32(reader *r)
{
	if (!need(r, 4))
		return 0;
	r->pos += 4;
	return nm_le32(r->d + r->pos - 4);
}

static nm_u64
rd64(reader *r)
{
	if (!need(r, 8))
		return 0;
	r->pos += 8;
	return nm_le64(r->d + r->pos - 8);
}

/* A string: u64 length then bytes. */
static const nm_u8 *
rdstr(reader *r, nm_u64 *n)
{
	*n = rd64(r);
	if (!need(r, *n))
		return nil;
	r->pos += *n;
	return r->d + r->pos - *n;
}

static int
scalar_size(int type)
{
	switch (type) {
	case T_U8: case T_I8: case T_BOOL: return 1;
	case T_U16: case T_I16: return 2;
	case T_U32: case T_I32: case T_F32: return 4;
	case T_U64: case T_I64: case T_F64: return 8;
	}
	return 0;
}

static void
tensor_name(nm_text *t, int role, int layer)
{
	static const char *const names[NM_R_COUNT] = {
		"token_embd.weight", "attn_norm.weight", "attn_q.weight", "attn_k.weight",
		"attn_v.weight", "attn_output.weight", "ffn_norm.weight", "ffn_gate.weight",
		"ffn_down.weight", "ffn_up.weight", "output_norm.weight", "output.weight",
		"attn_q.bias", "attn_k.bias", "attn_v.bias"
	};
	if (layer >= 0) {
		nm_text_str(t, "blk.");
		nm_text_i64(t, layer);
		nm_text_str(t, ".");
	}
	nm_text_str(t, names[role]);
}

int
nm_gguf_detect(const nm_u8 *data, nm_u64 len)
{
	return len >= 4 && data[0] == 'G' && data[1] == 'G' && data[2] == 'U' && data[3] == 'F';
}

static const nm_u8 *
kv_key(const void *ctx, int i, nm_u64 *len)
{
	const kv *k = &((const kv *)ctx)[i];

	*len = k->key_len;
	return k->key;
}

static const kv *
find(const meta *m, const char *prefix, const char *key)
{
	char full[160];
	nm_text t;

	nm_text_init(&t, full, (int)sizeof full);
	if (prefix != nil) {
		nm_text_str(&t, prefix);
		nm_text_str(&t, ".");
	}
	nm_text_str(&t, key);
	int i = nm_hash_lookup(m->slots, m->cap, (const nm_u8 *)full, (nm_u64)t.len, kv_key, m->kvs);
	return i > 0 ? &m->kvs[i - 1] : nil;
}

static void
key_err(char *err, int errlen, const char *path, const char *problem, const char *prefix, const char *key)
{
	nm_text t;

	nm_text_init(&t, err, errlen);
	nm_text_str(&t, path);
	nm_text_str(&t, ": ");
	nm_text_str(&t, problem);
	nm_text_str(&t, " GGUF key '");
	if (prefix != nil) {
		nm_text_str(&t, prefix);
		nm_text_str(&t, ".");
	}
	nm_text_str(&t, key);
	nm_text_str(&t, "'");
}

/* Integer value of any integer type; 0 ok, -1 wrong type, -2 out of int range. */
static int
kv_int(const kv *k, nm_i64 *v)
{
	const nm_u8 *b = k->val;

	switch (k->type) {
	case T_U8: *v = b[0]; break;
	case T_I8: *v = (nm_i8)b[0]; break;
	case T_U16: *v = nm_le16(b); break;
	case T_I16: *v = nm_le16(b) >= 0x8000 ? (nm_i64)nm_le16(b) - 0x10000 : (nm_i64)nm_le16(b); break;
	case T_U32: *v = nm_le32(b); break;
	case T_I32: *v = (nm_i32)nm_le32(b); break;
	case T_U64:
		if (nm_le64(b) > 0x7fffffffULL)
			return -2;
		*v = (nm_i64)nm_le64(b);
		break;
	case T_I64: *v = (nm_i64)nm_le64(b); break;
	default: return -1;
	}
	if (*v > 0x7fffffffLL || *v < -0x7fffffffLL)
		return -2;
	return 0;
}

static int
kv_float(const kv *k, float *v)
{
	nm_i64 i;

	if (k->type == T_F32) {
		*v = nm_lef32(k->val);
		return 0;
	}
	if (k->type == T_F64) {
		union { nm_u64 u; double d; } c;
		c.u = nm_le64(k->val);
		*v = (float)c.d;
		return 0;
	}
	if (kv_int(k, &i) != 0)
		return -1;
	*v = (float)i;
	return 0;
}

/* Required (req) or optional integer key; 1 found, 0 absent, -1 error. */
static int
get_int(const meta *kvs, const char *prefix, const char *key, int req, int *out,
        const char *path, char *err, int errlen)
{
	const kv *k = find(kvs, prefix, key);
	nm_i64 v;

	if (k == nil) {
		if (req)
			key_err(err, errlen, path, "missing", prefix, key);
		return req ? -1 : 0;
	}
	int rc = kv_int(k, &v);
	if (rc != 0) {
		key_err(err, errlen, path, rc == -1 ? "non-integer value for" : "out-of-range value for", prefix, key);
		return -1;
	}
	*out = (int)v;
	return 1;
}

static int
get_float(const meta *kvs, const char *prefix, const char *key, float *out,
          const char *path, char *err, int errlen)
{
	const kv *k = find(kvs, prefix, key);

	if (k == nil)
		return 0;
	if (kv_float(k, out) != 0) {
		key_err(err, errlen, path, "non-numeric value for", prefix, key);
		return -1;
	}
	return 1;
}

static int
get_str(const meta *kvs, const char *prefix, const char *key, char *out, int cap,
        const char *path, char *err, int errlen)
{
	const kv *k = find(kvs, prefix, key);
	nm_u64 sl;

	if (k == nil)
		return 0;
	if (k->type != T_STR) {
		key_err(err, errlen, path, "non-string value for", prefix, key);
		return -1;
	}
	sl = nm_le64(k->val);
	if (sl >= (nm_u64)cap) {
		key_err(err, errlen, path, "overlong value for", prefix, key);
		return -1;
	}
	nm_memcpy(out, k->val + 8, sl);
	out[sl] = 0;
	return 1;
}

static int
kv_fail(char *err, int errlen, const char *path, const char *a, nm_u64 i, nm_u64 n, const char *b)
{
	nm_text t;

	nm_text_init(&t, err, errlen);
	nm_text_str(&t, path);
	nm_text_str(&t, a);
	nm_text_u64(&t, i + 1);
	nm_text_str(&t, " of ");
	nm_text_u64(&t, n);
	nm_text_str(&t, b);
	return -1;
}

static void
quote_key(nm_text *t, const kv *k)
{
	nm_text_str(t, " (key '");
	nm_text_mem(t, (const char *)k->key, k->key_len > 80 ? 80 : (int)k->key_len);
	nm_text_str(t, "')");
}

/*
 * Reads the metadata into kvs (n_kv entries). Each entry must lie wholly
 * in the file: a count larger than the entries present ends in an error
 * (never in a silent stop), and so does an array whose length the bytes
 * left cannot hold. Keys are what the GGUF specification allows (1 to
 * 65535 printable ASCII bytes), which also stops a count that runs into the
 * tensor infos early.
 */
static int
read_kvs(reader *r, kv *kvs, nm_u64 n_kv, const char *path, char *err, int errlen)
{
	for (nm_u64 i = 0; i < n_kv; i++) {
		kv *k = &kvs[i];
		k->key = rdstr(r, &k->key_len);
		if (r->bad)
			return kv_fail(err, errlen, path, ": truncated GGUF metadata: entry ", i, n_kv, " runs past the end of the file");
		int ok = k->key_len >= 1 && k->key_len <= 65535;
		for (nm_u64 j = 0; ok && j < k->key_len; j++)
			ok = k->key[j] >= 0x20 && k->key[j] < 0x7f;
		if (!ok)
			return kv_fail(err, errlen, path, ": GGUF metadata entry ", i, n_kv,
			               " has no valid key (1 to 65535 printable ASCII bytes); is the metadata count right?");
		k->type = (int)rd32(r);
		k->val = r->d + r->pos;
		if (k->type == T_STR) {
			nm_u64 sl;
			rdstr(r, &sl);
		} else if (k->type == T_ARR) {
			k->elem = (int)rd32(r);
			k->count = rd64(r);
			k->items = r->d + r->pos;
			if (r->bad)
				return kv_fail(err, errlen, path, ": truncated GGUF metadata: entry ", i, n_kv, " runs past the end of the file");
			// Each element needs at least its scalar size, a string its
			// 8-byte length: a longer count cannot be in the file.
			int esz = k->elem == T_STR ? 8 : scalar_size(k->elem);
			if (esz == 0) {
				nm_text t;
				nm_text_init(&t, err, errlen);
				nm_text_str(&t, path);
				nm_text_str(&t, k->elem == T_ARR ? ": nested GGUF arrays are not supported"
				                                 : ": unknown GGUF array element type");
				quote_key(&t, k);
				return -1;
			}
			if (k->count > (r->len - r->pos) / (nm_u64)esz) {
				nm_text t;
				nm_text_init(&t, err, errlen);
				nm_text_str(&t, path);
				nm_text_str(&t, ": GGUF array of ");
				nm_text_u64(&t, k->count);
				nm_text_str(&t, " elements is more than the file can hold");
				quote_key(&t, k);
				return -1;
			}
			if (k->elem == T_STR) {
				for (nm_u64 j = 0; j < k->count && !r->bad; j++) {
					nm_u64 sl;
					rdstr(r, &sl);
				}
			} else
				r->pos += k->count * (nm_u64)esz;
			k->items_bytes = (nm_u64)(r->d + r->pos - k->items);
		} else if (scalar_size(k->type) > 0) {
			if (need(r, (nm_u64)scalar_size(k->type)))
				r->pos += (nm_u64)scalar_size(k->type);
		} else if (!r->bad) {
			nm_text t;
			nm_text_init(&t, err, errlen);
			nm_text_str(&t, path);
			nm_text_str(&t, ": unknown GGUF metadata type ");
			nm_text_i64(&t, k->type);
			quote_key(&t, k);
			return -1;
		}
		if (r->bad)
			return kv_fail(err, errlen, path, ": truncated GGUF metadata: entry ", i, n_kv, " runs past the end of the file");
	}
	return 0;
}

static int
tensor_err(char *err, int errlen, const char *path, const nm_entry *e, const char *a, nm_i64 v, const char *b)
{
	nm_text t;

	nm_text_init(&t, err, errlen);
	nm_text_str(&t, path);
	nm_text_str(&t, ": tensor '");
	nm_text_str(&t, e->info.name);
	nm_text_str(&t, "' ");
	nm_text_str(&t, a);
	if (v >= 0)
		nm_text_i64(&t, v);
	nm_text_str(&t, b);
	return -1;
}

/* A block-type tensor whose rows are not whole blocks. */
static int
block_row_err(char *err, int errlen, const char *path, const nm_entry *e, nm_u64 row)
{
	nm_text t;
	int blk = e->info.dtype - NM_DT_Q5_0;

	nm_text_init(&t, err, errlen);
	nm_text_str(&t, path);
	nm_text_str(&t, ": tensor '");
	nm_text_str(&t, e->info.name);
	nm_text_str(&t, "' is ");
	nm_text_str(&t, nm_block_name(blk));
	nm_text_str(&t, " with a row length of ");
	nm_text_u64(&t, row);
	nm_text_str(&t, ", not a multiple of its block size ");
	nm_text_i64(&t, nm_block_elems(blk));
	return -1;
}

static int
read_tensors(reader *r, nm_parsed *p, nm_u64 n, char *err, int errlen)
{
	for (nm_u64 i = 0; i < n; i++) {
		nm_entry *e = &p->entries[i];
		nm_u64 nl, dims[4];
		const nm_u8 *name = rdstr(r, &nl);
		nm_u32 nd = rd32(r);
		if (r->bad)
			break;
		if (nl >= sizeof e->info.name) {
			nm_err_num(err, errlen, p->path, "GGUF tensor name longer than ", (nm_i64)sizeof e->info.name - 1, " bytes");
			return -1;
		}
		nm_memcpy(e->info.name, name, nl);
		e->info.name[nl] = 0;
		if (nd < 1 || nd > 4)
			return tensor_err(err, errlen, p->path, e, "has ", (nm_i64)nd, " dimensions (1 to 4 supported)");
		for (nm_u32 j = 0; j < nd; j++)
			dims[j] = rd64(r);
		nm_u32 type = rd32(r);
		nm_u64 off = rd64(r);
		if (r->bad)
			break;
		e->info.n_dims = (int)nd;
		// GGUF lists ne[0] (the fastest-varying) first; shape is outermost first.
		nm_u64 numel = 1;
		for (nm_u32 j = 0; j < nd; j++) {
			e->info.shape[j] = dims[nd - 1 - j];
			if (dims[j] == 0)
				return tensor_err(err, errlen, p->path, e, "has a zero dimension", -1, "");
			if (nm_mul_u64(numel, dims[j], &numel) != 0)
				return tensor_err(err, errlen, p->path, e, "has a shape whose size overflows", -1, "");
		}
		switch (type) {
		case G_F32: e->info.dtype = NM_DT_F32; break;
		case G_F16: e->info.dtype = NM_DT_F16; break;
		case G_BF16: e->info.dtype = NM_DT_BF16; break;
		case G_Q8_0: e->info.dtype = NM_DT_Q8_0; break;
		case G_Q4_0: e->info.dtype = NM_DT_Q4_0; break;
		case G_Q5_0: e->info.dtype = NM_DT_Q5_0; break;
		case G_Q5_1: e->info.dtype = NM_DT_Q5_1; break;
		case G_Q2_K: e->info.dtype = NM_DT_Q2_K; break;
		case G_Q3_K: e->info.dtype = NM_DT_Q3_K; break;
		case G_Q4_K: e->info.dtype = NM_DT_Q4_K; break;
		case G_Q5_K: e->info.dtype = NM_DT_Q5_K; break;
		case G_Q6_K: e->info.dtype = NM_DT_Q6_K; break;
		default:
			return tensor_err(err, errlen, p->path, e, "has unsupported GGML type ", (nm_i64)type,
			                  " (supported: F32 0, F16 1, Q4_0 2, Q5_0 6, Q5_1 7, Q8_0 8, Q2_K 10, "
			                  "Q3_K 11, Q4_K 12, Q5_K 13, Q6_K 14, BF16 30)");
		}
		if ((e->info.dtype == NM_DT_Q8_0 || e->info.dtype == NM_DT_Q4_0) && dims[0] % 32 != 0)
			return tensor_err(err, errlen, p->path, e, "has a row length not a multiple of the block size 32", -1, "");
		if (e->info.dtype >= NM_DT_Q5_0 && e->info.dtype <= NM_DT_Q6_K &&
		    dims[0] % (nm_u64)nm_block_elems(e->info.dtype - NM_DT_Q5_0) != 0)
			return block_row_err(err, errlen, p->path, e, dims[0]);
		if (nm_dtype_bytes(e->info.dtype, numel, &e->info.nbytes) != 0)
			return tensor_err(err, errlen, p->path, e, "has a shape whose size overflows", -1, "");
		e->info.offset = off; // relative for now; made absolute below
	}
	if (r->bad) {
		nm_err(err, errlen, p->path, "truncated GGUF tensor infos");
		return -1;
	}
	return 0;
}

/*
 * llama.cpp stores Llama 3.1 scaling as the tensor rope_freqs.weight:
 * head_size/2 F32 divisors of the pairs' frequencies, 1 for the high ones,
 * the factor for the low ones, smoothed between (its converter's rule with
 * low 1, high 4, original context 8192). 9ml runs the Llama 3.1 rule
 * itself, so the tensor is accepted only when it is that rule's table:
 * factor = its largest divisor, the other three from 9ml's keys when
 * present, else the converter's values, and for every pair the file's
 * frequency (unscaled / divisor) within 1e-5 of the rule's. All ones means
 * no scaling. Any other table is refused.
 */
static int
check_rope_freqs(const meta *kvs, const char *arch, nm_parsed *p, const nm_entry *rf, int hs, char *err, int errlen)
{
	nm_arch_meta *m = &p->meta;
	nm_rope_scaling s;
	float fmax = 0.0f;
	int n = hs / 2, ones = 1;

	// Dimensions nm_config_check refuses, or a theta the plugin refuses.
	if (!m->has_rope_theta) {
		key_err(err, errlen, p->path, "tensor 'rope_freqs.weight' needs", arch, "rope.freq_base");
		return -1;
	}
	if (hs <= 0 || hs % 2 != 0 || nm_isnan(m->rope_theta) || !(m->rope_theta > 0.0f))
		return 0;
	if (rf->info.dtype != NM_DT_F32 || rf->info.n_dims != 1 || rf->info.shape[0] != (nm_u64)n)
		return tensor_err(err, errlen, p->path, rf, "must be F32 [", n, "] (one divisor per rotated pair)");
	for (int i = 0; i < n; i++) {
		float f = nm_lef32(rf->data + 4 * i);
		if (nm_isnan(f) || !(f > 0.0f) || nm_isinf(f))
			return tensor_err(err, errlen, p->path, rf, "holds a divisor that is not positive and finite at pair ", i, "");
		if (f > fmax)
			fmax = f;
		if (f != 1.0f)
			ones = 0;
	}
	if (ones)
		return 0;
	nm_memset(&s, 0, sizeof s);
	s.factor = fmax;
	s.low_freq_factor = 1.0f;
	s.high_freq_factor = 4.0f;
	s.original_max_position = 8192;
	if (get_float(kvs, arch, "rope.scaling.low_freq_factor", &s.low_freq_factor, p->path, err, errlen) < 0 ||
	    get_float(kvs, arch, "rope.scaling.high_freq_factor", &s.high_freq_factor, p->path, err, errlen) < 0 ||
	    get_int(kvs, arch, "rope.scaling.original_context_length", 0, &s.original_max_position, p->path, err, errlen) < 0)
		return -1;
	// Parameters the rule cannot take make the first pair differ.
	int bad = -1;
	if (nm_isnan(s.low_freq_factor) || nm_isnan(s.high_freq_factor) || !(s.factor >= 1.0f) ||
	    !(s.low_freq_factor > 0.0f) || !(s.high_freq_factor > s.low_freq_factor) ||
	    nm_isinf(s.high_freq_factor) || s.original_max_position <= 0)
		bad = 0;
	else {
		float *want = nm_alloc((nm_u64)n * sizeof(float));
		if (want == nil) {
			nm_err(err, errlen, p->path, "out of memory");
			return -1;
		}
		nm_rope_scaled_freqs(want, hs, m->rope_theta, &s);
		for (int i = 0; i < n && bad < 0; i++) {
			float got = 1.0f / nm_powf(m->rope_theta, (2 * i) / (float)hs) / nm_lef32(rf->data + 4 * i);
			float d = got - want[i];
			if (nm_isnan(d) || (d < 0.0f ? -d : d) > 1e-5f * want[i])
				bad = i;
		}
		nm_free(want);
	}
	if (bad >= 0)
		return tensor_err(err, errlen, p->path, rf, "is not a Llama 3.1 RoPE table (pair ", bad,
		                  " differs); other per-pair RoPE factors are not supported");
	m->has_scaling = 1;
	m->scaling = s;
	nm_strlcpy(m->scaling_type, "llama3", (int)sizeof m->scaling_type);
	return 0;
}

/*
 * RoPE metadata as llama.cpp reads it: P.rope.scaling.type (absent means
 * "linear"), P.rope.scaling.factor or the older P.rope.scale_linear (0 or
 * 1: no scaling; "none" ignores it); "llama3" is 9ml's own type with its
 * keys low_freq_factor, high_freq_factor, original_context_length; and
 * llama.cpp's Llama 3.1 tensor (check_rope_freqs). Keys that would change
 * the rotation in ways 9ml does not implement are refused:
 * rope.dimension_count other than the head size (partial RoPE),
 * rope.scaling.attn_factor other than 1.
 */
static int
rope_meta(const meta *kvs, const char *arch, nm_parsed *p, char *err, int errlen)
{
	nm_arch_meta *m = &p->meta;
	const nm_config *c = &p->cfg;
	float factor = 0.0f, attn = 1.0f;
	int rot = 0;
	int hs = c->n_heads > 0 && c->dim > 0 && c->dim % c->n_heads == 0 ? c->dim / c->n_heads : 0;

	int typed = get_str(kvs, arch, "rope.scaling.type", m->scaling_type, (int)sizeof m->scaling_type, p->path, err, errlen);
	if (typed < 0)
		return -1;
	int got = get_float(kvs, arch, "rope.scaling.factor", &factor, p->path, err, errlen);
	if (got == 0)
		got = get_float(kvs, arch, "rope.scale_linear", &factor, p->path, err, errlen);
	if (got < 0 || get_float(kvs, arch, "rope.scaling.attn_factor", &attn, p->path, err, errlen) < 0)
		return -1;
	if (nm_isnan(attn) || attn != 1.0f) {
		key_err(err, errlen, p->path, "unsupported value (only 1) for", arch, "rope.scaling.attn_factor");
		return -1;
	}
	if ((got = get_int(kvs, arch, "rope.dimension_count", 0, &rot, p->path, err, errlen)) < 0)
		return -1;
	if (got && hs > 0 && rot != hs) {
		nm_text t;
		nm_text_init(&t, err, errlen);
		nm_text_str(&t, p->path);
		nm_text_str(&t, ": GGUF key '");
		nm_text_str(&t, arch);
		nm_text_str(&t, ".rope.dimension_count' is ");
		nm_text_i64(&t, rot);
		nm_text_str(&t, " but the head size is ");
		nm_text_i64(&t, hs);
		nm_text_str(&t, " (partial RoPE is not supported)");
		return -1;
	}
	if (!typed)
		nm_strlcpy(m->scaling_type, "linear", (int)sizeof m->scaling_type);
	int kind = nm_arch_scaling_kind(m->scaling_type);
	if (kind == NM_SCALING_UNSUPPORTED)
		return nm_arch_scaling_unsupported(m->scaling_type, p->path, err, errlen);
	// llama.cpp: a factor of 0 or 1 scales by 1.
	if (kind == NM_SCALING_LINEAR && !nm_isnan(factor) && (factor == 0.0f || factor == 1.0f))
		kind = NM_SCALING_NONE;
	if (kind == NM_SCALING_NONE)
		m->scaling_type[0] = 0;
	m->has_scaling = kind != NM_SCALING_NONE;
	m->scaling.factor = factor;
	if (kind == NM_SCALING_LLAMA3 &&
	    (get_float(kvs, arch, "rope.scaling.low_freq_factor", &m->scaling.low_freq_factor, p->path, err, errlen) < 0 ||
	     get_float(kvs, arch, "rope.scaling.high_freq_factor", &m->scaling.high_freq_factor, p->path, err, errlen) < 0 ||
	     get_int(kvs, arch, "rope.scaling.original_context_length", 0, &m->scaling.original_max_position, p->path, err, errlen) < 0))
		return -1;
	const nm_entry *rf = nm_parsed_find(p, "rope_freqs.weight");
	if (rf == nil)
		return 0;
	if (kind != NM_SCALING_NONE) {
		nm_text t;
		nm_text_init(&t, err, errlen);
		nm_text_str(&t, p->path);
		nm_text_str(&t, ": tensor 'rope_freqs.weight' together with rope scaling '");
		nm_text_str(&t, m->scaling_type);
		nm_text_str(&t, "' is not supported");
		return -1;
	}
	return check_rope_freqs(kvs, arch, p, rf, hs, err, errlen);
}

/*
 * The embedded vocabulary (tokenizer.ggml.*), when the file has one: the
 * tokens, their scores and types, and for byte-level BPE the merges and
 * the pre-tokenizer's name. Checked for shape only; the tokenizer judges
 * the values (engine/tokenizer/vocab_model.c).
 */
static int
read_vocab(const meta *kvs, nm_parsed *p, char *err, int errlen)
{
	const kv *tok = find(kvs, nil, "tokenizer.ggml.tokens");

	p->vocab_bos = -1;
	p->vocab_eos = -1;
	if (tok == nil)
		return 0;
	if (tok->type != T_ARR || tok->elem != T_STR) {
		key_err(err, errlen, p->path, "expected an array of strings for", nil, "tokenizer.ggml.tokens");
		return -1;
	}
	p->vocab_n = tok->count;
	p->vocab_tokens = tok->items;
	p->vocab_tokens_bytes = tok->items_bytes;
	const kv *sc = find(kvs, nil, "tokenizer.ggml.scores");
	if (sc != nil) {
		if (sc->type != T_ARR || sc->elem != T_F32 || sc->count != tok->count) {
			key_err(err, errlen, p->path, "expected one float32 per token in", nil, "tokenizer.ggml.scores");
			return -1;
		}
		p->vocab_scores = sc->items;
	}
	const kv *ty = find(kvs, nil, "tokenizer.ggml.token_type");
	if (ty != nil) {
		if (ty->type != T_ARR || (ty->elem != T_I32 && ty->elem != T_U32) || ty->count != tok->count) {
			key_err(err, errlen, p->path, "expected one int32 per token in", nil, "tokenizer.ggml.token_type");
			return -1;
		}
		p->vocab_types = ty->items;
		p->vocab_types_type = ty->elem;
	}
	const kv *mg = find(kvs, nil, "tokenizer.ggml.merges");
	if (mg != nil) {
		if (mg->type != T_ARR || mg->elem != T_STR) {
			key_err(err, errlen, p->path, "expected an array of strings for", nil, "tokenizer.ggml.merges");
			return -1;
		}
		p->vocab_merges = mg->items;
		p->vocab_n_merges = mg->count;
		p->vocab_merges_bytes = mg->items_bytes;
	}
	if (get_str(kvs, nil, "tokenizer.ggml.model", p->vocab_model, (int)sizeof p->vocab_model, p->path, err, errlen) < 0 ||
	    get_str(kvs, nil, "tokenizer.ggml.pre", p->vocab_pre, (int)sizeof p->vocab_pre, p->path, err, errlen) < 0 ||
	    get_int(kvs, nil, "tokenizer.ggml.bos_token_id", 0, &p->vocab_bos, p->path, err, errlen) < 0 ||
	    get_int(kvs, nil, "tokenizer.ggml.eos_token_id", 0, &p->vocab_eos, p->path, err, errlen) < 0)
		return -1;
	return 0;
}

int
nm_gguf_parse(nm_parsed *p, const nm_u8 *data, nm_u64 len, char *err, int errlen)
{
	reader r;
	meta md;
	meta *kvs = &md;
	int rc = -1;

	if (len < 24) {
		nm_err_num(err, errlen, p->path, "truncated GGUF header: ", (nm_i64)len, " bytes, need 24");
		return -1;
	}
	nm_u32 version = nm_le32(data + 4);
	if (version != 2 && version != 3) {
		nm_err_num(err, errlen, p->path, "unsupported GGUF version ", (nm_i64)version, " (known: 2, 3)");
		return -1;
	}
	nm_u64 n_tensors = nm_le64(data + 8), n_kv = nm_le64(data + 16);
	// Smallest metadata entry: 8-byte key length, 1-byte key, 4-byte type,
	// 1-byte value; smallest tensor info: 8 + 1 + 4 + 8 + 4 + 8.
	if (n_kv > (len - 24) / 14 || n_tensors > (len - 24) / 33) {
		nm_text t;
		int kvs_bad = n_kv > (len - 24) / 14;
		nm_text_init(&t, err, errlen);
		nm_text_str(&t, p->path);
		nm_text_str(&t, kvs_bad ? ": GGUF metadata count " : ": GGUF tensor count ");
		nm_text_u64(&t, kvs_bad ? n_kv : n_tensors);
		nm_text_str(&t, " is more than the file can hold");
		return -1;
	}
	if (nm_hash_cap(n_kv) == 0 || nm_hash_cap(n_tensors) == 0) {
		nm_err(err, errlen, p->path, "GGUF metadata or tensor count above 2^28");
		return -1;
	}
	md.n = (int)n_kv;
	md.cap = nm_hash_cap(n_kv);
	md.kvs = nm_alloc((n_kv + 1) * sizeof(kv));
	md.slots = nm_alloc((nm_u64)md.cap * sizeof(int));
	p->entries = nm_alloc((n_tensors + 1) * sizeof(nm_entry));
	if (md.kvs == nil || md.slots == nil || p->entries == nil) {
		nm_err(err, errlen, p->path, "out of memory");
		goto out;
	}
	r.d = data;
	r.len = len;
	r.pos = 24;
	r.bad = 0;
	if (read_kvs(&r, md.kvs, n_kv, p->path, err, errlen) != 0)
		goto out;
	int dup = nm_hash_fill(md.slots, md.cap, md.n, kv_key, md.kvs);
	if (dup >= 0) {
		nm_text t;
		nm_text_init(&t, err, errlen);
		nm_text_str(&t, p->path);
		nm_text_str(&t, ": duplicate GGUF key '");
		nm_text_mem(&t, (const char *)md.kvs[dup].key, md.kvs[dup].key_len > 80 ? 80 : (int)md.kvs[dup].key_len);
		nm_text_str(&t, "'");
		goto out;
	}
	if (read_tensors(&r, p, n_tensors, err, errlen) != 0)
		goto out;
	p->n_entries = (int)n_tensors;
	if (nm_parsed_index(p, err, errlen) != 0)
		goto out;

	int align = 32;
	if (get_int(kvs, nil, "general.alignment", 0, &align, p->path, err, errlen) < 0)
		goto out;
	if (align < 1 || (align & (align - 1)) != 0) {
		nm_err_num(err, errlen, p->path, "general.alignment ", align, " is not a power of two");
		goto out;
	}
	nm_u64 start = (r.pos + (nm_u64)align - 1) / (nm_u64)align * (nm_u64)align;
	for (int i = 0; i < p->n_entries; i++) {
		nm_entry *e = &p->entries[i];
		if (e->info.offset % (nm_u64)align != 0) {
			tensor_err(err, errlen, p->path, e, "offset is not a multiple of the alignment ", align, "");
			goto out;
		}
		if (start > len || e->info.offset > len - start || e->info.nbytes > len - start - e->info.offset) {
			nm_text t;
			nm_text_init(&t, err, errlen);
			nm_text_str(&t, p->path);
			nm_text_str(&t, ": tensor '");
			nm_text_str(&t, e->info.name);
			nm_text_str(&t, "' (offset ");
			nm_text_u64(&t, e->info.offset);
			nm_text_str(&t, ", ");
			nm_text_u64(&t, e->info.nbytes);
			nm_text_str(&t, " bytes) extends past the end of the file (");
			nm_text_u64(&t, len);
			nm_text_str(&t, " bytes)");
			goto out;
		}
		e->info.offset += start;
		e->data = data + e->info.offset;
	}
	if (nm_parsed_check_spans(p, 0, p->n_entries, p->path, err, errlen) != 0)
		goto out;

	// A vocabulary-only load needs no architecture (llama.cpp's vocab files
	// carry those of models no plugin runs).
	if (p->vocab_only) {
		if (read_vocab(kvs, p, err, errlen) != 0)
			goto out;
		nm_strlcpy(p->format, "gguf", (int)sizeof p->format);
		p->tensor_name = tensor_name;
		rc = 0;
		goto out;
	}
	// Hyper-parameters under the architecture's prefix.
	char arch[40];
	int got = get_str(kvs, nil, "general.architecture", arch, (int)sizeof arch, p->path, err, errlen);
	if (got < 0)
		goto out;
	if (got == 0) {
		key_err(err, errlen, p->path, "missing", nil, "general.architecture");
		goto out;
	}
	// An architecture no plugin knows is reported before its keys are missed.
	nm_arch_meta probe;
	nm_memset(&probe, 0, sizeof probe);
	nm_strlcpy(probe.name, arch, (int)sizeof probe.name);
	int known = 0;
	for (int i = 0; i < nm_arch_count(); i++)
		known |= nm_arch_at(i)->claims(&probe);
	if (!known) {
		nm_config scratch;
		nm_arch_configure(&scratch, &probe, p->path, err, errlen);
		goto out;
	}
	nm_config *c = &p->cfg;
	if (get_int(kvs, arch, "embedding_length", 1, &c->dim, p->path, err, errlen) < 0 ||
	    get_int(kvs, arch, "feed_forward_length", 1, &c->hidden_dim, p->path, err, errlen) < 0 ||
	    get_int(kvs, arch, "block_count", 1, &c->n_layers, p->path, err, errlen) < 0 ||
	    get_int(kvs, arch, "attention.head_count", 1, &c->n_heads, p->path, err, errlen) < 0 ||
	    get_int(kvs, arch, "context_length", 1, &c->seq_len, p->path, err, errlen) < 0)
		goto out;
	c->n_kv_heads = c->n_heads;
	if (get_int(kvs, arch, "attention.head_count_kv", 0, &c->n_kv_heads, p->path, err, errlen) < 0 ||
	    get_float(kvs, arch, "attention.layer_norm_rms_epsilon", &c->norm_eps, p->path, err, errlen) < 0)
		goto out;
	int vocab = 0;
	got = get_int(kvs, arch, "vocab_size", 0, &vocab, p->path, err, errlen);
	if (got < 0)
		goto out;
	const nm_entry *emb = nm_parsed_find(p, "token_embd.weight");
	if (got == 0 && emb != nil)
		vocab = emb->info.shape[0] > 0x7fffffff ? -1 : (int)emb->info.shape[0];
	c->vocab_size = vocab;
	c->shared_classifier = nm_parsed_find(p, "output.weight") == nil;

	nm_arch_meta *m = &p->meta;
	nm_strlcpy(m->name, arch, (int)sizeof m->name);
	if ((m->has_rope_theta = get_float(kvs, arch, "rope.freq_base", &m->rope_theta, p->path, err, errlen)) < 0 ||
	    (m->has_sliding_window = get_int(kvs, arch, "attention.sliding_window", 0, &m->sliding_window, p->path, err, errlen)) < 0 ||
	    rope_meta(kvs, arch, p, err, errlen) != 0)
		goto out;
	nm_text wk;
	nm_text_init(&wk, m->window_key, (int)sizeof m->window_key);
	nm_text_str(&wk, arch);
	nm_text_str(&wk, ".attention.sliding_window");
	p->qk_arch_layout = 1;

	if (read_vocab(kvs, p, err, errlen) != 0)
		goto out;
	nm_strlcpy(p->format, "gguf", (int)sizeof p->format);
	p->tensor_name = tensor_name;
	rc = 0;
out:
	nm_free(md.kvs);
	nm_free(md.slots);
	return rc;
}
