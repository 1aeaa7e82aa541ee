/*
 * export.c: llama2.c's export for Plan 9, on the engine sources `9ml info`
 * and `9ml quantize --to v2` use:
 *   export info MODEL                 format, architecture, hyper-parameters,
 *                                     parameter count, bytes, tensor table
 *   export quantize IN OUT [-g G]     IN (any format the engine loads) to
 *                                     llama2.c v2 (runq's Q8, group G; default
 *                                     64 halved until it divides the rows);
 *                                     OUT is written atomically (port.h
 *                                     nm_out) and may not be IN
 * Errors print one line; bad arguments exit with "usage".
 */
#include "port/port.h"
#include "formats/formats.h"
#include "formats/text.h"

enum { ERRLEN = 512 };

static void
usage(char *msg)
{
	fprint(2, "export: %s\n", msg);
	fprint(2, "usage: export info MODEL | export quantize IN OUT [-g GROUPSIZE]\n");
	exits("usage");
}

static void
fail(char *msg)
{
	fprint(2, "export: %s\n", msg);
	exits("error");
}

/* v in decimal (no print verb for 64-bit integers is the same in Plan 9's
 * print and C's printf, and the host tests build this file too). */
static char *
u64(char *buf, int cap, nm_u64 v)
{
	nm_text t;

	nm_text_init(&t, buf, cap);
	nm_text_u64(&t, v);
	return buf;
}

static void
info(char *path)
{
	char err[ERRLEN], shape[64], num[32];
	nm_model m;
	nm_file_info fi;
	nm_config *c;
	nm_u64 params = 0, bytes = 0;

	if (nm_model_load(&m, path, err, sizeof err) != 0)
		fail(err);
	if (nm_file_info_load(&fi, path, err, sizeof err) != 0)
		fail(err);
	c = &m.cfg;
	for (int i = 0; i < fi.n_tensors; i++) {
		nm_u64 n = 1;
		for (int d = 0; d < fi.tensors[i].n_dims; d++)
			n *= fi.tensors[i].shape[d];
		// llama2.c v0's legacy RoPE tables are not parameters
		if (!(fi.tensors[i].name[0] == 'f' && fi.tensors[i].name[1] == 'r' && fi.tensors[i].name[2] == 'e'))
			params += n;
		bytes += fi.tensors[i].nbytes;
	}
	print("%-18s %s\n", "file", path);
	print("%-18s %s\n", "format", m.format);
	print("%-18s %s\n", "architecture", c->arch);
	print("%-18s %d\n", "dim", c->dim);
	print("%-18s %d\n", "hidden_dim", c->hidden_dim);
	print("%-18s %d\n", "n_layers", c->n_layers);
	print("%-18s %d\n", "n_heads", c->n_heads);
	print("%-18s %d\n", "n_kv_heads", c->n_kv_heads);
	print("%-18s %d\n", "head_size", c->dim / c->n_heads);
	print("%-18s %d\n", "vocab_size", c->vocab_size);
	print("%-18s %d\n", "seq_len", c->seq_len);
	print("%-18s %g\n", "rope_theta", (double)c->rope_theta);
	print("%-18s %g\n", "norm_eps", (double)c->norm_eps);
	print("%-18s %d\n", "sliding_window", c->sliding_window);
	print("%-18s %s\n", "shared_classifier", c->shared_classifier ? "true" : "false");
	print("%-18s %d\n", "embedded_vocab", m.vocab_n);
	print("%-18s %s\n", "parameters", u64(num, sizeof num, params));
	print("%-18s %s\n", "tensor_bytes", u64(num, sizeof num, bytes));
	if (c->rope_scaling.factor != 0.0f)
		print("%-18s factor %g low_freq_factor %g high_freq_factor %g original_max_position %d\n",
		      "rope_scaling", (double)c->rope_scaling.factor, (double)c->rope_scaling.low_freq_factor,
		      (double)c->rope_scaling.high_freq_factor, c->rope_scaling.original_max_position);
	print("\n%-44s %-8s %-16s %12s %10s\n", "tensor", "type", "shape", "offset", "bytes");
	for (int i = 0; i < fi.n_tensors; i++) {
		nm_tensor_info *t = &fi.tensors[i];
		nm_text s;
		nm_text_init(&s, shape, sizeof shape);
		for (int d = 0; d < t->n_dims; d++) {
			if (d > 0)
				nm_text_str(&s, "x");
			nm_text_u64(&s, t->shape[d]);
		}
		print("%-44s %-8s %-16s %12s ", t->name, nm_dtype_name(t->dtype), shape, u64(num, sizeof num, t->offset));
		print("%10s\n", u64(num, sizeof num, t->nbytes));
	}
	nm_file_info_free(&fi);
	nm_model_free(&m);
}

static void
quantize(char *in, char *out, int group)
{
	char err[ERRLEN];
	nm_model m;

	if (nm_model_load(&m, in, err, sizeof err) != 0)
		fail(err);
	if (nm_write_v2(&m, out, group, err, sizeof err) != 0)
		fail(err);
	print("%s (%s, %s) -> %s (v2)\n", in, m.format, m.cfg.arch, out);
	nm_model_free(&m);
}

void
main(int argc, char **argv)
{
	int group = 0;

	nm_fp_ieee_mode();
	if (argc < 2)
		usage("missing command");
	if (strcmp(argv[1], "info") == 0) {
		if (argc != 3)
			usage("info takes one MODEL");
		info(argv[2]);
		exits(nil);
	}
	if (strcmp(argv[1], "quantize") == 0) {
		if (argc != 4 && !(argc == 6 && strcmp(argv[4], "-g") == 0))
			usage("quantize takes IN OUT [-g GROUPSIZE]");
		if (argc == 6) {
			group = atoi(argv[5]);
			if (group < 1)
				usage("-g: the group size must be a positive integer");
		}
		// OUT replaces the file only when complete, but IN as OUT is a slip
		if (nm_same_file(argv[2], argv[3])) {
			fprint(2, "export: OUT %s is the input file\n", argv[3]);
			exits("usage");
		}
		quantize(argv[2], argv[3], group);
		exits(nil);
	}
	usage("unknown command");
}
