/* ct_gguf: GGUF block dequantization and 16-bit float conversion.
 *	dequant_q8_0, dequant_q4_0 (blocks: u8[]): out0 = f32[blocks*32]
 *	f16_to_f32, bf16_to_f32 (x: u16[n]): out0 = f32[n] */
#include "ct.h"
#include "kernels.h"

const char *ct_program = "ct_gguf";

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

int
ct_run_case(CtCase *c)
{
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
