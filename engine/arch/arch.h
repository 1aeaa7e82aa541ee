/*
 * arch.h: architecture plugins. A format parser reports what the file says
 * about its architecture (nm_arch_meta); the registry picks the plugin that
 * claims it and the plugin fills the architecture fields of nm_config
 * (rope_theta, rope_scaling, sliding_window, rope_neox, qkv_bias, arch)
 * and validates them, refusing what it does not implement by the key's
 * name (docs/PORTING_MODELS.md).
 */
#ifndef NINEML_ARCH_H
#define NINEML_ARCH_H

#include "model.h"

/* What the file says; has_* is 0 when the file is silent. */
typedef struct {
	char name[32];        /* GGUF general.architecture, config.json model_type, "llama2c" */
	char scaling_type[32];/* "linear", "llama3", ...; "" when absent */
	int has_rope_theta;
	float rope_theta;
	int has_scaling;
	nm_rope_scaling scaling; /* the numbers the file gave */
	int has_sliding_window;
	int sliding_window;
	/* The key that gave sliding_window as the file spells it
	 * ("qwen2.attention.sliding_window", "use_sliding_window"), for
	 * errors naming it. */
	char window_key[64];
} nm_arch_meta;

typedef struct {
	const char *name; /* nm_config.arch */
	/* 1 if the metadata describes this architecture. */
	int (*claims)(const nm_arch_meta *meta);
	/* Fills cfg's architecture fields from meta; 0 or -1 with err = "PATH: ...". */
	int (*configure)(nm_config *cfg, const nm_arch_meta *meta, const char *path, char *err, int errlen);
} nm_arch;

extern const nm_arch nm_arch_llama2;
extern const nm_arch nm_arch_llama3;
extern const nm_arch nm_arch_mistral;
extern const nm_arch nm_arch_qwen2;

/* Registry (arch/registry.c): the plugins in the order they are asked. */
int nm_arch_count(void);
const nm_arch *nm_arch_at(int i);
const nm_arch *nm_arch_find(const char *name);
/* Picks and runs the plugin for meta; unknown architectures give
 * "PATH: unknown architecture 'X' (known: llama2, llama3, mistral, qwen2)". */
int nm_arch_configure(nm_config *cfg, const nm_arch_meta *meta, const char *path, char *err, int errlen);

/*
 * RoPE scaling, the same for every plugin. nm_arch_scaling_kind: a type
 * name as files spell it -> NM_SCALING_LINEAR or NM_SCALING_LLAMA3,
 * NM_SCALING_NONE ("", "none", "default"), NM_SCALING_UNSUPPORTED for any
 * other ("yarn", "dynamic", "longrope", ...), which
 * nm_arch_scaling_unsupported reports:
 * "PATH: rope scaling 'yarn' is not supported (supported: none, linear, llama3)".
 * nm_arch_rope_scaling validates meta's scaling and fills
 * cfg->rope_scaling (after cfg->rope_theta); 0 or -1 with err.
 */
enum { NM_SCALING_UNSUPPORTED = -2, NM_SCALING_NONE = -1, NM_SCALING_LINEAR = 1, NM_SCALING_LLAMA3 = 2 };
int nm_arch_scaling_kind(const char *type);
int nm_arch_scaling_unsupported(const char *type, const char *path, char *err, int errlen);
int nm_arch_rope_scaling(nm_config *cfg, const nm_arch_meta *meta, const char *path, char *err, int errlen);

#endif
