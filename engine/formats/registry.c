/*
 * registry.c: the format plugins, asked in order by content. Files with a
 * magic come first; llama2.c v0 has none, so it is tried last and, when
 * nothing recognises the bytes, its header validation explains why.
 */
#include "formats/parsed.h"
#include "formats/build.h"

typedef struct {
	const char *name;
	int (*detect)(const nm_u8 *data, nm_u64 len);
	int (*parse)(nm_parsed *p, const nm_u8 *data, nm_u64 len, char *err, int errlen);
} format;

static int detect_v1(const nm_u8 *d, nm_u64 n) { return nm_llama2c_magic_detect(d, n, 1); }
static int detect_v2(const nm_u8 *d, nm_u64 n) { return nm_llama2c_magic_detect(d, n, 2); }

/* A llama2.c magic with another version is claimed too, so the parser
 * reports "unsupported llama2.c version". */
static int
detect_magic(const nm_u8 *d, nm_u64 n)
{
	return n >= 4 && nm_le32(d) == 0x616b3432;
}

static const format formats[] = {
	{"gguf", nm_gguf_detect, nm_gguf_parse},
	{"llama2c-v1", detect_v1, nm_llama2c_parse},
	{"llama2c-v2", detect_v2, nm_llama2c_parse},
	{"llama2c", detect_magic, nm_llama2c_parse},
	{"safetensors", nm_safetensors_detect, nm_safetensors_parse},
	{"safetensors-index", nm_safetensors_index_detect, nm_safetensors_index_parse},
	{"llama2c-v0", nm_llama2c_v0_detect, nm_llama2c_parse},
};
enum { N_FORMATS = sizeof formats / sizeof formats[0] };

const char *
nm_format_detect(const nm_u8 *data, nm_u64 len)
{
	for (int i = 0; i < N_FORMATS; i++)
		if (formats[i].detect(data, len))
			return nm_streq(formats[i].name, "llama2c") ? nil : formats[i].name;
	return nil;
}

static int parse_buffer(nm_parsed *p, const char *path, const nm_u8 *data, nm_u64 len, char *err, int errlen);

/* Opens path read-only and parses it into p (which then owns the view). */
static int
parse_path(nm_parsed *p, const char *path, int vocab_only, char *err, int errlen)
{
	const nm_u8 *data;
	nm_u64 len;

	nm_parsed_init(p, path);
	p->vocab_only = vocab_only;
	if (nm_views_open(&p->views, path, &data, &len, err, errlen) != 0)
		return -1;
	return parse_buffer(p, path, data, len, err, errlen);
}

static int
parse_buffer(nm_parsed *p, const char *path, const nm_u8 *data, nm_u64 len, char *err, int errlen)
{
	for (int i = 0; i < N_FORMATS; i++)
		if (formats[i].detect(data, len))
			return formats[i].parse(p, data, len, err, errlen);
	if (len < 28) {
		nm_err_num(err, errlen, path, "file too small (", (nm_i64)len,
		           " bytes) to be a model: not GGUF, safetensors or llama2.c");
		return -1;
	}
	// No magic matched: explain through the v0 header (the parser fails).
	char why[400];
	nm_text t;
	nm_llama2c_parse(p, data, len, why, (int)sizeof why);
	nm_text_init(&t, err, errlen);
	nm_text_str(&t, path);
	nm_text_str(&t, ": unrecognized format (no GGUF, llama2.c v1/v2 or safetensors header); as llama2.c v0: ");
	nm_text_str(&t, why + nm_strlen(path) + 2);
	return -1;
}

/*
 * Every load error leads with the model's path. The parsers name the file
 * they were reading, which for safetensors may be a companion (config.json
 * beside the model, a shard an index names); that name then follows:
 * "MODEL: COMPANION: problem".
 */
static void
lead_with_path(const char *path, char *err, int errlen)
{
	char inner[512];
	int n = nm_strlen(path);
	nm_text t;

	if (err == nil || errlen < 1)
		return;
	if (nm_strlen(err) > n && err[n] == ':' && nm_memeq_str((const nm_u8 *)err, (nm_u64)n, path))
		return;
	nm_strlcpy(inner, err, (int)sizeof inner);
	nm_text_init(&t, err, errlen);
	nm_text_str(&t, path);
	nm_text_str(&t, ": ");
	nm_text_str(&t, inner);
}

/*
 * Parses path (or, when data is not nil, the len bytes at data, named path)
 * and builds m from it with build; vocab_only asks the parser for the
 * vocabulary alone (a GGUF's architecture is then not looked at). The model takes the parse's file views:
 * its weights may point into them.
 */
static int
load(nm_model *m, const char *path, const nm_u8 *data, nm_u64 len, int vocab_only,
     int (*build)(nm_model *m, const nm_parsed *p, char *err, int errlen), char *err, int errlen)
{
	nm_parsed p;
	int rc;

	nm_memset(m, 0, sizeof *m);
	if (data != nil) {
		nm_parsed_init(&p, path);
		p.vocab_only = vocab_only;
		rc = parse_buffer(&p, path, data, len, err, errlen);
	} else
		rc = parse_path(&p, path, vocab_only, err, errlen);
	if (rc == 0)
		rc = build(m, &p, err, errlen);
	if (rc == 0) {
		m->views = p.views;
		nm_memset(&p.views, 0, sizeof p.views);
	}
	nm_parsed_free(&p);
	if (rc != 0) {
		nm_model_free(m);
		lead_with_path(path, err, errlen);
	}
	return rc;
}

int
nm_model_load(nm_model *m, const char *path, char *err, int errlen)
{
	return load(m, path, nil, 0, 0, nm_model_build, err, errlen);
}

int
nm_model_load_vocab(nm_model *m, const char *path, char *err, int errlen)
{
	return load(m, path, nil, 0, 1, nm_model_build_vocab, err, errlen);
}

int
nm_model_load_memory(nm_model *m, const char *name, const nm_u8 *data, nm_u64 len, char *err, int errlen)
{
	static const nm_u8 empty[1];

	return load(m, name, data != nil ? data : empty, len, 0, nm_model_build, err, errlen);
}

int
nm_file_info_load(nm_file_info *info, const char *path, char *err, int errlen)
{
	nm_parsed p;
	int rc;

	nm_memset(info, 0, sizeof *info);
	rc = parse_path(&p, path, 0, err, errlen);
	if (rc == 0) {
		info->tensors = nm_alloc((nm_u64)(p.n_entries + 1) * sizeof(nm_tensor_info));
		if (info->tensors == nil) {
			nm_err(err, errlen, path, "out of memory");
			rc = -1;
		} else {
			for (int i = 0; i < p.n_entries; i++)
				info->tensors[i] = p.entries[i].info;
			info->n_tensors = p.n_entries;
			nm_strlcpy(info->format, p.format, (int)sizeof info->format);
		}
	}
	nm_parsed_free(&p);
	if (rc != 0)
		lead_with_path(path, err, errlen);
	return rc;
}

void
nm_file_info_free(nm_file_info *info)
{
	nm_free(info->tensors);
	nm_memset(info, 0, sizeof *info);
}
