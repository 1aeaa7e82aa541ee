// Writes the case registry's inputs as .npy files with a JSON manifest, and
// the generated llama2.c checkpoints, so that out-of-process runners
// (component tests in guests, Python) read exactly the bytes the host uses.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "runner.hpp"

namespace nineml::conformance {

struct FixtureSummary {
  size_t cases = 0, files = 0, models = 0;
  uint64_t bytes = 0;
};

// The generated v0 models (name, config); their weights come from the seed.
struct ModelFixture {
  std::string name;
  int dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
  bool shared_classifier;
};
const std::vector<ModelFixture>& model_fixtures();

// Writes DIR/manifest.json, DIR/cases/KERNEL/NNNN-INPUT.npy, DIR/models/NAME.bin
// and DIR/vocab/test-vocab.bin.
FixtureSummary write_fixtures(const Selection& s, const std::string& dir,
                              const std::function<void(size_t, size_t)>& progress = nullptr);

}  // namespace nineml::conformance
