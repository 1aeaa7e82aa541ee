/* fbits.c: float bit patterns through a union (defined in C, and 6c has it). */
#include "port/port.h"
#include "kernels/fbits.h"

typedef union {
	nm_u32 u;
	float f;
} nm_f32_bits;

float
nm_f32_from_bits(nm_u32 bits)
{
	nm_f32_bits b;

	b.u = bits;
	return b.f;
}

nm_u32
nm_f32_to_bits(float x)
{
	nm_f32_bits b;

	b.f = x;
	return b.u;
}

float
nm_fabsf(float x)
{
	return nm_f32_from_bits(nm_f32_to_bits(x) & 0x7fffffffU);
}

float
nm_quiet_nan(void)
{
	return nm_f32_from_bits(0x7fc00000U);
}
