#include "bounds.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace nineml::conformance::bounds {

double gamma(int64_t n) {
  double nu = static_cast<double>(n) * kU;
  if (nu >= 1) return std::numeric_limits<double>::infinity();
  return nu / (1 - nu);
}

double compose(double a, double b) { return a + b + a * b; }

double compose(std::initializer_list<double> rels) {
  double r = 0;
  for (double x : rels) r = compose(r, x);
  return r;
}

// Softmax as the kernel computes it: m = max, e_i = expf(x_i - m), S = sum e
// (float, any order), p_i = e_i / S.
//  * input perturbation: p changes by a factor within exp(+-(d_i + d_max)).
//  * x_i - m is rounded once: the argument of exp is off by |x_i - m| u, a
//    relative error expm1(|x_i - m| u) in e_i, then libm adds kLibmRel and
//    results below the normal range an absolute kSubUlp.
//  * S: gamma(n-1) from the additions plus the largest e_i error; S >= 1
//    because the maximum contributes expf(0) = 1 exactly.
//  * the division adds u, and kSubUlp absolute for subnormal quotients.
std::vector<double> softmax(std::span<const double> x, std::span<const double> p,
                            std::span<const double> abs_err) {
  const size_t n = x.size();
  std::vector<double> bound(n, 0.0);
  double m = -std::numeric_limits<double>::infinity();
  for (double v : x) m = std::max(m, v);
  double d_max = 0;
  for (double d : abs_err) d_max = std::max(d_max, d);
  std::vector<double> rel_e(n, 0.0);
  double r_max = 0;
  for (size_t i = 0; i < n; i++) {
    if (std::isinf(x[i])) continue;  // masked entry: exactly 0 in both
    double d = abs_err.empty() ? 0 : abs_err[i];
    double arg = std::fabs(x[i] - m) + d + d_max;
    rel_e[i] = compose(std::expm1(arg * kU), kLibmRel);
    r_max = std::max(r_max, rel_e[i]);
  }
  double theta_s = compose(gamma(static_cast<int64_t>(n) - 1), r_max) +
                   static_cast<double>(n) * kSubUlp;
  for (size_t i = 0; i < n; i++) {
    if (std::isinf(x[i])) continue;
    double d = abs_err.empty() ? 0 : abs_err[i];
    double rel_in = std::expm1(d + d_max);
    double rel_comp = theta_s >= 1 ? std::numeric_limits<double>::infinity()
                                   : (1 + rel_e[i]) * (1 + kU) / (1 - theta_s) - 1;
    bound[i] = p[i] * compose(rel_in, rel_comp) + 2 * kSubUlp;
  }
  return bound;
}

}  // namespace nineml::conformance::bounds
