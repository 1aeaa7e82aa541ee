// float32 -> IEEE binary16, rounding to nearest even (the store of a Q4_0
// block scale). Written from the bit layouts, so no compiler _Float16 needed.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

namespace nineml::ref::internal {

inline uint16_t float_to_half(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  uint32_t a = x & 0x7fffffffu;
  if (a > 0x7f800000u) return sign | 0x7e00u;   // NaN: a quiet half NaN
  if (a >= 0x477ff000u) return sign | 0x7c00u;  // |f| >= 65520 rounds to inf
  if (a < 0x38800000u) {
    // Below 2^-14: a half subnormal (or zero) in units of 2^-24. Scaling by a
    // power of two is exact; nearbyint rounds ties to even (default mode).
    const float units = std::bit_cast<float>(a) * 0x1p24f;
    return sign | static_cast<uint16_t>(std::nearbyint(units));
  }
  // Normal: rebias the exponent (127 -> 15) and round 23 mantissa bits to 10,
  // ties to even; a carry moves into the exponent as it should.
  a -= 112u << 23;
  a += 0xfffu + ((a >> 13) & 1u);
  return sign | static_cast<uint16_t>(a >> 13);
}

}  // namespace nineml::ref::internal
