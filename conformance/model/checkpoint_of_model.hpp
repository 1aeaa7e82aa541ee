// A model in any format the engine loads, as the reference's float32
// checkpoint: `9ml accuracy --model` starts from the f32 weights whatever
// the file stores (quantized tensors dequantized, as `9ml convert --to v0`).
#pragma once

#include <string>

#include "reference.hpp"

namespace nineml::conformance {

// Loads path (llama2.c v0/v1/v2, GGUF, safetensors; detected by content)
// and returns its weights and hyper-parameters; *arch gets its architecture
// plugin's name ("llama2", "llama3", "mistral"). Throws
// std::runtime_error("PATH: problem").
ref::Checkpoint checkpoint_of_model(const std::string& path, std::string* arch);

}  // namespace nineml::conformance
