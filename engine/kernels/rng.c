/* rng.c: llama2.c's xorshift* generator. */
#include "kernels.h"

nm_u32
nm_random_u32(nm_u64 *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return (nm_u32)((*state * 0x2545F4914F6CDD1DULL) >> 32);
}

float
nm_random_f32(nm_u64 *state)
{
	// 24 random bits, so the quotient is exact and in [0, 1).
	return (nm_random_u32(state) >> 8) / 16777216.0f;
}
