// exact mode, GGUF Q5_0/Q5_1/K-quant blocks: each weight is the exact value
// its block encodes, d*sc*q - dmin*m in float64 (every product of fp16
// values and small integers, and their difference, is exact in double);
// products with x summed compensated, as matmul_q4_0.
#include "internal/blocks.hpp"
#include "internal/checks.hpp"
#include "internal/compensated.hpp"
#include "reference.hpp"

namespace nineml::ref::exact {

using internal::require;
using internal::sz;

BlockTerms dequant_terms(Block b, std::span<const uint8_t> blocks, int n) {
  const int qk = block_elems(b), bytes = block_bytes(b);
  require(n >= 0 && n % qk == 0 && blocks.size() == sz(n / qk, bytes), "dequant_terms: sizes");
  BlockTerms t;
  t.scaled.resize(sz(n));
  t.offset.resize(sz(n));
  for (int k = 0; k < n / qk; k++) {
    const internal::DecodedBlock u = internal::decode_block(b, blocks.data() + sz(k, bytes));
    for (int e = 0; e < qk; e++) {
      const size_t i = sz(k, qk) + sz(e), ue = sz(e);
      t.scaled[i] = double(u.d) * u.sc[ue] * u.q[ue];
      if (u.min == internal::MinTerm::minus) t.offset[i] = -(double(u.dmin) * u.m[ue]);
      else if (u.min == internal::MinTerm::plus) t.offset[i] = double(u.dmin) * u.m[ue];
    }
  }
  return t;
}

std::vector<double> dequant(Block b, std::span<const uint8_t> blocks, int n) {
  BlockTerms t = dequant_terms(b, blocks, n);
  const bool has_min = b == Block::q5_1 || b == Block::q2_k || b == Block::q4_k || b == Block::q5_k;
  if (has_min)
    for (size_t i = 0; i < t.scaled.size(); i++) t.scaled[i] += t.offset[i];
  return t.scaled;
}

std::vector<double> matmul_blocks(Block b, std::span<const float> x, std::span<const uint8_t> w, int n, int d) {
  require(n > 0 && d > 0 && n % block_elems(b) == 0 && x.size() == sz(n) &&
              w.size() == sz(d, n / block_elems(b)) * sz(block_bytes(b)),
          "matmul_blocks: sizes");
  const std::vector<double> wd = dequant(b, w, n * d);
  std::vector<double> out(sz(d));
  for (int i = 0; i < d; i++) {
    internal::NeumaierSum acc;
    for (int j = 0; j < n; j++) acc.add(wd[sz(i, n) + sz(j)] * double(x[sz(j)]));
    out[sz(i)] = acc.value();
  }
  return out;
}

}  // namespace nineml::ref::exact
