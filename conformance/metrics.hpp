// Error metrics between an implementation's float32 output and the exact value.
#pragma once

#include <cstdint>
#include <span>

namespace nineml::conformance {

// Position of a float on the ordered-integer line (-0 and +0 both map to 0),
// so adjacent floats differ by 1.
int64_t ordered_int(float f);
// ULP distance of two floats: 0 when both are NaN, infinity when one is.
double ulp_distance(float a, float b);

struct Metrics {
  double max_abs = 0, max_rel = 0, max_ulp = 0, nmse = 0, cosine = 1;
};

// Over the elements whose expected value is finite; ULPs compare got with the
// expected value rounded to float32. An element whose expected value is
// NaN or inf and whose output is not the same (NaN for NaN, the same
// infinity) makes max_abs, max_rel, max_ulp and nmse infinite and cosine 0:
// the summary never looks perfect beside a failed non-finite element.
Metrics compute_metrics(std::span<const double> expected, std::span<const double> got);

}  // namespace nineml::conformance
