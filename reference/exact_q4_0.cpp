// exact mode, GGUF Q4_0: the weights are taken as the exact values their
// blocks encode, times the float activations, summed compensated.
#include "internal/checks.hpp"
#include "internal/compensated.hpp"
#include "reference.hpp"

namespace nineml::ref::exact {

using internal::require;
using internal::sz;

std::vector<double> matmul_q4_0(std::span<const float> x, std::span<const uint8_t> blocks, int n, int d) {
  require(n > 0 && d > 0 && n % 32 == 0 && x.size() == sz(n) && blocks.size() == sz(d, n / 32) * 18,
          "matmul_q4_0: sizes");
  const std::vector<double> w = dequant_q4_0(blocks, n * d);
  std::vector<double> out(sz(d));
  for (int i = 0; i < d; i++) {
    internal::NeumaierSum acc;
    for (int j = 0; j < n; j++) acc.add(w[sz(i, n) + sz(j)] * double(x[sz(j)]));
    out[sz(i)] = acc.value();
  }
  return out;
}

}  // namespace nineml::ref::exact
