/* llama3.c: Llama 3 / 3.1: RoPE theta 500000 by default; the Llama 3.1
 * frequency scaling (factor, low/high frequency factors, original context)
 * is validated by nm_arch_rope_scaling (registry.c), as for every plugin. */
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
	return nm_arch_rope_scaling(cfg, m, path, err, errlen);
}

const nm_arch nm_arch_llama3 = {"llama3", claims, configure};
