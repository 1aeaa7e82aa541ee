// Neumaier (improved Kahan) summation in float64: the running error term keeps
// the result within about one double rounding of the true sum, far below
// float32 resolution, whatever the order or cancellation of the terms.
#pragma once

#include <cmath>

namespace nineml::ref::internal {

class NeumaierSum {
 public:
  void add(double v) {
    double t = s_ + v;
    // The smaller operand's lost low bits go to the compensation term.
    if (std::fabs(s_) >= std::fabs(v))
      c_ += (s_ - t) + v;
    else
      c_ += (v - t) + s_;
    s_ = t;
  }
  // Once the sum overflows or meets inf/NaN the compensation is meaningless
  // (inf - inf); the plain sum then carries the IEEE result.
  double value() const { return std::isfinite(s_) ? s_ + c_ : s_; }

 private:
  double s_ = 0.0;
  double c_ = 0.0;
};

}  // namespace nineml::ref::internal
