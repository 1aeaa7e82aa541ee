// The fast approximations bare-metal and hand-written ports use for exp,
// 1/sqrt and SiLU, as plain float functions, so that the audit
// (docs/ACCURACY.md) measures them and the conformance suite runs them as
// named implementations (approx_kernels.hpp). Audit code, not engine code:
// the engine never calls these.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace nineml::approx {

inline float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline uint32_t to_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// Schraudolph (1999): the float's bits are a*x + b as an integer, a = 2^23/ln 2
// putting x/ln 2 into the exponent field and its fraction linearly into the
// mantissa; b = 127*2^23 minus 366393, the shift that balances the
// piecewise-linear mantissa's relative error over an octave. Below the
// smallest normal exponent the integer would go negative: 0 there, as ports
// clamp; above 88.7 the exponent overflows: +inf.
inline float exp_schraudolph(float x) {
  if (x < -87.33654f) return 0.0f;
  if (x > 88.72283f) return INFINITY;
  const float a = 12102203.0f;
  const int32_t b = 1065353216 - 366393;
  return from_bits(static_cast<uint32_t>(static_cast<int32_t>(a * x) + b));
}

// Range reduction x = n ln2 + r, |r| <= ln2/2 (ln 2 split in two so n*hi is
// exact), then a Taylor polynomial of degree Deg in r by Horner in float,
// scaled by 2^n built from bits (twice, so n down to -149 reaches the
// subnormals instead of flushing).
template <int Deg>
inline float exp_poly(float x) {
  if (x != x) return x;
  if (x > 88.72283f) return INFINITY;
  if (x < -103.97208f) return 0.0f;
  const float n = std::nearbyint(x * 1.44269504f);
  const float r = (x - n * 0.693145752f) - n * 1.42860677e-6f;
  float p = 1.0f / 720.0f;
  if (Deg == 5) p = 1.0f / 120.0f;
  else p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  int e = static_cast<int>(n);
  if (e > 127) return p * from_bits(254u << 23) * from_bits(static_cast<uint32_t>(e - 127 + 127) << 23);
  if (e < -126) return p * from_bits(1u << 23) * from_bits(static_cast<uint32_t>(e + 126 + 127) << 23);
  return p * from_bits(static_cast<uint32_t>(e + 127) << 23);
}

// The 0x5f3759df bit trick: halving the exponent field by a shift and
// subtracting from the magic constant gives 1/sqrt to about 3.4%; each
// Newton step y(1.5 - 0.5 x y^2) squares the relative error.
template <int Steps>
inline float rsqrt_fast(float x) {
  float y = from_bits(0x5f3759dfu - (to_bits(x) >> 1));
  const float h = 0.5f * x;
  for (int i = 0; i < Steps; i++) y = y * (1.5f - h * y * y);
  return y;
}

// silu through the identity sigmoid(v) = (1 + tanh(v/2)) / 2 with libm's
// tanhf: accurate for v > 0, but 1 + tanh cancels for v << 0, where the
// sigmoid falls below tanh's ULP at -1 and comes out 0 or coarse.
inline float silu_tanh(float v) { return 0.5f * v * (1.0f + std::tanh(0.5f * v)); }

// silu with tanh replaced by its [3/2] Pade approximant y(27 + y^2)/(27 + 9y^2),
// clamped to +-1 beyond |y| = 3 where the approximant reaches 1.
inline float silu_rational(float v) {
  const float y = 0.5f * v;
  float t;
  if (y >= 3.0f) t = 1.0f;
  else if (y <= -3.0f) t = -1.0f;
  else {
    const float y2 = y * y;
    t = y * (27.0f + y2) / (27.0f + 9.0f * y2);
  }
  return 0.5f * v * (1.0f + t);
}

// silu as the engine computes it, v / (1 + e^-v), with exp replaced.
template <float (*Exp)(float)>
inline float silu_with(float v) {
  return v * (1.0f / (1.0f + Exp(-v)));
}

}  // namespace nineml::approx
