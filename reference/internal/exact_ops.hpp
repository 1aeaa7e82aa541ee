// The exact-mode kernels, written once for float32 or float64 inputs: the
// public exact:: functions instantiate them with float (kernel conformance),
// the exact Transformer with double (its whole state is float64).
// Everything is computed in float64; every sum is a Neumaier sum.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <vector>

#include "internal/compensated.hpp"

namespace nineml::ref::internal {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

template <class T>
std::vector<double> exact_rmsnorm(std::span<const T> x, std::span<const float> w, double eps) {
  NeumaierSum ss;
  for (T v : x) ss.add(double(v) * double(v));
  const double scale = 1.0 / std::sqrt(ss.value() / double(x.size()) + eps);
  std::vector<double> out(x.size());
  for (std::size_t j = 0; j < x.size(); j++) out[j] = double(w[j]) * (scale * double(x[j]));
  return out;
}

// Same special values as llama2c mode: NaN or +inf anywhere, or nothing but
// -inf, gives all NaN; -inf entries (masks) give exactly 0.
template <class T>
std::vector<double> exact_softmax(std::span<const T> x) {
  std::vector<double> out(x.size());
  bool poisoned = false, any_finite = false;
  double maxv = -kInf;
  for (T v : x) {
    const double d = v;
    if (std::isnan(d) || d == kInf) {
      poisoned = true;
    } else if (d != -kInf) {
      any_finite = true;
      maxv = std::max(maxv, d);
    }
  }
  if (poisoned || !any_finite) {
    std::fill(out.begin(), out.end(), kNaN);
    return out;
  }
  NeumaierSum sum;
  for (std::size_t i = 0; i < x.size(); i++) {
    out[i] = double(x[i]) == -kInf ? 0.0 : std::exp(double(x[i]) - maxv);
    sum.add(out[i]);
  }
  const double total = sum.value();
  for (double& v : out) v /= total;
  return out;
}

// out[i] = sum_j w[i*n + j] * x[j]; float*float products are exact in double.
template <class T>
std::vector<double> exact_matmul(std::span<const T> x, std::span<const float> w, int n, int d) {
  std::vector<double> out(static_cast<std::size_t>(d));
  for (int i = 0; i < d; i++) {
    NeumaierSum acc;
    const float* row = w.data() + static_cast<std::size_t>(i) * static_cast<std::size_t>(n);
    for (int j = 0; j < n; j++) acc.add(double(row[j]) * double(x[j]));
    out[i] = acc.value();
  }
  return out;
}

// Pairwise RoPE; the angle is pos / theta^(head_dim/head_size) in double.
template <class T>
std::vector<double> exact_rope(std::span<const T> vec, int head_size, int pos, double theta) {
  std::vector<double> out(vec.size());
  for (std::size_t i = 0; i + 1 < vec.size(); i += 2) {
    const int head_dim = static_cast<int>(i % static_cast<std::size_t>(head_size));
    const double freq = 1.0 / std::pow(theta, double(head_dim) / double(head_size));
    const double angle = double(pos) * freq;
    const double fcr = std::cos(angle), fci = std::sin(angle);
    const double v0 = vec[i], v1 = vec[i + 1];
    out[i] = v0 * fcr - v1 * fci;
    out[i + 1] = v0 * fci + v1 * fcr;
  }
  return out;
}

// One query position against cache rows 0..pos (kv_dim floats each).
template <class T>
std::vector<double> exact_attention(std::span<const T> q, std::span<const T> k_cache,
                                    std::span<const T> v_cache, int n_heads, int n_kv_heads,
                                    int head_size, int pos, int window) {
  const std::size_t hs = static_cast<std::size_t>(head_size);
  const std::size_t kv_dim = static_cast<std::size_t>(n_kv_heads) * hs;
  const int kv_mul = n_heads / n_kv_heads;
  const int start = window > 0 ? std::max(0, pos - window + 1) : 0;
  const double root = std::sqrt(double(head_size));
  std::vector<double> out(static_cast<std::size_t>(n_heads) * hs);
  std::vector<double> scores(static_cast<std::size_t>(pos - start + 1));
  for (int h = 0; h < n_heads; h++) {
    const T* qh = q.data() + static_cast<std::size_t>(h) * hs;
    const std::size_t kv_off = static_cast<std::size_t>(h / kv_mul) * hs;
    for (int t = start; t <= pos; t++) {
      const T* kt = k_cache.data() + static_cast<std::size_t>(t) * kv_dim + kv_off;
      NeumaierSum dot;
      for (std::size_t i = 0; i < hs; i++) dot.add(double(qh[i]) * double(kt[i]));
      scores[static_cast<std::size_t>(t - start)] = dot.value() / root;
    }
    const std::vector<double> att = exact_softmax<double>(scores);
    for (std::size_t i = 0; i < hs; i++) {
      NeumaierSum acc;
      for (int t = start; t <= pos; t++)
        acc.add(att[static_cast<std::size_t>(t - start)] *
                double(v_cache[static_cast<std::size_t>(t) * kv_dim + kv_off + i]));
      out[static_cast<std::size_t>(h) * hs + i] = acc.value();
    }
  }
  return out;
}

inline double exact_silu1(double v) { return v * (1.0 / (1.0 + std::exp(-v))); }

template <class T>
std::vector<double> exact_swiglu(std::span<const T> hb, std::span<const T> hb2) {
  std::vector<double> out(hb.size());
  for (std::size_t i = 0; i < hb.size(); i++) out[i] = exact_silu1(double(hb[i])) * double(hb2[i]);
  return out;
}

}  // namespace nineml::ref::internal
