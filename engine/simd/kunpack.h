/*
 * kunpack.h: the chunk of 256 elements (8 groups) at element e of a row,
 * unpacked by the level's own unpacker for the type; shared by kblock.h
 * (avx2, avx512) and kblock128.h (sse2), which define LEVEL(kchunk) and
 * the four unpackers before including it.
 */
static inline __attribute__((always_inline)) void
LEVEL(kunpack)(int blk, LEVEL(kchunk) *c, const nm_u8 *row, int e, int n)
{
	switch (blk) {
	case NM_BLK_Q5_0:
	case NM_BLK_Q5_1:
		LEVEL(q5_unpack)(c, row + (nm_i64)(e / 32) * nm_block_bytes(blk), (n - e) / 32 < 8 ? (n - e) / 32 : 8,
		                 blk == NM_BLK_Q5_1);
		break;
	case NM_BLK_Q2_K:
	case NM_BLK_Q3_K:
		LEVEL(k23_unpack)(c, row + (nm_i64)(e / 256) * nm_block_bytes(blk), blk == NM_BLK_Q3_K);
		break;
	case NM_BLK_Q4_K:
	case NM_BLK_Q5_K:
		LEVEL(k45_unpack)(c, row + (nm_i64)(e / 256) * nm_block_bytes(blk), blk == NM_BLK_Q5_K);
		break;
	default:
		LEVEL(q6_k_unpack)(c, row + (nm_i64)(e / 256) * nm_block_bytes(blk));
		break;
	}
}
