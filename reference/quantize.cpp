// llama2c::quantize: a row of floats to GGUF blocks of the chosen type, one
// block at a time (internal/block_quant.hpp). NaN elements are quantized as
// 0: llama.cpp leaves them undefined (its loader refuses tensors holding
// NaN), and 0 is what Q4_0's rule gives them too.
#include <cmath>
#include <string>

#include "internal/block_quant.hpp"
#include "internal/checks.hpp"
#include "reference.hpp"

namespace nineml::ref::llama2c {

namespace {
struct BlockRule {
  int elems, bytes;
  void (*quantize)(const float*, uint8_t*);
};

BlockRule rule(Block b) {
  switch (b) {
    case Block::q5_0: return {32, 22, internal::quantize_q5_0_block};
    case Block::q5_1: return {32, 24, internal::quantize_q5_1_block};
    case Block::q2_k: return {256, 84, internal::quantize_q2_k_block};
    case Block::q3_k: return {256, 110, internal::quantize_q3_k_block};
    case Block::q4_k: return {256, 144, internal::quantize_q4_k_block};
    case Block::q5_k: return {256, 176, internal::quantize_q5_k_block};
    case Block::q6_k: return {256, 210, internal::quantize_q6_k_block};
  }
  throw std::invalid_argument("nineml::ref: quantize: unknown block type");
}
}  // namespace

std::vector<uint8_t> quantize(Block b, std::span<const float> x) {
  const BlockRule r = rule(b);
  internal::require(x.size() % static_cast<std::size_t>(r.elems) == 0,
                    "quantize: length must be a multiple of the block size");
  const std::size_t nb = x.size() / static_cast<std::size_t>(r.elems);
  std::vector<uint8_t> out(nb * static_cast<std::size_t>(r.bytes));
  float block[256];
  for (std::size_t i = 0; i < nb; i++) {
    for (int j = 0; j < r.elems; j++) {
      const float v = x[i * static_cast<std::size_t>(r.elems) + static_cast<std::size_t>(j)];
      block[j] = std::isnan(v) ? 0.0f : v;
    }
    r.quantize(block, out.data() + i * static_cast<std::size_t>(r.bytes));
  }
  return out;
}

}  // namespace nineml::ref::llama2c
