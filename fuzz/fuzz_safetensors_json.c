/*
 * fuzz_safetensors_json.c: the input is JSON text (a safetensors header,
 * config.json or shard index). A parse must fail with "JSON: ... at byte N"
 * or give a node tree whose ranges lie inside the text and whose lookups,
 * string decoding and number conversion stay in bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nm_json doc;
	char msg[128], buf[64];

	if (nm_json_parse(&doc, (const char *)data, size, msg, sizeof msg) != 0) {
		if (strncmp(msg, "JSON: ", 6) != 0)
			abort();
		return 0;
	}
	for (int i = 0; i < doc.n_nodes; i++) {
		const nm_json_node *n = &doc.nodes[i];
		double d;
		nm_u64 u;
		if (n->start < 0 || n->end > doc.len || n->start > n->end)
			abort();
		nm_json_str_copy(&doc, i, buf, sizeof buf);
		nm_json_number(&doc, i, &d);
		nm_json_u64(&doc, i, &u);
	}
	nm_json_get(&doc, 0, "weight_map");
	nm_json_get(&doc, 0, "__metadata__");
	nm_json_free(&doc);
	return 0;
}
