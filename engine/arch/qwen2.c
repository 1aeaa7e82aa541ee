/* qwen2.c: Qwen2 (and Qwen2.5): Llama layers plus a bias on the q, k and v
 * projections, RoPE in llama.cpp's NEOX layout (pairs i, i + head_size/2;
 * the loader permutes to the pairwise layout, docs/PORTING_MODELS.md),
 * theta 10000 unless the file says otherwise (llama.cpp's default for a
 * missing freq_base and transformers' Qwen2Config default; released
 * Qwen2 models state theta 1000000), tied or separate output
 * (as the file has it), RoPE scaling as the file says. Sliding-window
 * attention (Qwen2's per-layer window above max_window_layers) is not
 * implemented: a file that turns it on is refused by the key's name. */
#include "arch/arch.h"
#include "formats/text.h"

static int
claims(const nm_arch_meta *m)
{
	return nm_streq(m->name, "qwen2");
}

static int
configure(nm_config *cfg, const nm_arch_meta *m, const char *path, char *err, int errlen)
{
	nm_text t;

	cfg->rope_theta = m->has_rope_theta ? m->rope_theta : 10000.0f;
	if (!(cfg->rope_theta > 0.0f)) {
		nm_err(err, errlen, path, "rope theta must be positive");
		return -1;
	}
	if (m->has_sliding_window && m->sliding_window != 0) {
		nm_text_init(&t, err, errlen);
		nm_text_str(&t, path);
		nm_text_str(&t, ": '");
		nm_text_str(&t, m->window_key[0] ? m->window_key : "sliding_window");
		nm_text_str(&t, "' turns on sliding-window attention, which the qwen2 plugin does not implement");
		return -1;
	}
	cfg->sliding_window = 0;
	cfg->rope_neox = 1;
	cfg->qkv_bias = 1;
	return nm_arch_rope_scaling(cfg, m, path, err, errlen);
}

const nm_arch nm_arch_qwen2 = {"qwen2", claims, configure};
