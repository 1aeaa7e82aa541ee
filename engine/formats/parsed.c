/* parsed.c: helpers shared by the format parsers (see parsed.h). */
#include "formats/parsed.h"
#include "kernels/fbits.h"

void
nm_parsed_init(nm_parsed *p, const char *path)
{
	nm_memset(p, 0, sizeof *p);
	p->path = path;
	p->cfg.norm_eps = 1e-5f;
	p->cfg.shared_classifier = 1;
}

void
nm_parsed_free(nm_parsed *p)
{
	for (int i = 0; i < p->n_owned; i++)
		nm_free(p->owned[i]);
	nm_free(p->entries);
	p->entries = nil;
	p->n_entries = 0;
	p->n_owned = 0;
}

int
nm_parsed_own(nm_parsed *p, void *mem)
{
	if (p->n_owned >= (int)(sizeof p->owned / sizeof p->owned[0]))
		return -1;
	p->owned[p->n_owned++] = mem;
	return 0;
}

nm_u16
nm_le16(const nm_u8 *b)
{
	return (nm_u16)(b[0] | (b[1] << 8));
}

nm_u32
nm_le32(const nm_u8 *b)
{
	return (nm_u32)b[0] | ((nm_u32)b[1] << 8) | ((nm_u32)b[2] << 16) | ((nm_u32)b[3] << 24);
}

nm_u64
nm_le64(const nm_u8 *b)
{
	return (nm_u64)nm_le32(b) | ((nm_u64)nm_le32(b + 4) << 32);
}

float
nm_lef32(const nm_u8 *b)
{
	return nm_f32_from_bits(nm_le32(b));
}

int
nm_mul_u64(nm_u64 a, nm_u64 b, nm_u64 *out)
{
	const nm_u64 limit = (nm_u64)1 << 63;

	if (a != 0 && b > limit / a)
		return -1;
	*out = a * b;
	return *out > limit ? -1 : 0;
}

int
nm_dtype_bytes(int dtype, nm_u64 n, nm_u64 *bytes)
{
	switch (dtype) {
	case NM_DT_F32:
		return nm_mul_u64(n, 4, bytes);
	case NM_DT_F16:
	case NM_DT_BF16:
		return nm_mul_u64(n, 2, bytes);
	case NM_DT_Q8_0:
		if (n % 32 != 0)
			return -1;
		return nm_mul_u64(n / 32, 34, bytes);
	case NM_DT_Q4_0:
		if (n % 32 != 0)
			return -1;
		return nm_mul_u64(n / 32, 18, bytes);
	case NM_DT_Q8_GROUP:
		return nm_mul_u64(n, 1, bytes);
	}
	return -1;
}

const char *
nm_dtype_name(int dtype)
{
	switch (dtype) {
	case NM_DT_F32: return "F32";
	case NM_DT_F16: return "F16";
	case NM_DT_BF16: return "BF16";
	case NM_DT_Q8_0: return "Q8_0";
	case NM_DT_Q4_0: return "Q4_0";
	case NM_DT_Q8_GROUP: return "Q8_GROUP";
	}
	return "?";
}

static int
check_positive(const char *what, int v, const char *path, char *err, int errlen)
{
	nm_text t;

	if (v > 0)
		return 0;
	nm_text_init(&t, err, errlen);
	nm_text_str(&t, path);
	nm_text_str(&t, ": ");
	nm_text_str(&t, what);
	nm_text_str(&t, " must be positive, got ");
	nm_text_i64(&t, v);
	return -1;
}

int
nm_config_check(const nm_config *c, const char *path, char *err, int errlen)
{
	if (check_positive("dim", c->dim, path, err, errlen) ||
	    check_positive("hidden_dim", c->hidden_dim, path, err, errlen) ||
	    check_positive("n_layers", c->n_layers, path, err, errlen) ||
	    check_positive("n_heads", c->n_heads, path, err, errlen) ||
	    check_positive("n_kv_heads", c->n_kv_heads, path, err, errlen) ||
	    check_positive("vocab_size", c->vocab_size, path, err, errlen) ||
	    check_positive("seq_len", c->seq_len, path, err, errlen))
		return -1;
	nm_text t;
	nm_text_init(&t, err, errlen);
	nm_text_str(&t, path);
	if (c->dim % c->n_heads != 0) {
		nm_text_str(&t, ": dim ");
		nm_text_i64(&t, c->dim);
		nm_text_str(&t, " is not divisible by n_heads ");
		nm_text_i64(&t, c->n_heads);
		return -1;
	}
	if (c->n_heads % c->n_kv_heads != 0) {
		nm_text_str(&t, ": n_heads ");
		nm_text_i64(&t, c->n_heads);
		nm_text_str(&t, " is not divisible by n_kv_heads ");
		nm_text_i64(&t, c->n_kv_heads);
		return -1;
	}
	if ((c->dim / c->n_heads) % 2 != 0) {
		nm_text_str(&t, ": head size ");
		nm_text_i64(&t, c->dim / c->n_heads);
		nm_text_str(&t, " is odd (RoPE rotates pairs)");
		return -1;
	}
	// The kernels index with int: every matrix must have fewer than 2^31
	// elements, and so must a layer stack of norms.
	const nm_i64 lim = (nm_i64)0x7fffffff;
	if ((nm_i64)c->vocab_size * c->dim > lim || (nm_i64)c->hidden_dim * c->dim > lim ||
	    (nm_i64)c->n_layers * c->dim > lim || (nm_i64)c->seq_len * c->dim > lim) {
		nm_text_str(&t, ": dimensions too large (a matrix would exceed 2^31 elements)");
		return -1;
	}
	if (!(c->norm_eps > 0.0f) || nm_isinf(c->norm_eps)) {
		nm_text_str(&t, ": rms norm epsilon must be positive and finite");
		return -1;
	}
	if (err != nil && errlen > 0)
		err[0] = 0;
	return 0;
}

const nm_entry *
nm_parsed_find(const nm_parsed *p, const char *name)
{
	for (int i = 0; i < p->n_entries; i++)
		if (nm_streq(p->entries[i].info.name, name))
			return &p->entries[i];
	return nil;
}
