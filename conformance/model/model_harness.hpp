// Shared by the model-level tests: an engine generation run that records
// every step's logits (the per-architecture configs are fixtures::arch_config).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checkpoint_gen.hpp"
#include "exec.h"
#include "model.h"
#include "reference.hpp"

namespace nineml::conformance {

using fixtures::arch_config;

struct EngineRun {
  std::vector<int> tokens;  // prompt[0], then every next token (BOS included when it ends the run)
  std::vector<std::vector<float>> logits;
};

// nm_generate with exec's kernel table and pool (nil: scalar, one thread).
EngineRun engine_generate(const nm_model* m, const std::vector<int>& prompt, int steps, float t, float p,
                          uint64_t seed, const nm_exec* exec = nullptr);

}  // namespace nineml::conformance
