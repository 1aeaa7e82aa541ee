/* registry.c: the architecture plugins, asked in order; the first claim wins. */
#include "arch/arch.h"
#include "formats/text.h"

/* llama3 and mistral are asked before llama2, which claims every "llama". */
static const nm_arch *const plugins[] = {
	&nm_arch_llama3,
	&nm_arch_mistral,
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
			return plugins[i]->configure(cfg, meta, path, err, errlen);
		}
	}
	nm_text t;
	nm_text_init(&t, err, errlen);
	nm_text_str(&t, path);
	nm_text_str(&t, ": unknown architecture '");
	nm_text_str(&t, meta->name);
	nm_text_str(&t, "' (known: llama2, llama3, mistral)");
	return -1;
}
