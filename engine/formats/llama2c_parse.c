/*
 * llama2c_parse.c: llama2.c checkpoints v0 (no magic), v1 (float32) and
 * v2 (Q8_0 groups). Validates the header against the exact file size and
 * lists every tensor (docs/FORMATS.md, "llama2.c").
 */
#include "formats/parsed.h"

enum { MAGIC = 0x616b3432, HEADER = 256 };

typedef struct {
	int version; /* 0, 1, 2 */
	int p[7];    /* dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len */
	int shared;
	int gs;      /* v2 group size */
} header;

static const char *const pname[7] = {
	"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"
};

/* Tensor names follow Meta's checkpoint (llama2.c model.py). */
static void
tensor_name(nm_text *t, int role, int layer)
{
	static const char *const names[NM_R_COUNT] = {
		"tok_embeddings.weight", "attention_norm.weight", "attention.wq.weight",
		"attention.wk.weight", "attention.wv.weight", "attention.wo.weight",
		"ffn_norm.weight", "feed_forward.w1.weight", "feed_forward.w2.weight",
		"feed_forward.w3.weight", "norm.weight", "output.weight",
		"attention.wq.bias", "attention.wk.bias", "attention.wv.bias"
	};
	if (layer >= 0) {
		nm_text_str(t, "layers.");
		nm_text_i64(t, layer);
		nm_text_str(t, ".");
	}
	nm_text_str(t, names[role]);
}

static void
read_header(header *h, const nm_u8 *d, nm_u64 len)
{
	int base = 0;

	h->version = 0;
	h->shared = 1;
	h->gs = 0;
	if (len >= 8 && nm_le32(d) == MAGIC) {
		h->version = (int)nm_le32(d + 4);
		base = 8;
	}
	for (int i = 0; i < 7; i++)
		h->p[i] = (int)nm_le32(d + base + 4 * i);
	if (h->version == 0) {
		h->shared = h->p[5] > 0;
		if (h->p[5] < 0 && h->p[5] != (int)0x80000000)
			h->p[5] = -h->p[5];
	} else {
		h->shared = d[36];
		if (h->version == 2)
			h->gs = (int)nm_le32(d + 37);
	}
}

/* Roles in file order; for v0 the legacy RoPE tables sit before wcls. */
static const int order_v0[] = {
	NM_R_EMB, NM_R_RMS_ATT, NM_R_WQ, NM_R_WK, NM_R_WV, NM_R_WO, NM_R_RMS_FFN,
	NM_R_W1, NM_R_W2, NM_R_W3, NM_R_RMS_FINAL, -1, NM_R_WCLS
};
static const int order_v1[] = {
	NM_R_RMS_ATT, NM_R_RMS_FFN, NM_R_RMS_FINAL, NM_R_EMB, NM_R_WQ, NM_R_WK, NM_R_WV,
	NM_R_WO, NM_R_W1, NM_R_W2, NM_R_W3, NM_R_WCLS
};

static int
layered(int role)
{
	return role != NM_R_EMB && role != NM_R_RMS_FINAL && role != NM_R_WCLS;
}

static void
role_shape(const int *p, int role, nm_u64 *rows, nm_u64 *cols)
{
	nm_u64 dim = (nm_u64)p[0], hid = (nm_u64)p[1], kv = (nm_u64)p[0] / (nm_u64)p[3] * (nm_u64)p[4];

	*rows = 1;
	*cols = dim;
	switch (role) {
	case NM_R_EMB: case NM_R_WCLS: *rows = (nm_u64)p[5]; break;
	case NM_R_WQ: case NM_R_WO: *rows = dim; break;
	case NM_R_WK: case NM_R_WV: *rows = kv; break;
	case NM_R_W1: case NM_R_W3: *rows = hid; break;
	case NM_R_W2: *rows = dim; *cols = hid; break;
	}
}

/*
 * Walks the layout, adding entries when add is set; returns the total size
 * in *size, or -1 on overflow. The header's sizes are already positive and
 * below 2^31, so products of two fit easily; sums are checked.
 */
static int
walk(nm_parsed *p, const header *h, const nm_u8 *data, int add, nm_u64 *size)
{
	const int *order = h->version == 0 ? order_v0 : order_v1;
	int n_order = h->version == 0 ? 13 : 12;
	nm_u64 off = h->version == 0 ? 28 : HEADER;
	int L = h->p[2];

	// v2 stores the norms as float32 first, then the quantized matrices in
	// v1's order minus the norms; v1's order already puts the norms first.
	for (int k = 0; k < n_order; k++) {
		int role = order[k];
		if (role == NM_R_WCLS && h->shared)
			continue;
		if (role < 0) {
			// freq_cis_real and freq_cis_imag: seq_len * head_size / 2 floats each.
			nm_u64 hs = (nm_u64)(h->p[0] / h->p[3]);
			nm_u64 n = (nm_u64)h->p[6] * (hs / 2);
			if (n > ((nm_u64)1 << 58))
				return -1;
			off += n * 8;
			continue;
		}
		int nl = layered(role) ? L : 1;
		for (int l = 0; l < nl; l++) {
			nm_u64 rows, cols, n, bytes, sbytes = 0;
			role_shape(h->p, role, &rows, &cols);
			n = rows * cols;
			int quant = h->version == 2 && role != NM_R_RMS_ATT && role != NM_R_RMS_FFN &&
			            role != NM_R_RMS_FINAL;
			bytes = quant ? n : n * 4;
			if (quant)
				sbytes = n / (nm_u64)h->gs * 4;
			if (add) {
				nm_entry *e = &p->entries[p->n_entries++];
				nm_text t;
				nm_text_init(&t, e->info.name, (int)sizeof e->info.name);
				tensor_name(&t, role, layered(role) ? l : -1);
				e->info.dtype = quant ? NM_DT_Q8_GROUP : NM_DT_F32;
				e->info.group_size = quant ? h->gs : 0;
				e->info.n_dims = rows == 1 ? 1 : 2;
				e->info.shape[0] = rows == 1 ? cols : rows;
				e->info.shape[1] = cols;
				e->info.offset = off;
				e->info.nbytes = bytes;
				e->data = data + off;
				e->scales = quant ? data + off + bytes : nil;
			}
			if (bytes > ((nm_u64)1 << 62))
				return -1;
			off += bytes + sbytes;
			if (off > ((nm_u64)1 << 62))
				return -1;
		}
	}
	*size = off;
	return 0;
}

/* Header checks shared by detection and parsing; msg names the problem. */
static int
check_header(const header *h, nm_u64 len, nm_u64 *size, char *msg, int msglen)
{
	nm_text t;

	nm_text_init(&t, msg, msglen);
	for (int i = 0; i < 7; i++) {
		if (h->p[i] <= 0) {
			nm_text_str(&t, pname[i]);
			nm_text_str(&t, " must be positive, got ");
			nm_text_i64(&t, h->p[i]);
			return -1;
		}
	}
	if (h->p[0] % h->p[3] != 0 || h->p[3] % h->p[4] != 0) {
		nm_text_str(&t, h->p[0] % h->p[3] != 0 ? "dim is not divisible by n_heads"
		                                       : "n_heads ");
		if (h->p[0] % h->p[3] == 0) {
			nm_text_i64(&t, h->p[3]);
			nm_text_str(&t, " is not divisible by n_kv_heads ");
			nm_text_i64(&t, h->p[4]);
		}
		return -1;
	}
	if (h->version == 2) {
		if (h->gs <= 0 || h->p[0] % h->gs != 0 || h->p[1] % h->gs != 0) {
			nm_text_str(&t, "group size ");
			nm_text_i64(&t, h->gs);
			nm_text_str(&t, " does not divide dim and hidden_dim");
			return -1;
		}
	}
	// Each layer stores at least its two norm vectors (8*dim bytes): a layer
	// count past that cannot fit, and walking it would take billions of steps.
	if ((nm_u64)h->p[2] > len / 8) {
		nm_text_str(&t, "n_layers ");
		nm_text_i64(&t, h->p[2]);
		nm_text_str(&t, " needs more bytes than the file has (");
		nm_text_u64(&t, len);
		nm_text_str(&t, ")");
		return -1;
	}
	if (walk(nil, h, nil, 0, size) != 0 || *size != len) {
		nm_text_str(&t, "llama2.c v");
		nm_text_i64(&t, h->version);
		nm_text_str(&t, " header (");
		for (int i = 0; i < 7; i++) {
			nm_text_str(&t, i ? ", " : "");
			nm_text_str(&t, pname[i]);
			nm_text_str(&t, " ");
			nm_text_i64(&t, h->p[i]);
		}
		nm_text_str(&t, ") implies ");
		if (walk(nil, h, nil, 0, size) != 0)
			nm_text_str(&t, "a size past 2^62");
		else
			nm_text_u64(&t, *size);
		nm_text_str(&t, " bytes but the file has ");
		nm_text_u64(&t, len);
		return -1;
	}
	return 0;
}

int
nm_llama2c_v0_detect(const nm_u8 *data, nm_u64 len)
{
	header h;
	nm_u64 size;
	char msg[8];

	if (len < 28 || (len >= 8 && nm_le32(data) == MAGIC))
		return 0;
	read_header(&h, data, len);
	return check_header(&h, len, &size, msg, (int)sizeof msg) == 0;
}

int
nm_llama2c_magic_detect(const nm_u8 *data, nm_u64 len, int version)
{
	return len >= 8 && nm_le32(data) == MAGIC && (int)nm_le32(data + 4) == version;
}

int
nm_llama2c_parse(nm_parsed *p, const nm_u8 *data, nm_u64 len, char *err, int errlen)
{
	header h;
	nm_u64 size;
	char msg[400];

	if (len >= 8 && nm_le32(data) == MAGIC) {
		int v = (int)nm_le32(data + 4);
		if (v != 1 && v != 2) {
			nm_err_num(err, errlen, p->path, "unsupported llama2.c version ", v, " (known: 1, 2)");
			return -1;
		}
		if (len < HEADER) {
			nm_err_num(err, errlen, p->path, "truncated llama2.c header: ", (nm_i64)len, " bytes, need 256");
			return -1;
		}
	} else if (len < 28) {
		nm_err_num(err, errlen, p->path, "truncated llama2.c v0 header: ", (nm_i64)len, " bytes, need 28");
		return -1;
	}
	read_header(&h, data, len);
	if (check_header(&h, len, &size, msg, (int)sizeof msg) != 0) {
		nm_err(err, errlen, p->path, msg);
		return -1;
	}
	nm_strlcpy(p->format, h.version == 0 ? "llama2c-v0" : h.version == 1 ? "llama2c-v1" : "llama2c-v2",
	           (int)sizeof p->format);
	int L = h.p[2];
	int n = 9 * L + 3 + (h.shared ? 0 : 1);
	p->entries = nm_alloc((nm_u64)n * sizeof(nm_entry));
	if (p->entries == nil) {
		nm_err(err, errlen, p->path, "out of memory");
		return -1;
	}
	walk(p, &h, data, 1, &size);
	p->cfg.dim = h.p[0];
	p->cfg.hidden_dim = h.p[1];
	p->cfg.n_layers = h.p[2];
	p->cfg.n_heads = h.p[3];
	p->cfg.n_kv_heads = h.p[4];
	p->cfg.vocab_size = h.p[5];
	p->cfg.seq_len = h.p[6];
	p->cfg.shared_classifier = h.shared != 0;
	p->cfg.norm_eps = 1e-5f;
	nm_strlcpy(p->meta.name, "llama2c", (int)sizeof p->meta.name);
	p->tensor_name = tensor_name;
	return 0;
}
