/* ct_gguf: GGUF block dequantization, 16-bit float conversion and the
 * Q4_0 product.
 *	dequant_q8_0, dequant_q4_0 (blocks: u8[]): out0 = f32[blocks*32]
 *	f16_to_f32, bf16_to_f32 (x: u16[n]): out0 = f32[n]
 *	dequant_q5_0 ... dequant_q6_k (blocks: u8[]): the other block types
 *	matmul_q4_0, matmul_q5_0 ... matmul_q6_k (x: f32[n], w: blocks of d
 *	rows): x quantized with group 32, ties away (runq); out0 = f32[d],
 *	through simd:LEVEL's table on threads:N workers */
#include "ct.h"
#include "kernels.h"
#include "parallel.h"

const char *ct_program = "ct_gguf";

/* Kernel names of the NM_BLK_* types, in their order. */
static char *matmul_names[NM_BLK_COUNT] = {
	"matmul_q5_0", "matmul_q5_1", "matmul_q2_k", "matmul_q3_k", "matmul_q4_k", "matmul_q5_k", "matmul_q6_k"};
static char *dequant_names[NM_BLK_COUNT] = {
	"dequant_q5_0", "dequant_q5_1", "dequant_q2_k", "dequant_q3_k", "dequant_q4_k", "dequant_q5_k", "dequant_q6_k"};

/* The NM_BLK_* type whose name in names is kernel, or -1. */
static int
block_type(char *kernel, char **names)
{
	int i;

	for (i = 0; i < NM_BLK_COUNT; i++)
		if (ct_streq(kernel, names[i]))
			return i;
	return -1;
}

static int
typed_blocks(CtCase *c, int blk)
{
	CtArray *b, *o;
	nm_i64 nb, elems;

	b = ct_input(c, "blocks", "|u1");
	if (b == nil || ct_param_int(c, "blocks", &nb) < 0)
		return -1;
	if (b->count != nb * nm_block_bytes(blk))
		return ct_fail(c, "block bytes do not match the block count");
	elems = nb * nm_block_elems(blk);
	o = ct_output(c, "<f4", elems);
	if (o == nil)
		return -1;
	nm_dequant_blocks(blk, o->data, b->data, (int)elems);
	return 0;
}

static int
blocks(CtCase *c, int q8)
{
	CtArray *b, *o;
	nm_i64 nb;

	b = ct_input(c, "blocks", "|u1");
	if (b == nil || ct_param_int(c, "blocks", &nb) < 0)
		return -1;
	if (b->count != nb * (q8 ? 34 : 18))
		return ct_fail(c, "block bytes do not match the block count");
	o = ct_output(c, "<f4", nb * 32);
	if (o == nil)
		return -1;
	if (q8)
		nm_dequant_q8_0(o->data, b->data, (int)(nb * 32));
	else
		nm_dequant_q4_0(o->data, b->data, (int)(nb * 32));
	return 0;
}

static int
half(CtCase *c, int bf16)
{
	CtArray *x, *o;

	x = ct_input(c, "x", "<u2");
	if (x == nil)
		return -1;
	o = ct_output(c, "<f4", x->count);
	if (o == nil)
		return -1;
	if (bf16)
		nm_bf16_to_f32(o->data, x->data, (int)x->count);
	else
		nm_f16_to_f32(o->data, x->data, (int)x->count);
	return 0;
}

/* blk: an NM_BLK_* type, or -1 for Q4_0. */
static int
matmul_blocks(CtCase *c, int blk)
{
	CtArray *x, *w, *o;
	nm_i64 n, d, elems, bytes;
	nm_i8 *xq;
	float *xs;
	nm_pool *pool;

	x = ct_input(c, "x", "<f4");
	w = ct_input(c, "w", "|u1");
	if (x == nil || w == nil || ct_param_int(c, "n", &n) < 0 || ct_param_int(c, "d", &d) < 0)
		return -1;
	elems = blk < 0 ? 32 : nm_block_elems(blk);
	bytes = blk < 0 ? 18 : nm_block_bytes(blk);
	if (n % elems != 0 || x->count != n || w->count != d * (n / elems) * bytes)
		return ct_fail(c, "input sizes do not match d and n");
	o = ct_output(c, "<f4", d);
	if (o == nil || ct_pool(c, &pool) < 0)
		return -1;
	xq = nm_alloc((nm_u64)n);
	xs = nm_alloc((nm_u64)(n / 32 * 4));
	if (xq == nil || xs == nil) {
		ct_fail(c, "out of memory");
	} else {
		ct_table()->q8_quantize(xq, xs, x->data, (int)n, 32, NM_ROUND_AWAY);
		if (blk < 0)
			nm_par_matmul_q4_0(ct_table(), pool, o->data, xq, xs, w->data, (int)n, (int)d);
		else
			nm_par_matmul_blocks(ct_table(), pool, blk, o->data, xq, xs, w->data, (int)n, (int)d);
	}
	nm_free(xq);
	nm_free(xs);
	return c->error[0] ? -1 : 0;
}

int
ct_run_case(CtCase *c)
{
	int blk;

	if (ct_streq(c->kernel, "matmul_q4_0"))
		return matmul_blocks(c, -1);
	if ((blk = block_type(c->kernel, matmul_names)) >= 0)
		return matmul_blocks(c, blk);
	if ((blk = block_type(c->kernel, dequant_names)) >= 0)
		return typed_blocks(c, blk);
	if (ct_streq(c->kernel, "dequant_q8_0"))
		return blocks(c, 1);
	if (ct_streq(c->kernel, "dequant_q4_0"))
		return blocks(c, 0);
	if (ct_streq(c->kernel, "f16_to_f32"))
		return half(c, 0);
	if (ct_streq(c->kernel, "bf16_to_f32"))
		return half(c, 1);
	return ct_fail(c, "not a kernel of this program");
}
