/* embedding.c: one row of the token embedding, dequantized when stored
 * quantized (as runq dequantizes its embedding table), widened (exactly)
 * when stored as 16-bit floats. */
#include "model/forward.h"

void
nm_embedding_row(float *out, const nm_tensor *t, int row)
{
	nm_i64 off = (nm_i64)row * t->cols;

	switch (t->type) {
	case NM_T_Q8:
		nm_q8_dequantize(out, t->q + off, t->s + off / t->group_size, t->cols, t->group_size);
		break;
	case NM_T_Q4_0:
		nm_dequant_q4_0(out, t->blocks + off / 32 * 18, t->cols);
		break;
	case NM_T_F16:
		nm_f16_to_f32(out, t->h + off, t->cols);
		break;
	case NM_T_BF16:
		nm_bf16_to_f32(out, t->h + off, t->cols);
		break;
	case NM_T_Q5_0:
	case NM_T_Q5_1:
	case NM_T_Q2_K:
	case NM_T_Q3_K:
	case NM_T_Q4_K:
	case NM_T_Q5_K:
	case NM_T_Q6_K:
		nm_dequant_blocks(t->type - NM_T_Q5_0, out,
		                  t->blocks + off / nm_block_elems(t->type - NM_T_Q5_0) *
		                                  nm_block_bytes(t->type - NM_T_Q5_0),
		                  t->cols);
		break;
	default:
		nm_memcpy(out, t->f + off, (nm_u64)t->cols * sizeof(float));
		break;
	}
}
