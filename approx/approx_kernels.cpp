#include "approx_kernels.hpp"

#include <cmath>

#include "approx_math.hpp"

namespace nineml::approx {
namespace {

using Unary = float (*)(float);

// nm_softmax (engine/kernels/softmax.c) with Exp for expf: the same special
// values (NaN or +inf anywhere, or all -inf: all NaN; -inf entries give 0)
// and the same operation order, so only the exponential differs.
template <Unary Exp>
void softmax(float* x, int n) {
  if (n <= 0) return;
  bool bad = false;
  float max_val = x[0];
  for (int i = 0; i < n; i++) bad |= std::isnan(x[i]) || (std::isinf(x[i]) && x[i] > 0);
  if (!bad) {
    for (int i = 1; i < n; i++)
      if (x[i] > max_val) max_val = x[i];
    bad = std::isinf(max_val);
  }
  if (bad) {
    for (int i = 0; i < n; i++) x[i] = NAN;
    return;
  }
  float sum = 0.0f;
  for (int i = 0; i < n; i++) {
    x[i] = std::isinf(x[i]) ? 0.0f : Exp(x[i] - max_val);
    sum += x[i];
  }
  for (int i = 0; i < n; i++) x[i] /= sum;
}

// nm_rmsnorm with Rsqrt for 1/sqrtf.
template <Unary Rsqrt>
void rmsnorm(float* out, const float* x, const float* w, int n, float eps) {
  float ss = 0.0f;
  for (int j = 0; j < n; j++) ss += x[j] * x[j];
  ss /= n;
  ss += eps;
  ss = Rsqrt(ss);
  for (int j = 0; j < n; j++) out[j] = w[j] * (ss * x[j]);
}

template <Unary Silu>
void silu(float* x, int n) {
  for (int i = 0; i < n; i++) x[i] = Silu(x[i]);
}

// nm_swiglu with Silu for v * sigmoid(v); the product with hb2 last, as there.
template <Unary Silu>
void swiglu(float* hb, const float* hb2, int n) {
  for (int i = 0; i < n; i++) hb[i] = Silu(hb[i]) * hb2[i];
}

template <Unary Exp>
void exp_n(float* x, int n) {
  for (int i = 0; i < n; i++) x[i] = Exp(x[i]);
}

// A table for an exp approximation: softmax, swiglu and the exp entry.
template <Unary Exp>
const nm_kernel_table* exp_table() {
  static const nm_kernel_table t = [] {
    nm_kernel_table c = *nm_kernels_scalar();
    c.softmax = softmax<Exp>;
    c.swiglu = swiglu<silu_with<Exp>>;
    c.exp = exp_n<Exp>;
    return c;
  }();
  return &t;
}

template <Unary Rsqrt>
const nm_kernel_table* rsqrt_table() {
  static const nm_kernel_table t = [] {
    nm_kernel_table c = *nm_kernels_scalar();
    c.rmsnorm = rmsnorm<Rsqrt>;
    return c;
  }();
  return &t;
}

template <Unary Silu>
const nm_kernel_table* silu_table() {
  static const nm_kernel_table t = [] {
    nm_kernel_table c = *nm_kernels_scalar();
    c.swiglu = swiglu<Silu>;
    return c;
  }();
  return &t;
}

}  // namespace

const std::vector<ApproxImpl>& approx_impls() {
  static const std::vector<std::string> exp_kernels = {"softmax", "silu", "swiglu"};
  static const std::vector<ApproxImpl> all = {
      {"approx-exp-schraudolph", "exp", exp_kernels, exp_table<exp_schraudolph>(),
       silu<silu_with<exp_schraudolph>>},
      {"approx-exp-poly5", "exp", exp_kernels, exp_table<exp_poly<5>>(), silu<silu_with<exp_poly<5>>>},
      {"approx-exp-poly6", "exp", exp_kernels, exp_table<exp_poly<6>>(), silu<silu_with<exp_poly<6>>>},
      {"approx-rsqrt-0nr", "rsqrt", {"rmsnorm"}, rsqrt_table<rsqrt_fast<0>>(), nm_silu},
      {"approx-rsqrt-1nr", "rsqrt", {"rmsnorm"}, rsqrt_table<rsqrt_fast<1>>(), nm_silu},
      {"approx-rsqrt-2nr", "rsqrt", {"rmsnorm"}, rsqrt_table<rsqrt_fast<2>>(), nm_silu},
      {"approx-silu-tanh", "silu", {"silu", "swiglu"}, silu_table<silu_tanh>(), silu<silu_tanh>},
      {"approx-silu-rational", "silu", {"silu", "swiglu"}, silu_table<silu_rational>(), silu<silu_rational>},
  };
  return all;
}

const ApproxImpl* find_approx(const std::string& name) {
  for (const auto& a : approx_impls())
    if (a.name == name) return &a;
  return nullptr;
}

}  // namespace nineml::approx
