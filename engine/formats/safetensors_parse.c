/*
 * safetensors_parse.c: Hugging Face safetensors files (8-byte header length,
 * JSON header, data), the sharded index model.safetensors.index.json, and
 * the config.json beside them (docs/FORMATS.md, "safetensors").
 */
#include "formats/parsed.h"
#include "formats/build.h"
#include "formats/json.h"

enum { MAX_PATH = 1024 };

/* Hugging Face Llama/Mistral/Qwen2 tensor names. */
static void
tensor_name(nm_text *t, int role, int layer)
{
	static const char *const names[NM_R_COUNT] = {
		"model.embed_tokens.weight", "input_layernorm.weight", "self_attn.q_proj.weight",
		"self_attn.k_proj.weight", "self_attn.v_proj.weight", "self_attn.o_proj.weight",
		"post_attention_layernorm.weight", "mlp.gate_proj.weight", "mlp.down_proj.weight",
		"mlp.up_proj.weight", "model.norm.weight", "lm_head.weight",
		"self_attn.q_proj.bias", "self_attn.k_proj.bias", "self_attn.v_proj.bias"
	};
	if (layer >= 0) {
		nm_text_str(t, "model.layers.");
		nm_text_i64(t, layer);
		nm_text_str(t, ".");
	}
	nm_text_str(t, names[role]);
}

int
nm_safetensors_detect(const nm_u8 *data, nm_u64 len)
{
	if (len < 10)
		return 0;
	nm_u64 n = nm_le64(data);
	return n >= 2 && n <= len - 8 && data[8] == '{';
}

int
nm_safetensors_index_detect(const nm_u8 *data, nm_u64 len)
{
	static const char key[] = "\"weight_map\"";
	nm_u64 i = 0, k = sizeof key - 1;

	while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t'))
		i++;
	if (i >= len || data[i] != '{')
		return 0;
	for (; i + k <= len; i++)
		if (nm_memeq_str(data + i, k, key))
			return 1;
	return 0;
}

/* Directory part of path, with a trailing '/', or "" (0, or -1 if too long). */
static int
dir_of(const char *path, char *dir, int cap)
{
	int n = nm_strlen(path), cut = 0;

	for (int i = 0; i < n; i++)
		if (path[i] == '/')
			cut = i + 1;
	if (cut >= cap)
		return -1;
	nm_memcpy(dir, path, (nm_u64)cut);
	dir[cut] = 0;
	return 0;
}

static int
json_err(char *err, int errlen, const char *path, const char *what, const char *name, const char *problem)
{
	nm_text t;

	nm_text_init(&t, err, errlen);
	nm_text_str(&t, path);
	nm_text_str(&t, ": ");
	nm_text_str(&t, what);
	if (name != nil) {
		nm_text_str(&t, " '");
		nm_text_str(&t, name);
		nm_text_str(&t, "'");
	}
	nm_text_str(&t, " ");
	nm_text_str(&t, problem);
	return -1;
}

/* Appends room for more entries. */
static int
grow(nm_parsed *p, int more, int *cap)
{
	if (p->n_entries + more <= *cap)
		return 0;
	nm_u64 ncap = (nm_u64)p->n_entries + (nm_u64)more + 16;
	if (ncap > 0x1000000)
		return -1;
	nm_entry *e = nm_alloc(ncap * sizeof(nm_entry));
	if (e == nil)
		return -1;
	if (p->entries != nil) {
		nm_memcpy(e, p->entries, (nm_u64)p->n_entries * sizeof(nm_entry));
		nm_free(p->entries);
	}
	p->entries = e;
	*cap = (int)ncap;
	return 0;
}

/* Lists the tensors of one safetensors file (path names it in errors). */
static int
parse_file(nm_parsed *p, int *cap, const char *path, const nm_u8 *data, nm_u64 len, char *err, int errlen)
{
	nm_json doc;
	char msg[128];

	if (len < 8) {
		nm_err_num(err, errlen, path, "truncated safetensors header: ", (nm_i64)len, " bytes, need 8");
		return -1;
	}
	nm_u64 hn = nm_le64(data);
	if (hn > len - 8) {
		nm_text t;
		nm_text_init(&t, err, errlen);
		nm_text_str(&t, path);
		nm_text_str(&t, ": safetensors header length ");
		nm_text_u64(&t, hn);
		nm_text_str(&t, " exceeds the file size ");
		nm_text_u64(&t, len);
		return -1;
	}
	if (nm_json_parse(&doc, (const char *)data + 8, hn, msg, (int)sizeof msg) != 0) {
		nm_text t;
		nm_text_init(&t, err, errlen);
		nm_text_str(&t, path);
		nm_text_str(&t, ": safetensors header: ");
		nm_text_str(&t, msg);
		return -1;
	}
	nm_u64 base = 8 + hn, avail = len - base;
	int rc = -1, first = p->n_entries;
	if (doc.nodes[0].type != NM_JSON_OBJ) {
		nm_err(err, errlen, path, "safetensors header is not a JSON object");
		goto out;
	}
	if (grow(p, doc.nodes[0].n, cap) != 0) {
		nm_err(err, errlen, path, "out of memory");
		goto out;
	}
	for (int k = doc.nodes[0].first; k >= 0; k = doc.nodes[doc.nodes[k].next].next) {
		int v = doc.nodes[k].next;
		nm_entry *e = &p->entries[p->n_entries];
		nm_memset(e, 0, sizeof *e);
		if (nm_json_str_eq(&doc, k, "__metadata__"))
			continue;
		if (nm_json_str_copy(&doc, k, e->info.name, (int)sizeof e->info.name) < 0) {
			nm_err(err, errlen, path, "safetensors tensor name longer than 95 bytes");
			goto out;
		}
		const char *nm = e->info.name;
		int dt = nm_json_get(&doc, v, "dtype"), sh = nm_json_get(&doc, v, "shape"),
		    off = nm_json_get(&doc, v, "data_offsets");
		if (dt < 0 || sh < 0 || off < 0 || doc.nodes[sh].type != NM_JSON_ARR ||
		    doc.nodes[off].type != NM_JSON_ARR || doc.nodes[off].n != 2) {
			json_err(err, errlen, path, "tensor", nm, "needs dtype, shape and data_offsets [begin, end]");
			goto out;
		}
		if (nm_json_str_eq(&doc, dt, "F32"))
			e->info.dtype = NM_DT_F32;
		else if (nm_json_str_eq(&doc, dt, "F16"))
			e->info.dtype = NM_DT_F16;
		else if (nm_json_str_eq(&doc, dt, "BF16"))
			e->info.dtype = NM_DT_BF16;
		else {
			char dname[24];
			nm_text t;
			if (nm_json_str_copy(&doc, dt, dname, (int)sizeof dname) < 0)
				nm_strlcpy(dname, "?", (int)sizeof dname);
			nm_text_init(&t, err, errlen);
			nm_text_str(&t, path);
			nm_text_str(&t, ": tensor '");
			nm_text_str(&t, nm);
			nm_text_str(&t, "' has unsupported dtype '");
			nm_text_str(&t, dname);
			nm_text_str(&t, "' (supported: F32, F16, BF16)");
			goto out;
		}
		if (doc.nodes[sh].n < 1 || doc.nodes[sh].n > 4) {
			json_err(err, errlen, path, "tensor", nm, "must have 1 to 4 dimensions");
			goto out;
		}
		nm_u64 numel = 1;
		int j = 0;
		for (int d = doc.nodes[sh].first; d >= 0; d = doc.nodes[d].next, j++) {
			nm_u64 x;
			if (nm_json_u64(&doc, d, &x) != 0 || x == 0 || nm_mul_u64(numel, x, &numel) != 0) {
				json_err(err, errlen, path, "tensor", nm, "has a bad shape (dimensions must be positive integers, size below 2^63)");
				goto out;
			}
			e->info.shape[j] = x;
		}
		e->info.n_dims = j;
		nm_u64 b, en;
		int ob = doc.nodes[off].first;
		if (nm_json_u64(&doc, ob, &b) != 0 || nm_json_u64(&doc, doc.nodes[ob].next, &en) != 0 || en < b) {
			json_err(err, errlen, path, "tensor", nm, "has bad data_offsets");
			goto out;
		}
		if (nm_dtype_bytes(e->info.dtype, numel, &e->info.nbytes) != 0) {
			json_err(err, errlen, path, "tensor", nm, "has a shape whose size in bytes overflows");
			goto out;
		}
		if (en - b != e->info.nbytes) {
			nm_text t;
			nm_text_init(&t, err, errlen);
			nm_text_str(&t, path);
			nm_text_str(&t, ": tensor '");
			nm_text_str(&t, nm);
			nm_text_str(&t, "' data_offsets span ");
			nm_text_u64(&t, en - b);
			nm_text_str(&t, " bytes but its shape and dtype need ");
			nm_text_u64(&t, e->info.nbytes);
			goto out;
		}
		if (en > avail) {
			nm_text t;
			nm_text_init(&t, err, errlen);
			nm_text_str(&t, path);
			nm_text_str(&t, ": tensor '");
			nm_text_str(&t, nm);
			nm_text_str(&t, "' (offset ");
			nm_text_u64(&t, base + b);
			nm_text_str(&t, ", ");
			nm_text_u64(&t, e->info.nbytes);
			nm_text_str(&t, " bytes) extends past the end of the file (");
			nm_text_u64(&t, len);
			nm_text_str(&t, " bytes)");
			goto out;
		}
		e->info.offset = base + b;
		e->data = data + base + b;
		p->n_entries++;
	}
	// Two tensors sharing bytes is a broken file (the safetensors library
	// and llama.cpp refuse it too).
	rc = nm_parsed_check_spans(p, first, p->n_entries, path, err, errlen);
out:
	nm_json_free(&doc);
	return rc;
}

/* Integer member (1 found, 0 absent or null, -1 error). */
static int
cfg_int(const nm_json *doc, const char *key, int *out, const char *path, char *err, int errlen)
{
	int v = nm_json_get(doc, 0, key);
	double d;

	if (v < 0 || doc->nodes[v].type == NM_JSON_NULL)
		return 0;
	if (nm_json_number(doc, v, &d) != 0 || d != (double)(int)d || d > 2147483647.0 || d < -2147483647.0)
		return json_err(err, errlen, path, "config.json", key, "must be an integer");
	*out = (int)d;
	return 1;
}

static int
cfg_float(const nm_json *doc, int obj, const char *key, float *out, const char *path, char *err, int errlen)
{
	int v = nm_json_get(doc, obj, key);
	double d;

	if (v < 0 || doc->nodes[v].type == NM_JSON_NULL)
		return 0;
	if (nm_json_number(doc, v, &d) != 0)
		return json_err(err, errlen, path, "config.json", key, "must be a number");
	*out = (float)d;
	return 1;
}

static int
need_int(const nm_json *doc, const char *key, int *out, const char *path, char *err, int errlen)
{
	int rc = cfg_int(doc, key, out, path, err, errlen);

	if (rc == 0)
		return json_err(err, errlen, path, "config.json: missing", key, "");
	return rc;
}

/* Key `key` of object obj is one of the names (nil-terminated). */
static int
key_in(const nm_json *doc, int key, const char *const *names)
{
	for (int i = 0; names[i] != nil; i++)
		if (nm_json_str_eq(doc, key, names[i]))
			return 1;
	return 0;
}

/*
 * RoPE scaling from config.json: rope_scaling, or transformers' newer
 * rope_parameters (which may carry rope_theta too); null or absent means
 * none. rope_type (or the older type) names the kind: "default" or "none"
 * (no scaling), "linear" (factor), "llama3" (factor, low_freq_factor,
 * high_freq_factor, original_max_position_embeddings); any other is
 * refused, and so is any key the kind does not use (attention_factor,
 * beta_fast, short_factor, ...: they change the rotation in ways 9ml does
 * not implement).
 */
static int
rope_config(const nm_json *doc, nm_arch_meta *m, const char *cpath, char *err, int errlen)
{
	static const char *const none_keys[] = {"rope_type", "type", "rope_theta", nil};
	static const char *const linear_keys[] = {"rope_type", "type", "rope_theta", "factor", nil};
	static const char *const llama3_keys[] = {"rope_type", "type", "rope_theta", "factor", "low_freq_factor",
	                                          "high_freq_factor", "original_max_position_embeddings", nil};
	const char *name = "rope_scaling";
	int rs = nm_json_get(doc, 0, name);

	if (rs < 0 || doc->nodes[rs].type == NM_JSON_NULL) {
		name = "rope_parameters";
		rs = nm_json_get(doc, 0, name);
	}
	if (rs < 0 || doc->nodes[rs].type == NM_JSON_NULL)
		return 0;
	if (doc->nodes[rs].type != NM_JSON_OBJ)
		return json_err(err, errlen, cpath, "config.json", name, "must be an object or null");
	int ty = nm_json_get(doc, rs, "rope_type"), ty2 = nm_json_get(doc, rs, "type");
	char other[32];
	if (ty < 0)
		ty = ty2;
	if (nm_json_str_copy(doc, ty, m->scaling_type, (int)sizeof m->scaling_type) < 0 ||
	    (ty2 >= 0 && (nm_json_str_copy(doc, ty2, other, (int)sizeof other) < 0 || !nm_streq(other, m->scaling_type))))
		return json_err(err, errlen, cpath, "config.json", name, "needs one rope_type string (type, if also given, must agree)");
	int kind = nm_arch_scaling_kind(m->scaling_type);
	if (kind == NM_SCALING_UNSUPPORTED)
		return nm_arch_scaling_unsupported(m->scaling_type, cpath, err, errlen);
	const char *const *keys = kind == NM_SCALING_LINEAR ? linear_keys : kind == NM_SCALING_LLAMA3 ? llama3_keys : none_keys;
	for (int k = doc->nodes[rs].first; k >= 0; k = doc->nodes[doc->nodes[k].next].next) {
		char kn[48];
		nm_text t;
		if (key_in(doc, k, keys))
			continue;
		if (nm_json_str_copy(doc, k, kn, (int)sizeof kn) < 0)
			nm_strlcpy(kn, "?", (int)sizeof kn);
		nm_text_init(&t, err, errlen);
		nm_text_str(&t, cpath);
		nm_text_str(&t, ": config.json '");
		nm_text_str(&t, name);
		nm_text_str(&t, "' key '");
		nm_text_str(&t, kn);
		nm_text_str(&t, "' is not supported for rope type '");
		nm_text_str(&t, m->scaling_type);
		nm_text_str(&t, "'");
		return -1;
	}
	float theta = 0.0f;
	int got = cfg_float(doc, rs, "rope_theta", &theta, cpath, err, errlen);
	if (got < 0)
		return -1;
	if (got && m->has_rope_theta && theta != m->rope_theta)
		return json_err(err, errlen, cpath, "config.json", "rope_theta", "differs from the rope_theta in rope_parameters");
	if (got) {
		m->has_rope_theta = 1;
		m->rope_theta = theta;
	}
	if (kind == NM_SCALING_NONE) {
		m->scaling_type[0] = 0;
		return 0;
	}
	m->has_scaling = 1;
	if ((got = cfg_float(doc, rs, "factor", &m->scaling.factor, cpath, err, errlen)) <= 0)
		return got < 0 ? -1 : json_err(err, errlen, cpath, "config.json", name, "needs a factor");
	if (kind == NM_SCALING_LINEAR)
		return 0;
	int op = nm_json_get(doc, rs, "original_max_position_embeddings");
	double d = 0;
	if (op >= 0 && (nm_json_number(doc, op, &d) != 0 || d != (double)(int)d || d < 0 || d > 2147483647.0))
		return json_err(err, errlen, cpath, "config.json", "rope_scaling.original_max_position_embeddings", "must be an integer");
	m->scaling.original_max_position = (int)d;
	if (cfg_float(doc, rs, "low_freq_factor", &m->scaling.low_freq_factor, cpath, err, errlen) < 0 ||
	    cfg_float(doc, rs, "high_freq_factor", &m->scaling.high_freq_factor, cpath, err, errlen) < 0)
		return -1;
	return 0;
}

/* Reads config.json from the directory of p->path. */
static int
read_config(nm_parsed *p, char *err, int errlen)
{
	char cpath[MAX_PATH + 16], msg[128];
	nm_u8 *data;
	nm_u64 len;
	nm_json doc;
	nm_text t;

	if (dir_of(p->path, cpath, MAX_PATH) != 0) {
		nm_err(err, errlen, p->path, "path too long");
		return -1;
	}
	nm_text_init(&t, cpath + nm_strlen(cpath), 16);
	nm_text_str(&t, "config.json");
	if (nm_read_file(cpath, &data, &len, err, errlen) != 0)
		return -1;
	if (nm_parsed_own(p, data) != 0) {
		nm_free(data);
		nm_err(err, errlen, p->path, "too many files");
		return -1;
	}
	if (nm_json_parse(&doc, (const char *)data, len, msg, (int)sizeof msg) != 0) {
		nm_err(err, errlen, cpath, msg);
		return -1;
	}
	int rc = -1;
	nm_config *c = &p->cfg;
	nm_arch_meta *m = &p->meta;
	if (doc.nodes[0].type != NM_JSON_OBJ) {
		nm_err(err, errlen, cpath, "not a JSON object");
		goto out;
	}
	if (need_int(&doc, "hidden_size", &c->dim, cpath, err, errlen) < 0 ||
	    need_int(&doc, "intermediate_size", &c->hidden_dim, cpath, err, errlen) < 0 ||
	    need_int(&doc, "num_hidden_layers", &c->n_layers, cpath, err, errlen) < 0 ||
	    need_int(&doc, "num_attention_heads", &c->n_heads, cpath, err, errlen) < 0 ||
	    need_int(&doc, "vocab_size", &c->vocab_size, cpath, err, errlen) < 0 ||
	    need_int(&doc, "max_position_embeddings", &c->seq_len, cpath, err, errlen) < 0)
		goto out;
	c->n_kv_heads = c->n_heads;
	if (cfg_int(&doc, "num_key_value_heads", &c->n_kv_heads, cpath, err, errlen) < 0 ||
	    cfg_float(&doc, 0, "rms_norm_eps", &c->norm_eps, cpath, err, errlen) < 0 ||
	    (m->has_rope_theta = cfg_float(&doc, 0, "rope_theta", &m->rope_theta, cpath, err, errlen)) < 0 ||
	    (m->has_sliding_window = cfg_int(&doc, "sliding_window", &m->sliding_window, cpath, err, errlen)) < 0)
		goto out;
	nm_strlcpy(m->window_key, "sliding_window", (int)sizeof m->window_key);
	// Qwen2's configs carry a window with use_sliding_window false: then
	// no layer uses it. True: the plugin decides (and errors name the key).
	int use = nm_json_get(&doc, 0, "use_sliding_window");
	if (use >= 0 && doc.nodes[use].type == NM_JSON_FALSE)
		m->has_sliding_window = 0;
	else if (use >= 0 && doc.nodes[use].type == NM_JSON_TRUE)
		nm_strlcpy(m->window_key, "use_sliding_window", (int)sizeof m->window_key);
	else if (use >= 0) {
		json_err(err, errlen, cpath, "config.json", "use_sliding_window", "must be true or false");
		goto out;
	}
	int tie = nm_json_get(&doc, 0, "tie_word_embeddings");
	c->shared_classifier = tie >= 0 && doc.nodes[tie].type == NM_JSON_TRUE;
	int mt = nm_json_get(&doc, 0, "model_type"), ar = nm_json_get(&doc, 0, "architectures");
	if (mt >= 0) {
		if (nm_json_str_copy(&doc, mt, m->name, (int)sizeof m->name) < 0) {
			json_err(err, errlen, cpath, "config.json", "model_type", "must be a string shorter than 32 bytes");
			goto out;
		}
	} else if (ar >= 0 && doc.nodes[ar].type == NM_JSON_ARR && doc.nodes[ar].n >= 1) {
		int a0 = doc.nodes[ar].first;
		if (nm_json_str_eq(&doc, a0, "LlamaForCausalLM"))
			nm_strlcpy(m->name, "llama", (int)sizeof m->name);
		else if (nm_json_str_eq(&doc, a0, "MistralForCausalLM"))
			nm_strlcpy(m->name, "mistral", (int)sizeof m->name);
		else if (nm_json_str_eq(&doc, a0, "Qwen2ForCausalLM"))
			nm_strlcpy(m->name, "qwen2", (int)sizeof m->name);
		else if (nm_json_str_copy(&doc, a0, m->name, (int)sizeof m->name) < 0)
			nm_strlcpy(m->name, "(unnamed)", (int)sizeof m->name);
	} else {
		nm_err(err, errlen, cpath, "config.json names no architecture (model_type or architectures)");
		goto out;
	}
	float partial = 1.0f;
	int got = cfg_float(&doc, 0, "partial_rotary_factor", &partial, cpath, err, errlen);
	if (got < 0)
		goto out;
	if (got && partial != 1.0f) {
		json_err(err, errlen, cpath, "config.json", "partial_rotary_factor", "must be 1 (partial RoPE is not supported)");
		goto out;
	}
	if (rope_config(&doc, m, cpath, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	nm_json_free(&doc);
	return rc;
}

int
nm_safetensors_parse(nm_parsed *p, const nm_u8 *data, nm_u64 len, char *err, int errlen)
{
	int cap = 0;

	if (parse_file(p, &cap, p->path, data, len, err, errlen) != 0 || nm_parsed_index(p, err, errlen) != 0 ||
	    read_config(p, err, errlen) != 0)
		return -1;
	if (nm_parsed_find(p, "lm_head.weight") == nil)
		p->cfg.shared_classifier = 1;
	nm_strlcpy(p->format, "safetensors", (int)sizeof p->format);
	p->qk_half_split = 1;
	p->tensor_name = tensor_name;
	return 0;
}

/* The shards an index names, each read once (at most MAX_SHARDS). */
enum { MAX_SHARDS = 60, SHARD_NAME = 256 };
typedef struct {
	char *names;            /* MAX_SHARDS x SHARD_NAME */
	int first[MAX_SHARDS];  /* its entries: first..end-1 */
	int end[MAX_SHARDS];
	int n;
} shards;

/* Shard number of the weight_map value v (decoded into file), or -1 with err. */
static int
shard_of(const nm_json *doc, int v, const shards *sh, char *file, const char *path, char *err, int errlen)
{
	if (nm_json_str_copy(doc, v, file, SHARD_NAME) < 0 || file[0] == 0 || file[0] == '.') {
		nm_err(err, errlen, path, "weight_map values must be shard file names");
		return -1;
	}
	for (int i = 0; file[i] != 0; i++)
		if (file[i] == '/') {
			nm_err(err, errlen, path, "weight_map shard names must not contain '/'");
			return -1;
		}
	for (int i = 0; i < sh->n; i++)
		if (nm_streq(sh->names + i * SHARD_NAME, file))
			return i;
	return sh->n;
}

/*
 * Linear in the number of entries: a shard is looked up among the few read
 * so far (at most MAX_SHARDS), a tensor through the parse's name index.
 */
int
nm_safetensors_index_parse(nm_parsed *p, const nm_u8 *data, nm_u64 len, char *err, int errlen)
{
	nm_json doc;
	char msg[128], dir[MAX_PATH], shard[MAX_PATH + 256], file[SHARD_NAME];
	int cap = 0, rc = -1;
	shards sh;

	sh.n = 0;
	sh.names = nil;
	if (nm_json_parse(&doc, (const char *)data, len, msg, (int)sizeof msg) != 0) {
		nm_err(err, errlen, p->path, msg);
		return -1;
	}
	int wm = nm_json_get(&doc, 0, "weight_map");
	if (wm < 0 || doc.nodes[wm].type != NM_JSON_OBJ) {
		nm_err(err, errlen, p->path, "weight_map must be a JSON object");
		goto out;
	}
	if (dir_of(p->path, dir, MAX_PATH) != 0) {
		nm_err(err, errlen, p->path, "path too long");
		goto out;
	}
	sh.names = nm_alloc((nm_u64)MAX_SHARDS * SHARD_NAME);
	if (sh.names == nil) {
		nm_err(err, errlen, p->path, "out of memory");
		goto out;
	}
	// Each distinct shard, in order of first mention, is read once.
	for (int k = doc.nodes[wm].first; k >= 0; k = doc.nodes[doc.nodes[k].next].next) {
		int i = shard_of(&doc, doc.nodes[k].next, &sh, file, p->path, err, errlen);
		if (i < 0)
			goto out;
		if (i < sh.n)
			continue;
		if (sh.n == MAX_SHARDS) {
			nm_err_num(err, errlen, p->path, "more than ", MAX_SHARDS, " shards");
			goto out;
		}
		nm_text t;
		nm_text_init(&t, shard, (int)sizeof shard);
		nm_text_str(&t, dir);
		nm_text_str(&t, file);
		const nm_u8 *sd;
		nm_u64 sl;
		if (nm_views_open(&p->views, shard, &sd, &sl, err, errlen) != 0)
			goto out;
		nm_strlcpy(sh.names + sh.n * SHARD_NAME, file, SHARD_NAME);
		sh.first[sh.n] = p->n_entries;
		// The entry names point at p's own copies, so the shard path may go.
		if (parse_file(p, &cap, shard, sd, sl, err, errlen) != 0)
			goto out;
		sh.end[sh.n] = p->n_entries;
		sh.n++;
	}
	// A tensor in two shards is a duplicate; each listed one must be in
	// the shard the map names.
	if (nm_parsed_index(p, err, errlen) != 0)
		goto out;
	for (int k = doc.nodes[wm].first; k >= 0; k = doc.nodes[doc.nodes[k].next].next) {
		char name[96];
		int i = shard_of(&doc, doc.nodes[k].next, &sh, file, p->path, err, errlen);
		if (i < 0)
			goto out;
		const nm_entry *e = nil;
		if (nm_json_str_copy(&doc, k, name, (int)sizeof name) < 0)
			nm_strlcpy(name, "(a name longer than 95 bytes)", (int)sizeof name);
		else
			e = nm_parsed_find(p, name);
		if (e == nil || e - p->entries < sh.first[i] || e - p->entries >= sh.end[i]) {
			nm_text t;
			nm_text_init(&t, err, errlen);
			nm_text_str(&t, p->path);
			nm_text_str(&t, ": weight_map puts tensor '");
			nm_text_str(&t, name);
			nm_text_str(&t, "' in '");
			nm_text_str(&t, file);
			nm_text_str(&t, "', which does not hold it");
			goto out;
		}
	}
	if (read_config(p, err, errlen) != 0)
		goto out;
	if (nm_parsed_find(p, "lm_head.weight") == nil)
		p->cfg.shared_classifier = 1;
	nm_strlcpy(p->format, "safetensors-index", (int)sizeof p->format);
	p->qk_half_split = 1;
	p->tensor_name = tensor_name;
	rc = 0;
out:
	nm_free(sh.names);
	nm_json_free(&doc);
	return rc;
}
