// exact mode, float32-input kernels: thin wrappers that check sizes and run
// the float64 templates of internal/exact_ops.hpp on float inputs.
#include "internal/checks.hpp"
#include "internal/exact_ops.hpp"
#include "reference.hpp"

namespace nineml::ref {

using internal::require;
using internal::sz;

namespace exact {

std::vector<double> rmsnorm(std::span<const float> x, std::span<const float> w, float eps) {
  require(!x.empty() && w.size() == x.size(), "rmsnorm: x and w must have the same non-zero size");
  return internal::exact_rmsnorm(x, w, double(eps));
}

std::vector<double> softmax(std::span<const float> x) { return internal::exact_softmax(x); }

std::vector<double> matmul(std::span<const float> x, std::span<const float> w, int n, int d) {
  require(n > 0 && d > 0 && x.size() == sz(n) && w.size() == sz(n, d), "matmul: sizes");
  return internal::exact_matmul(x, w, n, d);
}

std::vector<double> rope(std::span<const float> vec, int head_size, int pos, float theta) {
  require(head_size > 0 && vec.size() % 2 == 0, "rope: head_size > 0 and an even length");
  return internal::exact_rope(vec, head_size, pos, double(theta));
}

std::vector<double> attention(std::span<const float> q, std::span<const float> k_cache,
                              std::span<const float> v_cache, int n_heads, int n_kv_heads,
                              int head_size, int pos, int window) {
  require(n_heads > 0 && n_kv_heads > 0 && n_heads % n_kv_heads == 0 && head_size > 0 && pos >= 0,
          "attention: head counts");
  const std::size_t rows = sz(pos + 1, n_kv_heads) * sz(head_size);
  require(q.size() == sz(n_heads, head_size) && k_cache.size() >= rows && v_cache.size() >= rows,
          "attention: q or cache sizes");
  return internal::exact_attention(q, k_cache, v_cache, n_heads, n_kv_heads, head_size, pos, window);
}

std::vector<double> silu(std::span<const float> x) {
  std::vector<double> out(x.size());
  for (std::size_t i = 0; i < x.size(); i++) out[i] = internal::exact_silu1(double(x[i]));
  return out;
}

std::vector<double> swiglu(std::span<const float> hb, std::span<const float> hb2) {
  require(hb.size() == hb2.size(), "swiglu: sizes");
  return internal::exact_swiglu(hb, hb2);
}

// The sum of two floats is exact in double unless it overflows float's range,
// which double does not.
std::vector<double> residual_add(std::span<const float> x, std::span<const float> y) {
  require(x.size() == y.size(), "residual_add: sizes");
  std::vector<double> out(x.size());
  for (std::size_t i = 0; i < x.size(); i++) out[i] = double(x[i]) + double(y[i]);
  return out;
}

}  // namespace exact
}  // namespace nineml::ref
