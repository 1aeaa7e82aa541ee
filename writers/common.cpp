// Target names, the v2 group size rule, dequantized tensor values.
#include <algorithm>
#include <stdexcept>

#include "formats/formats.h"
#include "kernels.h"
#include "writer_parts.hpp"
#include "sink.hpp"
#include "writers.hpp"

namespace nineml::writers {

namespace {
const std::vector<std::pair<std::string, Target>>& table() {
  static const std::vector<std::pair<std::string, Target>> t = {
      {"v0", Target::v0}, {"v1", Target::v1}, {"v2", Target::v2},
      {"gguf-f32", Target::gguf_f32}, {"gguf-f16", Target::gguf_f16}, {"gguf-bf16", Target::gguf_bf16},
      {"gguf-q8_0", Target::gguf_q8_0}, {"gguf-q4_0", Target::gguf_q4_0},
      {"gguf-q5_0", Target::gguf_q5_0}, {"gguf-q5_1", Target::gguf_q5_1}, {"gguf-q2_k", Target::gguf_q2_k},
      {"gguf-q3_k", Target::gguf_q3_k}, {"gguf-q4_k", Target::gguf_q4_k}, {"gguf-q5_k", Target::gguf_q5_k},
      {"gguf-q6_k", Target::gguf_q6_k}, {"gguf-q4_k_m", Target::gguf_q4_k_m}, {"gguf-q5_k_m", Target::gguf_q5_k_m},
      {"safetensors-f32", Target::safetensors_f32}, {"safetensors-f16", Target::safetensors_f16},
      {"safetensors-bf16", Target::safetensors_bf16}};
  return t;
}
}  // namespace

std::optional<Target> parse_target(const std::string& name) {
  if (name == "safetensors") return Target::safetensors_f32;
  if (name == "gguf") return Target::gguf_f32;
  for (const auto& [n, t] : table())
    if (n == name) return t;
  return std::nullopt;
}

std::string target_name(Target t) {
  for (const auto& [n, tt] : table())
    if (tt == t) return n;
  return "?";
}

std::vector<std::string> target_names() {
  std::vector<std::string> v;
  for (const auto& [n, t] : table()) v.push_back(n);
  return v;
}

bool is_safetensors(Target t) {
  return t == Target::safetensors_f32 || t == Target::safetensors_f16 || t == Target::safetensors_bf16;
}

int default_group_size(int dim, int hidden_dim) { return nm_default_group_size(dim, hidden_dim); }

std::vector<float> tensor_floats(const nm_tensor& t) {
  size_t n = static_cast<size_t>(t.rows) * static_cast<size_t>(t.cols);
  std::vector<float> out(n);
  switch (t.type) {
    case NM_T_F32:
      std::copy(t.f, t.f + n, out.begin());
      break;
    case NM_T_Q8:
      nm_q8_dequantize(out.data(), t.q, t.s, static_cast<int>(n), t.group_size);
      break;
    case NM_T_Q4_0:
      nm_dequant_q4_0(out.data(), t.blocks, static_cast<int>(n));
      break;
    case NM_T_F16:
      nm_f16_to_f32(out.data(), t.h, static_cast<int>(n));
      break;
    case NM_T_BF16:
      nm_bf16_to_f32(out.data(), t.h, static_cast<int>(n));
      break;
    default:
      if (t.type >= NM_T_Q5_0 && t.type <= NM_T_Q6_K) {
        nm_dequant_blocks(t.type - NM_T_Q5_0, out.data(), t.blocks, static_cast<int>(n));
        break;
      }
      throw std::runtime_error("unknown tensor type " + std::to_string(t.type));
  }
  return out;
}

FloatView float_view(const nm_tensor& t) {
  FloatView v;
  v.n = static_cast<size_t>(t.rows) * static_cast<size_t>(t.cols);
  if (t.type == NM_T_F32) {
    v.p = t.f;
  } else {
    v.own = tensor_floats(t);
    v.p = v.own.data();
  }
  return v;
}

void put_floats_dropping(OutFile& s, const nm_model& m, const float* p, size_t n) {
  for (size_t at = 0; at < n; at += kDropChunk) {
    size_t k = std::min(kDropChunk, n - at);
    s.floats(p + at, k);
    nm_model_drop(&m, p + at, k * sizeof(float));
  }
}

}  // namespace nineml::writers
