/* mistral.c: Mistral: Llama layers with sliding-window attention (the window
 * from the file; none or 0 means full causal attention), theta 10000 unless
 * the file says otherwise, RoPE scaling as the file says. */
#include "arch/arch.h"
#include "formats/text.h"

static int
claims(const nm_arch_meta *m)
{
	return nm_streq(m->name, "mistral");
}

static int
configure(nm_config *cfg, const nm_arch_meta *m, const char *path, char *err, int errlen)
{
	cfg->rope_theta = m->has_rope_theta ? m->rope_theta : 10000.0f;
	if (!(cfg->rope_theta > 0.0f)) {
		nm_err(err, errlen, path, "rope theta must be positive");
		return -1;
	}
	cfg->sliding_window = m->has_sliding_window ? m->sliding_window : 0;
	if (cfg->sliding_window < 0) {
		nm_err_num(err, errlen, path, "negative sliding window ", cfg->sliding_window, "");
		return -1;
	}
	return nm_arch_rope_scaling(cfg, m, path, err, errlen);
}

const nm_arch nm_arch_mistral = {"mistral", claims, configure};
