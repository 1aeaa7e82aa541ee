// The per-format writers behind write_model().
#pragma once

#include <string>

#include "writers.hpp"

namespace nineml::writers {

void write_llama2c(const nm_model& m, const std::string& path, int version, int group_size);
// dtype: 0 F32, 1 F16, 30 BF16, 8 Q8_0, 2 Q4_0 (GGML type numbers).
void write_gguf(const nm_model& m, const std::string& path, int ggml_type);
// dtype: "F32", "F16", "BF16".
void write_safetensors(const nm_model& m, const std::string& path, const std::string& dtype);

// Pairwise RoPE rows to Hugging Face half-split rows, per head of hs rows.
std::vector<float> unpermute_qk(const std::vector<float>& w, int rows, int cols, int hs);
uint16_t to_bf16(float x);  // round to nearest even; NaN stays NaN

}  // namespace nineml::writers
