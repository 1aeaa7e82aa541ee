/*
 * fbits.h: float <-> bit-pattern helpers shared by the kernels.
 * Bit manipulation keeps special values exact without libm or NaN compares.
 */
#ifndef NINEML_FBITS_H
#define NINEML_FBITS_H

#include "port/port.h"

float nm_f32_from_bits(nm_u32 bits);
nm_u32 nm_f32_to_bits(float x);
/* |x| by clearing the sign bit: exact for -0, inf and NaN. */
float nm_fabsf(float x);
/* The quiet NaN 0x7fc00000 that kernels write when they poison a result. */
float nm_quiet_nan(void);

#endif
