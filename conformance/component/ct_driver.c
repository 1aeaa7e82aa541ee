/* ct_driver.c: the component-test driver: reads the case list, loads each
 * case's inputs, runs it, writes its outputs with trailers, and reports. */
#include "ct.h"
#include "kernels/fbits.h"

enum { FAULT_NONE, FAULT_CRASH, FAULT_HANG, FAULT_TRUNCATE, FAULT_NOOUTPUT, FAULT_BADSUM };
enum { MAX_THREADS = 64 };

/* threads:N (1 when absent) and its pool, started by the first ct_pool. */
static int threads = 1;
static nm_pool *pool;
/* simd:LEVEL's kernel table (scalar when absent) and ulp:KERNEL's kernel. */
static const nm_kernel_table *table;
static char ulp_kernel[64];

static int
slen(const char *s)
{
	int n = 0;
	while (s[n])
		n++;
	return n;
}

/* Copies s into dst (size cap), returns the new length or -1 if it does not fit. */
static int
append(char *dst, int at, int cap, const char *s)
{
	while (*s) {
		if (at + 1 >= cap)
			return -1;
		dst[at++] = *s++;
	}
	dst[at] = 0;
	return at;
}

int
ct_fail(CtCase *c, const char *why)
{
	if (c->error[0] == 0)
		append(c->error, 0, sizeof c->error, why);
	return -1;
}

CtArray *
ct_input(CtCase *c, const char *name, const char *dtype)
{
	for (int i = 0; i < c->ninputs; i++)
		if (ct_streq(c->inputs[i].name, name)) {
			if (!ct_streq(c->inputs[i].dtype, dtype)) {
				ct_fail(c, "input has the wrong dtype");
				return nil;
			}
			return &c->inputs[i];
		}
	ct_fail(c, "missing input");
	return nil;
}

CtArray *
ct_output(CtCase *c, const char *dtype, nm_i64 count)
{
	CtArray *a;

	if (c->noutputs == CT_MAX_OUTPUTS) {
		ct_fail(c, "too many outputs");
		return nil;
	}
	a = &c->outputs[c->noutputs];
	nm_memset(a, 0, sizeof *a);
	append(a->dtype, 0, sizeof a->dtype, dtype);
	a->esize = ct_dtype_size(dtype);
	a->ndim = 1;
	a->shape[0] = count;
	a->count = count;
	a->data = nm_alloc((nm_u64)(count * a->esize));
	if (a->data == nil) {
		ct_fail(c, "out of memory");
		return nil;
	}
	c->noutputs++;
	return a;
}

/* The value of parameter `name` in the key's shape segment, copied into buf. */
int
ct_param_str(CtCase *c, const char *name, char *buf, int cap)
{
	const char *p = c->key;
	int n = slen(name);

	while (*p && *p != '/')
		p++;
	if (*p == '/')
		p++;
	while (*p && *p != '/') {
		int j = 0, k = 0;
		while (j < n && p[j] == name[j])
			j++;
		if (j == n && p[j] == '=') {
			p += n + 1;
			while (*p && *p != ',' && *p != '/' && k + 1 < cap)
				buf[k++] = *p++;
			buf[k] = 0;
			return 0;
		}
		while (*p && *p != ',' && *p != '/')
			p++;
		if (*p == ',')
			p++;
	}
	return ct_fail(c, "missing shape parameter");
}

int
ct_param_int(CtCase *c, const char *name, nm_i64 *out)
{
	char buf[32];
	int i = 0, neg = 0;
	nm_i64 v = 0;

	if (ct_param_str(c, name, buf, sizeof buf) < 0)
		return -1;
	if (buf[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (buf[i] == 0)
		return ct_fail(c, "parameter is not an integer");
	for (; buf[i]; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return ct_fail(c, "parameter is not an integer");
		v = v * 10 + (buf[i] - '0');
	}
	*out = neg ? -v : v;
	return 0;
}

/* A plain decimal (digits, optional point, at most 15 significant digits):
 * the integer of its digits divided by a power of ten is one correctly
 * rounded double operation, the value the host's strtod gives; then
 * rounded to float as the host does. */
int
ct_param_float(CtCase *c, const char *name, float *out)
{
	char buf[32];
	double m = 0, scale = 1;
	int i = 0, neg = 0, frac = 0, digits = 0;

	if (ct_param_str(c, name, buf, sizeof buf) < 0)
		return -1;
	if (buf[0] == '-') {
		neg = 1;
		i = 1;
	}
	for (; buf[i]; i++) {
		if (buf[i] == '.' && !frac) {
			frac = 1;
			continue;
		}
		if (buf[i] < '0' || buf[i] > '9' || digits == 15)
			return ct_fail(c, "parameter is not a plain decimal");
		m = m * 10 + (buf[i] - '0');
		digits++;
		if (frac)
			scale *= 10;
	}
	if (digits == 0)
		return ct_fail(c, "parameter is not a number");
	m = m / scale;
	*out = (float)(neg ? -m : m);
	return 0;
}

static int
is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Splits line into at most max words (in place); returns the count. */
static int
words(char *line, char **w, int max)
{
	int n = 0;
	while (*line) {
		while (is_space(*line))
			*line++ = 0;
		if (*line == 0)
			break;
		if (n == max)
			return -1;
		w[n++] = line;
		while (*line && !is_space(*line))
			line++;
	}
	return n;
}

static void
free_case(CtCase *c)
{
	for (int i = 0; i < c->ninputs; i++)
		nm_free(c->inputs[i].data);
	for (int i = 0; i < c->noutputs; i++)
		nm_free(c->outputs[i].data);
}

/*
 * DIR/BUCKET/FILE: a case's files are in the subfolder named by its id
 * without the last two characters ("c0123" -> "c01"), as the harness
 * writes them (vmharness/plan.hpp, case_dir): FAT lookups scan a folder,
 * so no folder holds more than 100 cases.
 */
static int
path_of(char *buf, int cap, const char *dir, const char *id, const char *file)
{
	int n = append(buf, 0, cap, dir), len = slen(id);
	if (n >= 0)
		n = append(buf, n, cap, "/");
	for (int i = 0; n >= 0 && i < (len > 2 ? len - 2 : len); i++) {
		if (n + 1 >= cap)
			return -1;
		buf[n++] = id[i];
		buf[n] = 0;
	}
	if (n >= 0)
		n = append(buf, n, cap, "/");
	if (n >= 0)
		n = append(buf, n, cap, file);
	return n;
}

/* Loads inputs named ID-NAME.npy. */
static int
load_inputs(CtCase *c, char **files, int nfiles, const char *in_dir)
{
	char path[512];

	for (int i = 0; i < nfiles; i++) {
		CtArray *a = &c->inputs[c->ninputs];
		const char *f = files[i];
		int n = slen(c->id), k = 0, len = slen(f);
		nm_i64 bytes;
		nm_u8 *data;

		if (len < n + 6 || f[n] != '-' || !ct_streq(f + len - 4, ".npy"))
			return ct_fail(c, "input file name is not ID-NAME.npy");
		for (int j = n + 1; j < len - 4 && k + 1 < (int)sizeof a->name; j++)
			a->name[k++] = f[j];
		a->name[k] = 0;
		if (path_of(path, sizeof path, in_dir, c->id, f) < 0)
			return ct_fail(c, "input path too long");
		data = ct_read_file(path, &bytes);
		if (data == nil)
			return ct_fail(c, "cannot read input file");
		k = ct_npy_parse(a, data, bytes);
		nm_free(data);
		if (k < 0)
			return ct_fail(c, "malformed input .npy");
		c->ninputs++;
	}
	return 0;
}

static int
write_outputs(CtCase *c, const char *out_dir, int fault)
{
	char file[64], path[512];

	if (fault == FAULT_NOOUTPUT)
		return 0;
	for (int i = 0; i < c->noutputs; i++) {
		nm_i64 len;
		nm_u8 *bytes = ct_npy_encode(&c->outputs[i], &len);
		int n, rc;
		char digit[2];

		if (bytes == nil)
			return ct_fail(c, "out of memory");
		digit[0] = (char)('0' + i);
		digit[1] = 0;
		n = append(file, 0, sizeof file, c->id);
		if (n >= 0)
			n = append(file, n, sizeof file, "-out");
		if (n >= 0)
			n = append(file, n, sizeof file, digit);
		if (n >= 0)
			n = append(file, n, sizeof file, ".npy");
		if (n < 0 || path_of(path, sizeof path, out_dir, c->id, file) < 0) {
			nm_free(bytes);
			return ct_fail(c, "output path too long");
		}
		if (fault == FAULT_TRUNCATE)
			len = len / 2;
		if (fault == FAULT_BADSUM)
			bytes[len - 9] ^= 1;	/* a checksum byte */
		rc = ct_write_file(path, bytes, len);
		nm_free(bytes);
		if (rc < 0)
			return ct_fail(c, "cannot write output file");
	}
	return 0;
}

int
ct_pool(CtCase *c, nm_pool **out)
{
	*out = nil;
	if (threads == 1)
		return 0;
	if (pool == nil)
		pool = nm_pool_create(threads);
	if (pool == nil)
		return ct_fail(c, "cannot start the threads");
	*out = pool;
	return 0;
}

const nm_kernel_table *
ct_table(void)
{
	return table != nil ? table : nm_kernels_scalar();
}

/* ulp:KERNEL: the first element of each float output of that kernel's
 * cases moves one ULP away from zero (a finite one; NaN and inf stay), so
 * a test can check that one ULP in the guest fails that kernel alone. */
static void
perturb(CtCase *c)
{
	for (int i = 0; i < c->noutputs; i++) {
		CtArray *a = &c->outputs[i];
		float *f = a->data;
		if (!ct_streq(a->dtype, "<f4") || a->count == 0 || nm_isnan(f[0]) || nm_isinf(f[0]))
			continue;
		f[0] = nm_f32_from_bits(nm_f32_to_bits(f[0]) + 1);
	}
}

/* The text after `prefix` in s (non-empty), else nil. */
static const char *
after_prefix(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return nil;
	return *s ? s : nil;
}

/* "threads:N" with N in 1..MAX_THREADS (plain digits): N, else -1. */
static int
parse_threads(const char *s)
{
	const char *p = "threads:";
	int n = 0, digits = 0;

	while (*p)
		if (*s++ != *p++)
			return -1;
	for (; *s; s++, digits++) {
		if (*s < '0' || *s > '9' || digits == 2)
			return -1;
		n = n * 10 + (*s - '0');
	}
	return digits == 0 || n < 1 || n > MAX_THREADS ? -1 : n;
}

static int
parse_fault(const char *s)
{
	if (ct_streq(s, "fault:crash"))
		return FAULT_CRASH;
	if (ct_streq(s, "fault:hang"))
		return FAULT_HANG;
	if (ct_streq(s, "fault:truncate"))
		return FAULT_TRUNCATE;
	if (ct_streq(s, "fault:nooutput"))
		return FAULT_NOOUTPUT;
	if (ct_streq(s, "fault:badsum"))
		return FAULT_BADSUM;
	return -1;
}

static void
say(const char *a, const char *b, const char *c)
{
	ct_puts(a);
	ct_puts(b);
	if (c) {
		ct_puts(": ");
		ct_puts(c);
	}
	ct_puts("\n");
}

static int run_list(char **argv, int fault);

/* The pool's workers (processes on Plan 9, which would outlive main) are
 * stopped here, after the list, on every way out of it. */
int
ct_main(int argc, char **argv)
{
	int fault = FAULT_NONE, seen_fault = 0, seen_threads = 0, rc;

	if (argc < 4 || argc > 8) {
		ct_puts("usage: ");
		ct_puts(ct_program);
		ct_puts(" LIST IN_DIR OUT_DIR [fault:crash|hang|truncate|nooutput|badsum] [threads:N]"
		        " [simd:LEVEL] [ulp:KERNEL]\n");
		return 2;
	}
	// fault:KIND, threads:N, simd:LEVEL and ulp:KERNEL, each at most once,
	// in any order.
	for (int i = 4; i < argc; i++) {
		int f = parse_fault(argv[i]), t = parse_threads(argv[i]);
		const char *level = after_prefix(argv[i], "simd:"), *ulp = after_prefix(argv[i], "ulp:");
		if (f >= 0 && !seen_fault) {
			fault = f;
			seen_fault = 1;
		} else if (t >= 0 && !seen_threads) {
			threads = t;
			seen_threads = 1;
		} else if (level != nil && table == nil) {
			table = nm_kernels_by_name(level);
			if (table == nil) {
				say("simd level not available here: ", level, nil);
				return 2;
			}
		} else if (ulp != nil && ulp_kernel[0] == 0 && slen(ulp) < (int)sizeof ulp_kernel) {
			append(ulp_kernel, 0, sizeof ulp_kernel, ulp);
		} else {
			say("unknown or repeated argument ", argv[i], nil);
			return 2;
		}
	}
	rc = run_list(argv, fault);
	nm_pool_free(pool);
	pool = nil;
	return rc;
}

static int
run_list(char **argv, int fault)
{
	nm_u8 *list;
	nm_i64 len;
	char *text, *line, *w[2 + CT_MAX_INPUTS];
	int failed = 0, ran = 0;
	static CtCase c;

	list = ct_read_file(argv[1], &len);
	if (list == nil) {
		say("cannot read list ", argv[1], nil);
		return 2;
	}
	text = nm_alloc((nm_u64)len + 1);
	if (text == nil)
		return 2;
	nm_memcpy(text, list, (nm_u64)len);
	nm_free(list);
	line = text;
	while (*line) {
		char *next = line;
		int n;

		while (*next && *next != '\n')
			next++;
		if (*next)
			*next++ = 0;
		n = words(line, w, 2 + CT_MAX_INPUTS);
		line = next;
		if (n == 0)
			continue;
		if (n < 2) {
			ct_puts("malformed list line\n");
			nm_free(text);
			return 2;
		}
		nm_memset(&c, 0, sizeof c);
		append(c.id, 0, sizeof c.id, w[0]);
		append(c.key, 0, sizeof c.key, w[1]);
		for (int i = 0; w[1][i] && w[1][i] != '/' && i + 1 < (int)sizeof c.kernel; i++)
			c.kernel[i] = w[1][i];
		if (ran == 0 && fault == FAULT_CRASH)
			ct_crash();
		if (ran == 0 && fault == FAULT_HANG)
			ct_hang();
		if (load_inputs(&c, w + 2, n - 2, argv[2]) == 0 && ct_run_case(&c) == 0) {
			if (ct_streq(c.kernel, ulp_kernel))
				perturb(&c);
			write_outputs(&c, argv[3], ran == 0 ? fault : FAULT_NONE);
		}
		if (c.error[0]) {
			failed++;
			say("fail ", c.id, c.error);
		} else
			say("ok ", c.id, nil);
		free_case(&c);
		ran++;
	}
	nm_free(text);
	return failed ? 1 : 0;
}
