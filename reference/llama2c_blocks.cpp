// llama2c mode, GGUF Q5_0/Q5_1/K-quant blocks: ggml's float dequantization
// and the product shape every engine implementation gives bit for bit
// (docs/FORMATS.md): per group of 32, exact int32 sums S (scaled) and M
// (mins), then ((float)S*d -/+ (float)M*dmin) * xs[g], groups in order.
#include "internal/blocks.hpp"
#include "internal/checks.hpp"
#include "reference.hpp"

namespace nineml::ref::llama2c {

using internal::MinTerm;
using internal::require;
using internal::sz;

std::vector<float> dequant(Block b, std::span<const uint8_t> blocks, int n) {
  const int qk = block_elems(b), bytes = block_bytes(b);
  require(n >= 0 && n % qk == 0 && blocks.size() == sz(n / qk, bytes), "dequant: sizes");
  std::vector<float> out(sz(n));
  for (int k = 0; k < n / qk; k++) {
    const internal::DecodedBlock u = internal::decode_block(b, blocks.data() + sz(k, bytes));
    for (int e = 0; e < qk; e++) {
      const size_t ue = sz(e);
      const float d1 = u.d * static_cast<float>(u.sc[ue]);
      float y = d1 * static_cast<float>(u.q[ue]);
      if (u.min == MinTerm::minus) y = y - u.dmin * static_cast<float>(u.m[ue]);
      if (u.min == MinTerm::plus) y = y + u.dmin * static_cast<float>(u.m[ue]);
      out[sz(k, qk) + ue] = y;
    }
  }
  return out;
}

std::vector<float> matmul_blocks(Block b, const Q8Tensor& x, std::span<const uint8_t> w, int n, int d) {
  const int qk = block_elems(b), bytes = block_bytes(b);
  require(n > 0 && d > 0 && n % qk == 0 && x.group_size == 32, "matmul_blocks: x must be Q8 with group 32");
  require(x.q.size() == sz(n) && x.scales.size() == sz(n / 32) && w.size() == sz(d, n / qk) * sz(bytes),
          "matmul_blocks: sizes");
  std::vector<float> out(sz(d));
  for (int i = 0; i < d; i++) {
    float val = 0.0f;
    for (int k = 0; k < n / qk; k++) {
      const internal::DecodedBlock u = internal::decode_block(b, w.data() + (sz(i, n / qk) + sz(k)) * sz(bytes));
      for (int g = 0; g < qk / 32; g++) {
        int32_t S = 0, M = 0;  // exact: every sub-block's scale is its elements' scale
        for (int j = 32 * g; j < 32 * g + 32; j++) {
          const int32_t xq = x.q[sz(k, qk) + sz(j)];
          S += u.sc[sz(j)] * u.q[sz(j)] * xq;
          M += u.m[sz(j)] * xq;
        }
        const float xs = x.scales[sz(k, qk / 32) + sz(g)];
        if (u.min == MinTerm::minus) val += (static_cast<float>(S) * u.d - static_cast<float>(M) * u.dmin) * xs;
        else if (u.min == MinTerm::plus) val += (static_cast<float>(S) * u.d + static_cast<float>(M) * u.dmin) * xs;
        else val += (static_cast<float>(S) * u.d) * xs;
      }
    }
    out[sz(i)] = val;
  }
  return out;
}

}  // namespace nineml::ref::llama2c
