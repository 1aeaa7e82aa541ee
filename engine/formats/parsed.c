/* parsed.c: helpers shared by the format parsers (see parsed.h). */
#include "formats/parsed.h"
#include "formats/build.h"
#include "kernels.h"
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
	nm_free(p->index);
	nm_views_close(&p->views);
	p->entries = nil;
	p->n_entries = 0;
	p->index = nil;
	p->index_cap = 0;
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
	if (dtype >= NM_DT_Q5_0 && dtype <= NM_DT_Q6_K) {
		int blk = dtype - NM_DT_Q5_0;
		if (n % (nm_u64)nm_block_elems(blk) != 0)
			return -1;
		return nm_mul_u64(n / (nm_u64)nm_block_elems(blk), (nm_u64)nm_block_bytes(blk), bytes);
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
	if (dtype >= NM_DT_Q5_0 && dtype <= NM_DT_Q6_K)
		return nm_block_name(dtype - NM_DT_Q5_0);
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

int
nm_hash_cap(nm_u64 n)
{
	int cap = 16;

	if (n > 0x10000000)
		return 0;
	while ((nm_u64)cap < 2 * n)
		cap *= 2;
	return cap;
}

/* FNV-1a. */
nm_u32
nm_hash_bytes(const nm_u8 *s, nm_u64 len)
{
	nm_u32 h = 2166136261U;

	for (nm_u64 i = 0; i < len; i++) {
		h ^= s[i];
		h *= 16777619U;
	}
	return h;
}

static int
same(const nm_u8 *a, nm_u64 alen, const nm_u8 *b, nm_u64 blen)
{
	if (alen != blen)
		return 0;
	for (nm_u64 i = 0; i < alen; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

int
nm_hash_lookup(const int *slots, int cap, const nm_u8 *s, nm_u64 len,
               const nm_u8 *(*name)(const void *ctx, int i, nm_u64 *len), const void *ctx)
{
	nm_u32 mask = (nm_u32)cap - 1;

	for (nm_u32 h = nm_hash_bytes(s, len) & mask; slots[h] != 0; h = (h + 1) & mask) {
		nm_u64 l;
		const nm_u8 *t = name(ctx, slots[h] - 1, &l);
		if (same(s, len, t, l))
			return slots[h];
	}
	return 0;
}

int
nm_hash_fill(int *slots, int cap, int n, const nm_u8 *(*name)(const void *ctx, int i, nm_u64 *len),
             const void *ctx)
{
	nm_u32 mask = (nm_u32)cap - 1;

	for (int i = 0; i < n; i++) {
		nm_u64 len;
		const nm_u8 *s = name(ctx, i, &len);
		nm_u32 h = nm_hash_bytes(s, len) & mask;
		for (; slots[h] != 0; h = (h + 1) & mask) {
			nm_u64 l;
			const nm_u8 *t = name(ctx, slots[h] - 1, &l);
			if (same(s, len, t, l))
				return i;
		}
		slots[h] = i + 1;
	}
	return -1;
}

static const nm_u8 *
entry_name(const void *ctx, int i, nm_u64 *len)
{
	const nm_parsed *p = ctx;
	const char *s = p->entries[i].info.name;

	*len = (nm_u64)nm_strlen(s);
	return (const nm_u8 *)s;
}

int
nm_parsed_index(nm_parsed *p, char *err, int errlen)
{
	int cap = nm_hash_cap((nm_u64)p->n_entries);

	nm_free(p->index);
	p->index = nil;
	p->index_cap = 0;
	int *slots = cap > 0 ? nm_alloc((nm_u64)cap * sizeof(int)) : nil;
	if (slots == nil) {
		nm_err(err, errlen, p->path, "out of memory");
		return -1;
	}
	int dup = nm_hash_fill(slots, cap, p->n_entries, entry_name, p);
	if (dup >= 0) {
		nm_text t;
		nm_free(slots);
		nm_text_init(&t, err, errlen);
		nm_text_str(&t, p->path);
		nm_text_str(&t, ": duplicate tensor '");
		nm_text_str(&t, p->entries[dup].info.name);
		nm_text_str(&t, "'");
		return -1;
	}
	p->index = slots;
	p->index_cap = cap;
	return 0;
}

const nm_entry *
nm_parsed_find(const nm_parsed *p, const char *name)
{
	if (p->index != nil) {
		int i = nm_hash_lookup(p->index, p->index_cap, (const nm_u8 *)name, (nm_u64)nm_strlen(name), entry_name, p);
		return i > 0 ? &p->entries[i - 1] : nil;
	}
	for (int i = 0; i < p->n_entries; i++)
		if (nm_streq(p->entries[i].info.name, name))
			return &p->entries[i];
	return nil;
}

/* Sorts idx[0..n) by the entries' offsets (merge sort: no libc qsort). */
static void
sort_by_offset(const nm_entry *e, int *idx, int *tmp, int n)
{
	for (int w = 1; w < n; w *= 2) {
		for (int lo = 0; lo < n; lo += 2 * w) {
			int mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			int a = lo, b = mid, k = lo;
			while (a < mid && b < hi)
				tmp[k++] = e[idx[b]].info.offset < e[idx[a]].info.offset ? idx[b++] : idx[a++];
			while (a < mid)
				tmp[k++] = idx[a++];
			while (b < hi)
				tmp[k++] = idx[b++];
		}
		for (int i = 0; i < n; i++)
			idx[i] = tmp[i];
	}
}

int
nm_parsed_check_spans(const nm_parsed *p, int first, int last, const char *path, char *err, int errlen)
{
	int n = last - first;

	if (n < 2)
		return 0;
	int *idx = nm_alloc((nm_u64)n * 2 * sizeof(int));
	if (idx == nil) {
		nm_err(err, errlen, path, "out of memory");
		return -1;
	}
	for (int i = 0; i < n; i++)
		idx[i] = first + i;
	sort_by_offset(p->entries, idx, idx + n, n);
	int rc = 0;
	for (int i = 0; i + 1 < n; i++) {
		const nm_tensor_info *a = &p->entries[idx[i]].info, *b = &p->entries[idx[i + 1]].info;
		// Spans were checked to lie inside the file, so the sum cannot wrap.
		if (a->offset + a->nbytes > b->offset) {
			nm_text t;
			nm_text_init(&t, err, errlen);
			nm_text_str(&t, path);
			nm_text_str(&t, ": tensors '");
			nm_text_str(&t, a->name);
			nm_text_str(&t, "' (bytes ");
			nm_text_u64(&t, a->offset);
			nm_text_str(&t, "..");
			nm_text_u64(&t, a->offset + a->nbytes);
			nm_text_str(&t, ") and '");
			nm_text_str(&t, b->name);
			nm_text_str(&t, "' (bytes ");
			nm_text_u64(&t, b->offset);
			nm_text_str(&t, "..");
			nm_text_u64(&t, b->offset + b->nbytes);
			nm_text_str(&t, ") overlap");
			rc = -1;
			break;
		}
	}
	nm_free(idx);
	return rc;
}
