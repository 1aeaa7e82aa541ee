// safetensors (F32/F16/BF16, Hugging Face names, Q/K rows half-split) and,
// when asked (Options::config_json), the config.json beside it.
#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "kernels.h"
#include "sink.hpp"
#include "writer_parts.hpp"

namespace nineml::writers {

uint16_t to_bf16(float x) {
  uint32_t b = std::bit_cast<uint32_t>(x);
  if ((b & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((b >> 16) | 0x40u);
  b += 0x7fffu + ((b >> 16) & 1u);
  return static_cast<uint16_t>(b >> 16);
}

std::vector<float> unpermute_qk(const std::vector<float>& w, int rows, int cols, int hs) {
  std::vector<float> out(w.size());
  auto at = [&](int r) { return static_cast<size_t>(r) * static_cast<size_t>(cols); };
  for (int h = 0; h < rows / hs; h++)
    for (int i = 0; i < hs / 2; i++)
      for (int c = 0; c < cols; c++) {
        out[at(h * hs + i) + size_t(c)] = w[at(h * hs + 2 * i) + size_t(c)];
        out[at(h * hs + hs / 2 + i) + size_t(c)] = w[at(h * hs + 2 * i + 1) + size_t(c)];
      }
  return out;
}

std::vector<uint8_t> unpermute_rows(const std::vector<uint8_t>& w, int rows, uint64_t row, int hs) {
  std::vector<uint8_t> out(w.size());
  auto at = [&](int r) { return static_cast<size_t>(r) * static_cast<size_t>(row); };
  for (int h = 0; h < rows / hs; h++)
    for (int i = 0; i < hs / 2; i++) {
      std::copy_n(w.begin() + std::ptrdiff_t(at(h * hs + 2 * i)), row, out.begin() + std::ptrdiff_t(at(h * hs + i)));
      std::copy_n(w.begin() + std::ptrdiff_t(at(h * hs + 2 * i + 1)), row,
                  out.begin() + std::ptrdiff_t(at(h * hs + hs / 2 + i)));
    }
  return out;
}

void write_safetensors(const nm_model& m, const std::string& path, const std::string& dtype) {
  const nm_config& c = m.cfg;
  int dim = c.dim, hs = c.dim / c.n_heads, kv_dim = hs * c.n_kv_heads;
  // The list first (shapes only), so the header with every data offset is
  // written before any data; each tensor's values are made when written.
  struct T { std::string name; std::vector<uint64_t> shape; const nm_tensor* t; bool qk; const float* v; };
  // Vectors: norms (dim) and biases (q: dim, k and v: kv_dim; q and k half-split).
  std::vector<T> ts;
  auto mat = [&](const std::string& n, const nm_tensor& t, bool qk) {
    ts.push_back({n, {static_cast<uint64_t>(t.rows), static_cast<uint64_t>(t.cols)}, &t, qk, nullptr});
  };
  auto vec = [&](const std::string& n, const float* p, int len = 0, bool qk = false) {
    ts.push_back({n, {static_cast<uint64_t>(len > 0 ? len : dim)}, nullptr, qk, p});
  };
  mat("model.embed_tokens.weight", m.token_embedding, false);
  for (int l = 0; l < c.n_layers; l++) {
    std::string p = "model.layers." + std::to_string(l) + ".";
    vec(p + "input_layernorm.weight", m.rms_att + static_cast<size_t>(l) * dim);
    mat(p + "self_attn.q_proj.weight", m.wq[l], true);
    mat(p + "self_attn.k_proj.weight", m.wk[l], true);
    mat(p + "self_attn.v_proj.weight", m.wv[l], false);
    if (c.qkv_bias) {
      vec(p + "self_attn.q_proj.bias", m.bq + static_cast<size_t>(l) * dim, dim, true);
      vec(p + "self_attn.k_proj.bias", m.bk + static_cast<size_t>(l) * kv_dim, kv_dim, true);
      vec(p + "self_attn.v_proj.bias", m.bv + static_cast<size_t>(l) * kv_dim, kv_dim, false);
    }
    mat(p + "self_attn.o_proj.weight", m.wo[l], false);
    vec(p + "post_attention_layernorm.weight", m.rms_ffn + static_cast<size_t>(l) * dim);
    mat(p + "mlp.gate_proj.weight", m.w1[l], false);
    mat(p + "mlp.down_proj.weight", m.w2[l], false);
    mat(p + "mlp.up_proj.weight", m.w3[l], false);
  }
  vec("model.norm.weight", m.rms_final);
  if (!c.shared_classifier) mat("lm_head.weight", m.wcls, false);

  const uint64_t elem = dtype == "F32" ? 4 : 2;
  nlohmann::json header;
  header["__metadata__"] = {{"format", "pt"}};
  uint64_t end = 0;
  for (const T& t : ts) {
    uint64_t n = 1;
    for (uint64_t d : t.shape) n *= d;
    uint64_t begin = end;
    end += n * elem;
    header[t.name] = {{"dtype", dtype}, {"shape", t.shape}, {"data_offsets", {begin, end}}};
  }
  std::string h = header.dump();
  while ((8 + h.size()) % 8) h += ' ';
  OutFile out(path);
  out.u64(h.size());
  out.bytes(h.data(), h.size());
  for (const T& t : ts) {
    FloatView v;
    if (t.t != nullptr) {
      v = float_view(*t.t);
      if (t.qk) {  // a permuted copy (wq, wk: dim rows at most)
        v.own = unpermute_qk(std::vector<float>(v.p, v.p + v.n), t.t->rows, t.t->cols, hs);
        v.p = v.own.data();
      }
    } else {
      v.p = t.v;
      v.n = static_cast<size_t>(t.shape[0]);
      if (t.qk) {
        v.own = unpermute_qk(std::vector<float>(v.p, v.p + v.n), static_cast<int>(v.n), 1, hs);
        v.p = v.own.data();
      }
    }
    if (dtype == "F32") {
      put_floats_dropping(out, m, v.p, v.n);
    } else {
      constexpr size_t kChunk = 65536;
      Sink enc;
      for (size_t at = 0; at < v.n; at += kChunk) {
        enc.b.clear();
        for (size_t i = at; i < std::min(v.n, at + kChunk); i++)
          enc.u16(dtype == "F16" ? nm_float_to_half(v.p[i]) : to_bf16(v.p[i]));
        out.bytes(enc.b);
        nm_model_drop(&m, v.p + at, (std::min(v.n, at + kChunk) - at) * sizeof(float));
      }
    }
    if (t.t != nullptr) nm_model_drop_tensor(&m, t.t);  // its source pages go back once written
  }
  out.commit();
}

void write_config_json(const nm_model& m, const std::string& path, const std::string& dtype) {
  const nm_config& c = m.cfg;
  std::string a = c.arch;
  const std::string type = a == "mistral" || a == "qwen2" ? a : "llama";
  nlohmann::json cfg = {
      {"architectures", {type == "mistral" ? "MistralForCausalLM" : type == "qwen2" ? "Qwen2ForCausalLM"
                                                                                     : "LlamaForCausalLM"}},
      {"model_type", type},
      {"hidden_size", c.dim}, {"intermediate_size", c.hidden_dim}, {"num_hidden_layers", c.n_layers},
      {"num_attention_heads", c.n_heads}, {"num_key_value_heads", c.n_kv_heads},
      {"vocab_size", c.vocab_size}, {"max_position_embeddings", c.seq_len},
      {"rope_theta", c.rope_theta}, {"rms_norm_eps", c.norm_eps},
      {"tie_word_embeddings", c.shared_classifier != 0}, {"hidden_act", "silu"},
      {"torch_dtype", dtype == "F32" ? "float32" : dtype == "F16" ? "float16" : "bfloat16"}};
  if (a == "mistral") cfg["sliding_window"] = c.sliding_window;
  // As Qwen2's own configs say it: a window declared, used by no layer.
  if (a == "qwen2") {
    cfg["use_sliding_window"] = false;
    cfg["sliding_window"] = c.seq_len;
    cfg["max_window_layers"] = c.n_layers;
  }
  if (c.rope_scaling.factor != 0.0f)
    cfg["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", c.rope_scaling.factor},
                           {"low_freq_factor", c.rope_scaling.low_freq_factor},
                           {"high_freq_factor", c.rope_scaling.high_freq_factor},
                           {"original_max_position_embeddings", c.rope_scaling.original_max_position}};
  std::string text = cfg.dump(2) + "\n";
  OutFile out(config_json_path(path));
  out.bytes(text.data(), text.size());
  out.commit();
}

std::string config_json_path(const std::string& model_path) {
  return (std::filesystem::path(model_path).parent_path() / "config.json").string();
}

void write_model(const nm_model& m, const std::string& path, Target t, const Options& o) {
  std::string arch = m.cfg.arch;
  bool l2c = t == Target::v0 || t == Target::v1 || t == Target::v2;
  if (l2c && arch != "llama2" && !arch.empty())
    throw std::runtime_error(path + ": llama2.c files hold only llama2 models (this one is " + arch + ")");
  switch (t) {
    case Target::v0: return write_llama2c(m, path, 0, 0);
    case Target::v1: return write_llama2c(m, path, 1, 0);
    case Target::v2: return write_llama2c(m, path, 2, o.group_size);
    case Target::gguf_f32: return write_gguf(m, path, ref::Storage::f32);
    case Target::gguf_f16: return write_gguf(m, path, ref::Storage::f16);
    case Target::gguf_bf16: return write_gguf(m, path, ref::Storage::bf16);
    case Target::gguf_q8_0: return write_gguf(m, path, ref::Storage::q8_0);
    case Target::gguf_q4_0: return write_gguf(m, path, ref::Storage::q4_0);
    case Target::gguf_q5_0: return write_gguf(m, path, ref::Storage::q5_0);
    case Target::gguf_q5_1: return write_gguf(m, path, ref::Storage::q5_1);
    case Target::gguf_q2_k: return write_gguf(m, path, ref::Storage::q2_k);
    case Target::gguf_q3_k: return write_gguf(m, path, ref::Storage::q3_k);
    case Target::gguf_q4_k: return write_gguf(m, path, ref::Storage::q4_k);
    case Target::gguf_q5_k: return write_gguf(m, path, ref::Storage::q5_k);
    case Target::gguf_q6_k: return write_gguf(m, path, ref::Storage::q6_k);
    case Target::gguf_q4_k_m: return write_gguf(m, path, ref::Storage::q4_k_m);
    case Target::gguf_q5_k_m: return write_gguf(m, path, ref::Storage::q5_k_m);
    case Target::safetensors_f32: case Target::safetensors_f16: case Target::safetensors_bf16: {
      std::string dtype = t == Target::safetensors_f32 ? "F32" : t == Target::safetensors_f16 ? "F16" : "BF16";
      write_safetensors(m, path, dtype);
      if (o.config_json) write_config_json(m, path, dtype);
      return;
    }
  }
}

}  // namespace nineml::writers
