// Q8_0 facts shared by the quantized kernels' cases and bounds.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>

#include "bounds.hpp"

namespace nineml::conformance::kern {

// llama2.c's exporter: group size 64, halved until it divides the length.
inline int64_t exporter_group_size(int64_t n) {
  int64_t gs = 64;
  while (gs > 1 && n % gs != 0) gs /= 2;
  return gs;
}

// Bound on |q*s' - x| for one element quantized with exact group scale s
// (= max|x|/127): s' = fl(s) is within u*s + eta, the quotient x/s' is
// rounded once (u|x| after scaling back, eta*s' below the normal range),
// and round() moves it by at most half a step. A scale in the subnormal
// range loses its relative precision: there only |x| + 127 s' holds.
inline double q8_element_bound(double x, double s) {
  using namespace bounds;
  double s_hi = s * (1 + kU) + kEta;
  if (s < 0x1p-126) return std::fabs(x) + 127 * s_hi;
  return s_hi / 2 + kU * std::fabs(x) + s_hi * kEta;
}

}  // namespace nineml::conformance::kern
