// Checkpoint shapes and configuration rules (see internal/layout.hpp).
#include "internal/layout.hpp"

#include <limits>
#include <stdexcept>

namespace nineml::ref::internal {

namespace {

// Saturating arithmetic: any overflow sticks at the maximum and sets a flag.
struct Checked {
  bool overflow = false;
  uint64_t mul(uint64_t a, uint64_t b) {
    if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a) {
      overflow = true;
      return std::numeric_limits<uint64_t>::max();
    }
    return a * b;
  }
};

}  // namespace

std::string config_problem(const Config& c) {
  const struct {
    const char* name;
    int value;
  } dims[] = {{"dim", c.dim},           {"hidden_dim", c.hidden_dim}, {"n_layers", c.n_layers},
              {"n_heads", c.n_heads},   {"n_kv_heads", c.n_kv_heads}, {"vocab_size", c.vocab_size},
              {"seq_len", c.seq_len}};
  for (const auto& d : dims)
    if (d.value <= 0) return std::string(d.name) + " must be positive (got " + std::to_string(d.value) + ")";
  if (c.n_heads % c.n_kv_heads != 0)
    return "n_heads (" + std::to_string(c.n_heads) + ") is not a multiple of n_kv_heads (" +
           std::to_string(c.n_kv_heads) + ")";
  if (c.dim % c.n_heads != 0)
    return "dim (" + std::to_string(c.dim) + ") is not a multiple of n_heads (" + std::to_string(c.n_heads) + ")";
  // RoPE rotates adjacent pairs inside a head.
  if ((c.dim / c.n_heads) % 2 != 0)
    return "head size dim/n_heads (" + std::to_string(c.dim / c.n_heads) + ") must be even";
  if (c.sliding_window < 0) return "sliding_window must not be negative";
  return {};
}

TensorSizes tensor_sizes(const Config& c) {
  Checked k;
  const uint64_t dim = uint64_t(c.dim), hidden = uint64_t(c.hidden_dim), layers = uint64_t(c.n_layers);
  const uint64_t head_size = dim / uint64_t(c.n_heads);
  const uint64_t kv_dim = head_size * uint64_t(c.n_kv_heads);  // <= dim
  const uint64_t vocab = uint64_t(c.vocab_size);
  TensorSizes s{};
  s.embedding = k.mul(vocab, dim);
  s.rms_att = k.mul(layers, dim);
  s.wq = k.mul(layers, k.mul(dim, dim));
  s.wk = k.mul(layers, k.mul(kv_dim, dim));
  s.wv = s.wk;
  s.wo = s.wq;
  s.rms_ffn = s.rms_att;
  s.w1 = k.mul(layers, k.mul(hidden, dim));
  s.w2 = s.w1;
  s.w3 = s.w1;
  s.rms_final = dim;
  s.freq_cis_half = k.mul(uint64_t(c.seq_len), head_size) / 2;  // upstream: seq_len*head_size/2
  s.wcls = c.shared_classifier ? 0 : s.embedding;
  s.overflow = k.overflow;
  return s;
}

void check_checkpoint(const Checkpoint& ck) {
  const std::string problem = config_problem(ck.config);
  if (!problem.empty()) throw std::invalid_argument("checkpoint config: " + problem);
  const TensorSizes s = tensor_sizes(ck.config);
  if (s.overflow) throw std::invalid_argument("checkpoint config: tensor sizes overflow");
  const struct {
    const char* name;
    const std::vector<float>& t;
    uint64_t want;
  } tensors[] = {{"token_embedding", ck.token_embedding, s.embedding},
                 {"rms_att", ck.rms_att, s.rms_att},
                 {"wq", ck.wq, s.wq},
                 {"wk", ck.wk, s.wk},
                 {"wv", ck.wv, s.wv},
                 {"wo", ck.wo, s.wo},
                 {"rms_ffn", ck.rms_ffn, s.rms_ffn},
                 {"w1", ck.w1, s.w1},
                 {"w2", ck.w2, s.w2},
                 {"w3", ck.w3, s.w3},
                 {"rms_final", ck.rms_final, s.rms_final},
                 {"wcls", ck.wcls, s.wcls}};
  for (const auto& t : tensors)
    if (uint64_t(t.t.size()) != t.want)
      throw std::invalid_argument(std::string("checkpoint tensor ") + t.name + " has " +
                                  std::to_string(t.t.size()) + " values, the config needs " +
                                  std::to_string(t.want));
  // Biases: n_layers x (dim, kv_dim, kv_dim) with config.qkv_bias, else none.
  const uint64_t kv = s.wk / uint64_t(ck.config.dim) / uint64_t(ck.config.n_layers);
  const uint64_t L = uint64_t(ck.config.n_layers), on = ck.config.qkv_bias ? 1 : 0;
  if (uint64_t(ck.bq.size()) != on * L * uint64_t(ck.config.dim) || uint64_t(ck.bk.size()) != on * L * kv ||
      uint64_t(ck.bv.size()) != on * L * kv)
    throw std::invalid_argument(ck.config.qkv_bias
                                    ? "checkpoint biases bq, bk, bv need n_layers x dim, kv_dim, kv_dim values"
                                    : "checkpoint has biases but config.qkv_bias is false");
}

}  // namespace nineml::ref::internal
