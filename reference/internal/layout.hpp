// Shapes of a llama2.c checkpoint, derived from its Config: shared by the v0
// reader/writer and the Transformer so they agree on every tensor size.
#pragma once

#include <cstdint>
#include <string>

#include "reference.hpp"

namespace nineml::ref::internal {

// Empty when the configuration is usable, else a one-line problem.
std::string config_problem(const Config& c);

// Element counts of every tensor (all layers together), in 64-bit arithmetic
// with overflow detected. Requires config_problem(c) to be empty.
struct TensorSizes {
  uint64_t embedding, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3, rms_final;
  uint64_t freq_cis_half;  // one legacy table: seq_len * head_size / 2
  uint64_t wcls;           // 0 when the classifier is shared
  bool overflow;           // some count does not fit in 64 bits
};
TensorSizes tensor_sizes(const Config& c);

// Throws std::invalid_argument naming the first tensor whose size disagrees
// with the config (or the config's problem).
void check_checkpoint(const Checkpoint& ck);

}  // namespace nineml::ref::internal
