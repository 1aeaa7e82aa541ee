/* json.c: JSON text to a flat node array (see json.h). */
#include "formats/json.h"
#include "formats/text.h"

typedef struct {
	nm_json *doc;
	int pos;
	char *msg;
	int msglen;
	int failed;
} parser;

static int
fail(parser *p, const char *problem)
{
	nm_text t;

	if (!p->failed) {
		nm_text_init(&t, p->msg, p->msglen);
		nm_text_str(&t, "JSON: ");
		nm_text_str(&t, problem);
		nm_text_str(&t, " at byte ");
		nm_text_i64(&t, p->pos);
	}
	p->failed = 1;
	return -1;
}

static void
skip_ws(parser *p)
{
	const char *s = p->doc->text;

	while (p->pos < p->doc->len &&
	       (s[p->pos] == ' ' || s[p->pos] == '\t' || s[p->pos] == '\n' || s[p->pos] == '\r'))
		p->pos++;
}

static int
new_node(parser *p, int type)
{
	nm_json *d = p->doc;

	if (d->n_nodes == d->cap) {
		// Every node consumes at least one byte of text, so the array
		// never outgrows the text: cap <= len + 1.
		int ncap = d->cap == 0 ? 64 : d->cap * 2;
		if (ncap > d->len + 1)
			ncap = d->len + 1;
		if (ncap <= d->n_nodes)
			return fail(p, "too many values");
		nm_json_node *nn = nm_alloc((nm_u64)ncap * sizeof(nm_json_node));
		if (nn == nil)
			return fail(p, "out of memory");
		if (d->nodes != nil) {
			nm_memcpy(nn, d->nodes, (nm_u64)d->n_nodes * sizeof(nm_json_node));
			nm_free(d->nodes);
		}
		d->nodes = nn;
		d->cap = ncap;
	}
	nm_json_node *n = &d->nodes[d->n_nodes];
	n->type = type;
	n->start = p->pos;
	n->end = p->pos;
	n->n = 0;
	n->first = -1;
	n->next = -1;
	return d->n_nodes++;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
parse_string(parser *p)
{
	const char *s = p->doc->text;
	int node = new_node(p, NM_JSON_STR);

	if (node < 0)
		return -1;
	p->pos++; // opening quote
	p->doc->nodes[node].start = p->pos;
	for (;;) {
		if (p->pos >= p->doc->len)
			return fail(p, "unterminated string");
		int c = (nm_u8)s[p->pos];
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(p, "control character in string");
		if (c == '\\') {
			p->pos++;
			if (p->pos >= p->doc->len)
				return fail(p, "unterminated string");
			c = s[p->pos];
			if (c == 'u') {
				for (int i = 1; i <= 4; i++)
					if (p->pos + i >= p->doc->len || hexval(s[p->pos + i]) < 0)
						return fail(p, "bad \\u escape");
				p->pos += 4;
			} else if (c != '"' && c != '\\' && c != '/' && c != 'b' && c != 'f' &&
			           c != 'n' && c != 'r' && c != 't')
				return fail(p, "bad escape");
		}
		p->pos++;
	}
	p->doc->nodes[node].end = p->pos;
	p->pos++;
	return node;
}

static int
digits(parser *p)
{
	int n = 0;

	while (p->pos < p->doc->len && p->doc->text[p->pos] >= '0' && p->doc->text[p->pos] <= '9') {
		p->pos++;
		n++;
	}
	return n;
}

static int
parse_number(parser *p)
{
	const char *s = p->doc->text;
	int node = new_node(p, NM_JSON_NUM);

	if (node < 0)
		return -1;
	if (s[p->pos] == '-')
		p->pos++;
	if (p->pos < p->doc->len && s[p->pos] == '0')
		p->pos++;
	else if (digits(p) == 0)
		return fail(p, "bad number");
	if (p->pos < p->doc->len && s[p->pos] == '.') {
		p->pos++;
		if (digits(p) == 0)
			return fail(p, "bad number");
	}
	if (p->pos < p->doc->len && (s[p->pos] == 'e' || s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->doc->len && (s[p->pos] == '+' || s[p->pos] == '-'))
			p->pos++;
		if (digits(p) == 0)
			return fail(p, "bad number");
	}
	p->doc->nodes[node].end = p->pos;
	return node;
}

static int parse_value(parser *p, int depth);

static int
literal(parser *p, const char *word, int type)
{
	int n = nm_strlen(word);

	if (p->doc->len - p->pos < n || !nm_memeq_str((const nm_u8 *)p->doc->text + p->pos, (nm_u64)n, word))
		return fail(p, "unexpected character");
	int node = new_node(p, type);
	if (node < 0)
		return -1;
	p->pos += n;
	p->doc->nodes[node].end = p->pos;
	return node;
}

/* Links child after *last under parent. */
static void
add_child(parser *p, int parent, int *last, int child)
{
	nm_json_node *nodes = p->doc->nodes;

	if (*last < 0)
		nodes[parent].first = child;
	else
		nodes[*last].next = child;
	*last = child;
}

static int
parse_container(parser *p, int depth, int is_obj)
{
	int node = new_node(p, is_obj ? NM_JSON_OBJ : NM_JSON_ARR);
	int last = -1;
	char close = is_obj ? '}' : ']';

	if (node < 0)
		return -1;
	if (depth >= NM_JSON_MAX_DEPTH)
		return fail(p, "nesting deeper than 64");
	p->pos++;
	skip_ws(p);
	if (p->pos < p->doc->len && p->doc->text[p->pos] == close) {
		p->pos++;
		p->doc->nodes[node].end = p->pos;
		return node;
	}
	for (;;) {
		skip_ws(p);
		if (is_obj) {
			if (p->pos >= p->doc->len || p->doc->text[p->pos] != '"')
				return fail(p, "expected a string key");
			int key = parse_string(p);
			if (key < 0)
				return -1;
			add_child(p, node, &last, key);
			skip_ws(p);
			if (p->pos >= p->doc->len || p->doc->text[p->pos] != ':')
				return fail(p, "expected ':'");
			p->pos++;
		}
		int v = parse_value(p, depth + 1);
		if (v < 0)
			return -1;
		add_child(p, node, &last, v);
		p->doc->nodes[node].n++;
		skip_ws(p);
		if (p->pos >= p->doc->len)
			return fail(p, "unexpected end of text");
		if (p->doc->text[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->doc->text[p->pos] == close) {
			p->pos++;
			p->doc->nodes[node].end = p->pos;
			return node;
		}
		return fail(p, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static int
parse_value(parser *p, int depth)
{
	skip_ws(p);
	if (p->pos >= p->doc->len)
		return fail(p, "unexpected end of text");
	switch (p->doc->text[p->pos]) {
	case '{':
		return parse_container(p, depth, 1);
	case '[':
		return parse_container(p, depth, 0);
	case '"':
		return parse_string(p);
	case 't':
		return literal(p, "true", NM_JSON_TRUE);
	case 'f':
		return literal(p, "false", NM_JSON_FALSE);
	case 'n':
		return literal(p, "null", NM_JSON_NULL);
	}
	if (p->doc->text[p->pos] == '-' || (p->doc->text[p->pos] >= '0' && p->doc->text[p->pos] <= '9'))
		return parse_number(p);
	return fail(p, "unexpected character");
}

int
nm_json_parse(nm_json *doc, const char *text, nm_u64 len, char *msg, int msglen)
{
	parser p;

	doc->text = text;
	doc->len = 0;
	doc->nodes = nil;
	doc->n_nodes = 0;
	doc->cap = 0;
	p.doc = doc;
	p.pos = 0;
	p.msg = msg;
	p.msglen = msglen;
	p.failed = 0;
	if (len > NM_JSON_MAX_TEXT) {
		fail(&p, "text longer than 200000000 bytes");
		return -1;
	}
	doc->len = (int)len;
	if (parse_value(&p, 0) < 0) {
		nm_json_free(doc);
		return -1;
	}
	skip_ws(&p);
	if (p.pos != doc->len) {
		fail(&p, "trailing characters");
		nm_json_free(doc);
		return -1;
	}
	return 0;
}

void
nm_json_free(nm_json *doc)
{
	nm_free(doc->nodes);
	doc->nodes = nil;
	doc->n_nodes = 0;
	doc->cap = 0;
}

/*
 * Decodes string node `node` into buf (when buf is not nil) and returns the
 * decoded length, or -1 past cap-1 bytes. \u escapes become UTF-8; a lone
 * surrogate becomes U+FFFD.
 */
static int
decode(const nm_json *doc, int node, char *buf, int cap)
{
	const nm_json_node *n = &doc->nodes[node];
	const char *s = doc->text;
	int o = 0;

	for (int i = n->start; i < n->end; i++) {
		nm_u32 cp;
		char c = s[i];
		if (c != '\\') {
			if (buf != nil) {
				if (o >= cap - 1)
					return -1;
				buf[o] = c;
			}
			o++;
			continue;
		}
		c = s[++i];
		if (c != 'u') {
			char e = c;
			if (c == 'b') e = 8;
			else if (c == 'f') e = 12;
			else if (c == 'n') e = 10;
			else if (c == 'r') e = 13;
			else if (c == 't') e = 9;
			if (buf != nil) {
				if (o >= cap - 1)
					return -1;
				buf[o] = e;
			}
			o++;
			continue;
		}
		cp = 0;
		for (int k = 1; k <= 4; k++)
			cp = cp * 16 + (nm_u32)hexval(s[i + k]);
		i += 4;
		if (cp >= 0xd800 && cp < 0xdc00 && i + 6 < n->end && s[i + 1] == '\\' && s[i + 2] == 'u') {
			nm_u32 lo = 0;
			for (int k = 3; k <= 6; k++)
				lo = lo * 16 + (nm_u32)hexval(s[i + k]);
			if (lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 6;
			}
		}
		if (cp >= 0xd800 && cp < 0xe000)
			cp = 0xfffd;
		char u[4];
		int nu;
		if (cp < 0x80) {
			u[0] = (char)cp;
			nu = 1;
		} else if (cp < 0x800) {
			u[0] = (char)(0xc0 | (cp >> 6));
			u[1] = (char)(0x80 | (cp & 0x3f));
			nu = 2;
		} else if (cp < 0x10000) {
			u[0] = (char)(0xe0 | (cp >> 12));
			u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
			u[2] = (char)(0x80 | (cp & 0x3f));
			nu = 3;
		} else {
			u[0] = (char)(0xf0 | (cp >> 18));
			u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
			u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
			u[3] = (char)(0x80 | (cp & 0x3f));
			nu = 4;
		}
		for (int k = 0; k < nu; k++) {
			if (buf != nil) {
				if (o >= cap - 1)
					return -1;
				buf[o] = u[k];
			}
			o++;
		}
	}
	if (buf != nil)
		buf[o] = 0;
	return o;
}

int
nm_json_str_copy(const nm_json *doc, int node, char *buf, int cap)
{
	if (node < 0 || doc->nodes[node].type != NM_JSON_STR || cap < 1)
		return -1;
	return decode(doc, node, buf, cap);
}

int
nm_json_str_eq(const nm_json *doc, int node, const char *lit)
{
	const nm_json_node *n;
	int len = nm_strlen(lit);

	if (node < 0 || doc->nodes[node].type != NM_JSON_STR)
		return 0;
	n = &doc->nodes[node];
	// Fast path: no escapes, compare the raw bytes.
	int escaped = 0;
	for (int i = n->start; i < n->end; i++)
		if (doc->text[i] == '\\')
			escaped = 1;
	if (!escaped)
		return n->end - n->start == len &&
		       nm_memeq_str((const nm_u8 *)doc->text + n->start, (nm_u64)len, lit);
	if (len > 4096)
		return 0;
	char buf[4097];
	int got = decode(doc, node, buf, (int)sizeof buf);
	return got == len && nm_streq(buf, lit);
}

int
nm_json_get(const nm_json *doc, int obj, const char *key)
{
	if (obj < 0 || doc->nodes[obj].type != NM_JSON_OBJ)
		return -1;
	for (int k = doc->nodes[obj].first; k >= 0; k = doc->nodes[doc->nodes[k].next].next)
		if (nm_json_str_eq(doc, k, key))
			return doc->nodes[k].next;
	return -1;
}

int
nm_json_u64(const nm_json *doc, int node, nm_u64 *v)
{
	const nm_json_node *n;
	nm_u64 x = 0;

	if (node < 0 || doc->nodes[node].type != NM_JSON_NUM)
		return -1;
	n = &doc->nodes[node];
	for (int i = n->start; i < n->end; i++) {
		char c = doc->text[i];
		if (c < '0' || c > '9')
			return -1;
		nm_u64 d = (nm_u64)(c - '0');
		if (x > (~(nm_u64)0 - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

int
nm_json_number(const nm_json *doc, int node, double *v)
{
	const nm_json_node *n;
	const char *s = doc->text;
	nm_u64 mant = 0;
	int sig = 0, exp10 = 0, neg = 0, i;

	if (node < 0 || doc->nodes[node].type != NM_JSON_NUM)
		return -1;
	n = &doc->nodes[node];
	i = n->start;
	if (s[i] == '-') {
		neg = 1;
		i++;
	}
	// Up to 19 significant digits go into mant; later integer digits
	// raise the exponent, later fraction digits are dropped.
	for (; i < n->end && s[i] >= '0' && s[i] <= '9'; i++) {
		if (sig < 19) {
			mant = mant * 10 + (nm_u64)(s[i] - '0');
			if (mant != 0)
				sig++;
		} else
			exp10++;
	}
	if (i < n->end && s[i] == '.') {
		for (i++; i < n->end && s[i] >= '0' && s[i] <= '9'; i++) {
			if (sig < 19) {
				mant = mant * 10 + (nm_u64)(s[i] - '0');
				if (mant != 0)
					sig++;
				exp10--;
			}
		}
	}
	if (i < n->end && (s[i] == 'e' || s[i] == 'E')) {
		int eneg = 0, e = 0;
		i++;
		if (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-';
			i++;
		}
		for (; i < n->end; i++)
			if (e < 100000)
				e = e * 10 + (s[i] - '0');
		exp10 += eneg ? -e : e;
	}
	double x = (double)mant;
	if (mant != 0) {
		if (exp10 > 330)
			return -1;
		if (exp10 < -360)
			x = 0.0;
		// One multiplication or division by an exact power of ten is
		// correctly rounded when mant < 2^53 and |exp10| <= 22.
		double p = 1.0;
		int e = exp10 < 0 ? -exp10 : exp10;
		while (e > 22) {
			if (exp10 < 0)
				x /= 1e22;
			else
				x *= 1e22;
			e -= 22;
		}
		for (int k = 0; k < e; k++)
			p *= 10.0;
		x = exp10 < 0 ? x / p : x * p;
		if (x > 1.7976931348623157e308)
			return -1;
	}
	*v = neg ? -x : x;
	return 0;
}
