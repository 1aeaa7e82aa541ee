/* llama3.c: Llama 3 / 3.1: RoPE theta 500000 by default and the Llama 3.1
 * frequency scaling (factor, low/high frequency factors, original context). */
#include "arch/arch.h"
#include "formats/text.h"

/* A "llama" file is Llama 3 when it carries llama3 RoPE scaling or the
 * Llama 3 theta; "llama3" names it directly. */
static int
claims(const nm_arch_meta *m)
{
	if (nm_streq(m->name, "llama3"))
		return 1;
	if (!nm_streq(m->name, "llama"))
		return 0;
	return nm_streq(m->scaling_type, "llama3") || (m->has_rope_theta && m->rope_theta == 500000.0f);
}

static int
configure(nm_config *cfg, const nm_arch_meta *m, const char *path, char *err, int errlen)
{
	cfg->rope_theta = m->has_rope_theta ? m->rope_theta : 500000.0f;
	if (!(cfg->rope_theta > 0.0f)) {
		nm_err(err, errlen, path, "rope theta must be positive");
		return -1;
	}
	cfg->sliding_window = 0;
	cfg->rope_scaling.factor = 0.0f;
	if (!m->has_scaling)
		return 0;
	if (!nm_streq(m->scaling_type, "llama3")) {
		nm_text t;
		nm_text_init(&t, err, errlen);
		nm_text_str(&t, path);
		nm_text_str(&t, ": unsupported rope scaling type '");
		nm_text_str(&t, m->scaling_type);
		nm_text_str(&t, "' (known: llama3)");
		return -1;
	}
	const nm_rope_scaling *s = &m->scaling;
	if (!(s->factor >= 1.0f) || !(s->low_freq_factor > 0.0f) ||
	    !(s->high_freq_factor > s->low_freq_factor) || s->original_max_position <= 0) {
		nm_err(err, errlen, path,
		       "llama3 rope scaling needs factor >= 1, 0 < low_freq_factor < high_freq_factor and original_max_position_embeddings > 0");
		return -1;
	}
	cfg->rope_scaling = *s;
	return 0;
}

const nm_arch nm_arch_llama3 = {"llama3", claims, configure};
