// Forward error bounds (docs/TOLERANCES.md, from NUMERICS.md): every tolerance
// in the suite is composed from these, never a free epsilon.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace nineml::conformance::bounds {

constexpr double kU = 0x1p-24;         // float32 unit roundoff
constexpr double kEta = 0x1p-150;      // absolute error of one rounding in the subnormal range
constexpr double kSubUlp = 0x1p-149;   // one subnormal ULP (libm results below the normal range)
// Budget for float libm functions (expf, powf, sinf, cosf) in ULPs: glibc
// documents < 1 ULP for each on x86_64; Plan 9's double functions rounded to
// float are within 0.5 ULP + a double rounding. One ULP is <= 2u relative.
constexpr double kLibmUlps = 1.0;
constexpr double kLibmRel = kLibmUlps * 2 * kU;

// gamma(n) = n u / (1 - n u); infinity once n u >= 1.
double gamma(int64_t n);
// Relative errors compose as (1+a)(1+b) - 1.
double compose(double a, double b);
double compose(std::initializer_list<double> rels);

// Bounds on |computed softmax - exact softmax| when the float kernel runs on
// inputs x_i + d_i with |d_i| <= abs_err[i] (empty: exact inputs).
// `x` are the exact inputs, `p` the exact softmax of x.
std::vector<double> softmax(std::span<const double> x, std::span<const double> p,
                            std::span<const double> abs_err);

}  // namespace nineml::conformance::bounds
