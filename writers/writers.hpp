// Model writers (host C++): llama2.c v0/v1/v2, GGUF v3, safetensors (+
// config.json on request), from a loaded nm_model. Layouts and quantization rules are
// in docs/FORMATS.md; every reader in engine/formats/ reads what these write.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "formats/formats.h"

namespace nineml::writers {

enum class Target {
  v0, v1, v2,
  gguf_f32, gguf_f16, gguf_bf16, gguf_q8_0, gguf_q4_0,
  gguf_q5_0, gguf_q5_1, gguf_q2_k, gguf_q3_k, gguf_q4_k, gguf_q5_k, gguf_q6_k, gguf_q4_k_m, gguf_q5_k_m,
  safetensors_f32, safetensors_f16, safetensors_bf16
};

// "v0", "v1", "v2", "gguf-f32", ..., "safetensors-bf16" ("safetensors" = f32).
std::optional<Target> parse_target(const std::string& name);
std::string target_name(Target t);
std::vector<std::string> target_names();

struct Options {
  int group_size = 0;  // v2: 0 = llama2.c's rule (64 halved until it divides dim and hidden_dim)
  // safetensors: also write config.json in path's directory (replacing one
  // already there), which loading the file needs. Off unless asked: a
  // converter must not overwrite a file the user did not name.
  bool config_json = false;
};

// Writes m to path, atomically (port.h nm_out: an existing file stays as it
// was until the new one is complete), streaming one tensor at a time.
// Throws std::runtime_error("PATH: problem").
void write_model(const nm_model& m, const std::string& path, Target t, const Options& o = {});

// Where Options::config_json puts config.json for a model at model_path.
std::string config_json_path(const std::string& model_path);
bool is_safetensors(Target t);

// The llama2.c v2 group size rule.
int default_group_size(int dim, int hidden_dim);

// A tensor's values as float (dequantized when stored quantized).
std::vector<float> tensor_floats(const nm_tensor& t);

}  // namespace nineml::writers
