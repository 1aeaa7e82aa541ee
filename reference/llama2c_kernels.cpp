// llama2c mode, float32 kernels in upstream run.c's operation order. Every
// statement rounds to float exactly where run.c does (the build disables FMA
// contraction), so results are bit-identical to upstream.
#include <math.h>  // expf, sqrtf, powf, cosf, sinf: the float libm calls run.c makes

#include <algorithm>
#include <cmath>
#include <limits>

#include "internal/checks.hpp"
#include "internal/llama2c_ops.hpp"
#include "reference.hpp"

namespace nineml::ref {

namespace internal {

// Special values first (upstream would turn them into a mix of NaN and
// garbage): NaN or +inf anywhere, or only -inf, gives all NaN. After that the
// max is finite, so -inf masks become expf(-inf) = exactly 0.
void llama2c_softmax_inplace(float* x, std::size_t n) {
  if (n == 0) return;
  const float inf = std::numeric_limits<float>::infinity();
  bool poisoned = false, any_finite = false;
  for (std::size_t i = 0; i < n; i++) {
    if (std::isnan(x[i]) || x[i] == inf)
      poisoned = true;
    else if (x[i] != -inf)
      any_finite = true;
  }
  if (poisoned || !any_finite) {
    std::fill(x, x + n, std::numeric_limits<float>::quiet_NaN());
    return;
  }
  float max_val = x[0];
  for (std::size_t i = 1; i < n; i++)
    if (x[i] > max_val) max_val = x[i];
  float sum = 0.0f;
  for (std::size_t i = 0; i < n; i++) {
    x[i] = expf(x[i] - max_val);
    sum += x[i];
  }
  for (std::size_t i = 0; i < n; i++) x[i] /= sum;
}

}  // namespace internal

using internal::require;
using internal::sz;

namespace llama2c {

std::vector<float> rmsnorm(std::span<const float> x, std::span<const float> w, float eps) {
  require(!x.empty() && w.size() == x.size(), "rmsnorm: x and w must have the same non-zero size");
  float ss = 0.0f;
  for (float v : x) ss += v * v;
  ss /= static_cast<float>(x.size());
  ss += eps;
  ss = 1.0f / sqrtf(ss);
  std::vector<float> out(x.size());
  for (std::size_t j = 0; j < x.size(); j++) out[j] = w[j] * (ss * x[j]);
  return out;
}

std::vector<float> softmax(std::span<const float> x) {
  std::vector<float> out(x.begin(), x.end());
  internal::llama2c_softmax_inplace(out.data(), out.size());
  return out;
}

std::vector<float> matmul(std::span<const float> x, std::span<const float> w, int n, int d) {
  require(n > 0 && d > 0 && x.size() == sz(n) && w.size() == sz(n, d), "matmul: sizes");
  std::vector<float> out(sz(d));
  for (int i = 0; i < d; i++) {
    float val = 0.0f;
    const float* row = w.data() + sz(i, n);
    for (int j = 0; j < n; j++) val += row[j] * x[j];
    out[i] = val;
  }
  return out;
}

std::vector<float> rope(std::span<const float> vec, int head_size, int pos, float theta) {
  require(head_size > 0 && vec.size() % 2 == 0, "rope: head_size > 0 and an even length");
  std::vector<float> out(vec.begin(), vec.end());
  for (std::size_t i = 0; i < out.size(); i += 2) {
    const int head_dim = static_cast<int>(i % sz(head_size));
    const float freq = 1.0f / powf(theta, head_dim / static_cast<float>(head_size));
    const float val = static_cast<float>(pos) * freq;
    const float fcr = cosf(val);
    const float fci = sinf(val);
    const float v0 = out[i], v1 = out[i + 1];
    out[i] = v0 * fcr - v1 * fci;
    out[i + 1] = v0 * fci + v1 * fcr;
  }
  return out;
}

std::vector<float> attention(std::span<const float> q, std::span<const float> k_cache,
                             std::span<const float> v_cache, int n_heads, int n_kv_heads,
                             int head_size, int pos, int window) {
  require(n_heads > 0 && n_kv_heads > 0 && n_heads % n_kv_heads == 0 && head_size > 0 && pos >= 0,
          "attention: head counts");
  const std::size_t hs = sz(head_size);
  const std::size_t kv_dim = sz(n_kv_heads, head_size);
  require(q.size() == sz(n_heads, head_size) && k_cache.size() >= sz(pos + 1) * kv_dim &&
              v_cache.size() >= sz(pos + 1) * kv_dim,
          "attention: q or cache sizes");
  const int kv_mul = n_heads / n_kv_heads;
  const int start = window > 0 ? std::max(0, pos - window + 1) : 0;
  std::vector<float> out(sz(n_heads, head_size), 0.0f);
  std::vector<float> att(sz(pos - start + 1));
  for (int h = 0; h < n_heads; h++) {
    const float* qh = q.data() + sz(h) * hs;
    const std::size_t kv_off = sz(h / kv_mul) * hs;
    for (int t = start; t <= pos; t++) {
      const float* k = k_cache.data() + sz(t) * kv_dim + kv_off;
      float score = 0.0f;
      for (std::size_t i = 0; i < hs; i++) score += qh[i] * k[i];
      score /= sqrtf(static_cast<float>(head_size));
      att[sz(t - start)] = score;
    }
    internal::llama2c_softmax_inplace(att.data(), att.size());
    float* xb = out.data() + sz(h) * hs;
    for (int t = start; t <= pos; t++) {
      const float* v = v_cache.data() + sz(t) * kv_dim + kv_off;
      const float a = att[sz(t - start)];
      for (std::size_t i = 0; i < hs; i++) xb[i] += a * v[i];
    }
  }
  return out;
}

std::vector<float> silu(std::span<const float> x) {
  std::vector<float> out(x.size());
  for (std::size_t i = 0; i < x.size(); i++) out[i] = x[i] * (1.0f / (1.0f + expf(-x[i])));
  return out;
}

std::vector<float> swiglu(std::span<const float> hb, std::span<const float> hb2) {
  require(hb.size() == hb2.size(), "swiglu: sizes");
  std::vector<float> out(hb.size());
  for (std::size_t i = 0; i < hb.size(); i++) {
    float val = hb[i];
    val *= (1.0f / (1.0f + expf(-val)));
    val *= hb2[i];
    out[i] = val;
  }
  return out;
}

std::vector<float> residual_add(std::span<const float> x, std::span<const float> y) {
  require(x.size() == y.size(), "residual_add: sizes");
  std::vector<float> out(x.size());
  for (std::size_t i = 0; i < x.size(); i++) out[i] = x[i] + y[i];
  return out;
}

}  // namespace llama2c
}  // namespace nineml::ref
