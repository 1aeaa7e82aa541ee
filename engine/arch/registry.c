/* registry.c: the architecture plugins, asked in order; the first claim wins. */
#include "arch/arch.h"
#include "formats/text.h"

/* llama3 and mistral are asked before llama2, which claims every "llama";
 * qwen2 claims only its own name. */
static const nm_arch *const plugins[] = {
	&nm_arch_llama3,
	&nm_arch_mistral,
	&nm_arch_qwen2,
	&nm_arch_llama2,
};

int
nm_arch_count(void)
{
	return (int)(sizeof plugins / sizeof plugins[0]);
}

const nm_arch *
nm_arch_at(int i)
{
	if (i < 0 || i >= nm_arch_count())
		return nil;
	return plugins[i];
}

const nm_arch *
nm_arch_find(const char *name)
{
	for (int i = 0; i < nm_arch_count(); i++)
		if (nm_streq(plugins[i]->name, name))
			return plugins[i];
	return nil;
}

int
nm_arch_configure(nm_config *cfg, const nm_arch_meta *meta, const char *path, char *err, int errlen)
{
	for (int i = 0; i < nm_arch_count(); i++) {
		if (plugins[i]->claims(meta)) {
			nm_strlcpy(cfg->arch, plugins[i]->name, (int)sizeof cfg->arch);
			cfg->rope_neox = 0;	/* Llama's unless the plugin says */
			cfg->qkv_bias = 0;
			return plugins[i]->configure(cfg, meta, path, err, errlen);
		}
	}
	nm_text t;
	nm_text_init(&t, err, errlen);
	nm_text_str(&t, path);
	nm_text_str(&t, ": unknown architecture '");
	nm_text_str(&t, meta->name);
	nm_text_str(&t, "' (known: llama2, llama3, mistral, qwen2)");
	return -1;
}

int
nm_arch_scaling_kind(const char *type)
{
	if (type[0] == 0 || nm_streq(type, "none") || nm_streq(type, "default"))
		return NM_SCALING_NONE;
	if (nm_streq(type, "linear"))
		return NM_SCALING_LINEAR;
	if (nm_streq(type, "llama3"))
		return NM_SCALING_LLAMA3;
	return NM_SCALING_UNSUPPORTED;
}

int
nm_arch_scaling_unsupported(const char *type, const char *path, char *err, int errlen)
{
	nm_text t;

	nm_text_init(&t, err, errlen);
	nm_text_str(&t, path);
	nm_text_str(&t, ": rope scaling '");
	nm_text_str(&t, type);
	nm_text_str(&t, "' is not supported (supported: none, linear, llama3)");
	return -1;
}

/*
 * nm_config has one scaling rule, Llama 3.1's (model.h, model/rope_freqs.c).
 * Linear (every frequency / factor) is that rule with low_freq_factor 1,
 * high_freq_factor 2, original context 1: then hi = 0.5 and lo = 1 while
 * every wavelength is at least 2*pi (theta >= 1 keeps every frequency at
 * most 1), so each frequency takes the branch freq / factor, bit for bit
 * linear's. Every reader of nm_config (the forward pass, the writers, the
 * reference) therefore computes linear exactly without knowing it.
 */
int
nm_arch_rope_scaling(nm_config *cfg, const nm_arch_meta *m, const char *path, char *err, int errlen)
{
	const nm_rope_scaling *s = &m->scaling;
	int kind = m->has_scaling ? nm_arch_scaling_kind(m->scaling_type) : NM_SCALING_NONE;

	nm_memset(&cfg->rope_scaling, 0, sizeof cfg->rope_scaling);
	if (kind == NM_SCALING_NONE)
		return 0;
	if (kind == NM_SCALING_UNSUPPORTED)
		return nm_arch_scaling_unsupported(m->scaling_type, path, err, errlen);
	if (kind == NM_SCALING_LINEAR) {
		if (nm_isnan(s->factor) || !(s->factor > 0.0f) || nm_isinf(s->factor)) {
			nm_err(err, errlen, path, "linear rope scaling needs a positive, finite factor");
			return -1;
		}
		if (!(cfg->rope_theta >= 1.0f)) {
			nm_err(err, errlen, path, "linear rope scaling needs rope theta >= 1");
			return -1;
		}
		cfg->rope_scaling.factor = s->factor;
		cfg->rope_scaling.low_freq_factor = 1.0f;
		cfg->rope_scaling.high_freq_factor = 2.0f;
		cfg->rope_scaling.original_max_position = 1;
			return 0;
	}
	// NaN first: 6c's compares ignore the unordered case.
	if (nm_isnan(s->factor) || nm_isnan(s->low_freq_factor) || nm_isnan(s->high_freq_factor) ||
	    !(s->factor >= 1.0f) || nm_isinf(s->factor) || !(s->low_freq_factor > 0.0f) ||
	    !(s->high_freq_factor > s->low_freq_factor) || nm_isinf(s->high_freq_factor) ||
	    s->original_max_position <= 0) {
		nm_err(err, errlen, path,
		       "llama3 rope scaling needs factor >= 1, 0 < low_freq_factor < high_freq_factor and original_max_position_embeddings > 0");
		return -1;
	}
	cfg->rope_scaling = *s;
	return 0;
}
