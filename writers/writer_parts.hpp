// The per-format writers behind write_model().
#pragma once

#include <string>
#include <vector>

#include "reference.hpp"
#include "writers.hpp"

namespace nineml::writers {

void write_llama2c(const nm_model& m, const std::string& path, int version, int group_size);
// Every matrix in the GGML type ref::gguf_matrix_type gives it for the
// storage (f32, f16, bf16, q8_0, q4_0: all of them that type; the block
// types and llama.cpp's K-quant mixes: docs/FORMATS.md); norms F32.
void write_gguf(const nm_model& m, const std::string& path, ref::Storage storage);
// dtype: "F32", "F16", "BF16".
void write_safetensors(const nm_model& m, const std::string& path, const std::string& dtype);
void write_config_json(const nm_model& m, const std::string& model_path, const std::string& dtype);

// A tensor's values as floats without a copy when it already holds floats
// (the writers stream a tensor from it; only a quantized one is expanded).
struct FloatView {
  const float* p = nullptr;
  size_t n = 0;
  std::vector<float> own;  // the expansion of a quantized tensor
};
FloatView float_view(const nm_tensor& t);

// Streaming a mapped input once (convert, quantize): values are read in
// chunks of kDropChunk and each chunk's source pages go back once written
// (nm_model_drop), so a convert holds a chunk of the input, not all of it.
constexpr size_t kDropChunk = size_t{1} << 20;
class OutFile;
void put_floats_dropping(OutFile& s, const nm_model& m, const float* p, size_t n);

// Pairwise RoPE rows to Hugging Face half-split rows, per head of hs rows.
std::vector<float> unpermute_qk(const std::vector<float>& w, int rows, int cols, int hs);
// The same for rows of `row` bytes each (whole quantized rows).
std::vector<uint8_t> unpermute_rows(const std::vector<uint8_t>& w, int rows, uint64_t row, int hs);
uint16_t to_bf16(float x);  // round to nearest even; NaN stays NaN

}  // namespace nineml::writers
