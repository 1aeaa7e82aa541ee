/*
 * json.h: a small JSON reader for safetensors headers and config.json.
 * Parses RFC 8259 text into a flat node array (bounded nesting depth, every
 * size checked); lookups decode strings and numbers on demand.
 */
#ifndef NINEML_FORMATS_JSON_H
#define NINEML_FORMATS_JSON_H

#include "port/port.h"

enum {
	NM_JSON_NULL = 0,
	NM_JSON_FALSE,
	NM_JSON_TRUE,
	NM_JSON_NUM,
	NM_JSON_STR,
	NM_JSON_ARR,
	NM_JSON_OBJ
};

enum {
	NM_JSON_MAX_DEPTH = 64,
	NM_JSON_MAX_TEXT = 200000000 /* bytes of text accepted */
};

typedef struct {
	int type;
	int start, end; /* text range; strings exclude the quotes */
	int n;          /* array elements or object members */
	int first;      /* first child (objects: key, value, key, value...), -1 */
	int next;       /* next sibling, -1 */
} nm_json_node;

typedef struct {
	const char *text;
	int len;
	nm_json_node *nodes; /* nodes[0] is the root */
	int n_nodes, cap;
} nm_json;

/* Returns 0, or -1 with msg = "JSON: PROBLEM at byte N". */
int nm_json_parse(nm_json *doc, const char *text, nm_u64 len, char *msg, int msglen);
void nm_json_free(nm_json *doc);

/* Value of member `key` of object node obj, or -1. */
int nm_json_get(const nm_json *doc, int obj, const char *key);
/* String node equals lit after unescaping. */
int nm_json_str_eq(const nm_json *doc, int node, const char *lit);
/* Unescaped string into buf (terminated); -1 if not a string or too long. */
int nm_json_str_copy(const nm_json *doc, int node, char *buf, int cap);
/* Non-negative integer literal (no fraction or exponent) below 2^64; 0 or -1. */
int nm_json_u64(const nm_json *doc, int node, nm_u64 *v);
/* Any number, as the nearest double for up to 19 significant digits and
 * decimal exponents within +-22 (beyond: within a few ulps); -1 if not a
 * number or out of range. */
int nm_json_number(const nm_json *doc, int node, double *v);

#endif
