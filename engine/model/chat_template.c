/* chat_template.c: the Llama 2 chat template of run.c's chat(). */
#include "model/generate.h"

/* Appends s at out[*len], keeping room for the terminator; 0 or -1. */
static int
append(char *out, int cap, int *len, const char *s)
{
	for (; *s != 0; s++) {
		if (*len + 1 >= cap)
			return -1;
		out[(*len)++] = *s;
	}
	return 0;
}

int
nm_chat_render(char *out, int cap, const char *system, const char *user)
{
	int len = 0;

	if (cap < 1)
		return -1;
	if (system != nil && system[0] != 0) {
		if (append(out, cap, &len, "[INST] <<SYS>>\n") < 0 || append(out, cap, &len, system) < 0 ||
		    append(out, cap, &len, "\n<</SYS>>\n\n") < 0)
			return -1;
	} else if (append(out, cap, &len, "[INST] ") < 0) {
		return -1;
	}
	if (append(out, cap, &len, user) < 0 || append(out, cap, &len, " [/INST]") < 0)
		return -1;
	out[len] = 0;
	return len;
}
