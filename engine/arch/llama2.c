/* llama2.c: Llama 2 and llama2.c models: RoPE theta 10000 unless the file
 * says otherwise, RoPE scaling as the file says (nm_arch_rope_scaling),
 * full causal attention. */
#include "arch/arch.h"
#include "formats/text.h"

static int
claims(const nm_arch_meta *m)
{
	return nm_streq(m->name, "llama") || nm_streq(m->name, "llama2") || nm_streq(m->name, "llama2c");
}

static int
configure(nm_config *cfg, const nm_arch_meta *m, const char *path, char *err, int errlen)
{
	cfg->rope_theta = m->has_rope_theta ? m->rope_theta : 10000.0f;
	if (!(cfg->rope_theta > 0.0f)) {
		nm_err(err, errlen, path, "rope theta must be positive");
		return -1;
	}
	cfg->sliding_window = 0;
	return nm_arch_rope_scaling(cfg, m, path, err, errlen);
}

const nm_arch nm_arch_llama2 = {"llama2", claims, configure};
