// The forward pass of NUMERICS.md, once per mode, read top to bottom like
// run.c's forward(). llama2c mode calls the public llama2c:: kernels, so the
// whole model is exactly the composition of the kernels that are checked one
// by one; exact mode runs the same steps with a float64 state and KV cache.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "internal/exact_ops.hpp"
#include "internal/layout.hpp"
#include "reference.hpp"

namespace nineml::ref {

namespace {

// Layer l's slice of a tensor holding n_layers blocks of `per_layer` floats.
std::span<const float> layer(const std::vector<float>& t, int l, std::size_t per_layer) {
  return std::span<const float>(t).subspan(static_cast<std::size_t>(l) * per_layer, per_layer);
}

}  // namespace

struct Transformer::Impl {
  Checkpoint ck;  // a private copy: the caller's checkpoint may go away
  Mode mode;
  std::size_t dim, hidden, kv_dim, head_size, vocab;
  // KV caches [layer][position][kv_dim]; only the one for `mode` is used.
  std::vector<float> key_f, value_f;
  std::vector<double> key_d, value_d;

  Impl(const Checkpoint& c, Mode m) : ck(c), mode(m) {
    internal::check_checkpoint(ck);
    const Config& p = ck.config;
    dim = std::size_t(p.dim);
    hidden = std::size_t(p.hidden_dim);
    head_size = dim / std::size_t(p.n_heads);
    kv_dim = head_size * std::size_t(p.n_kv_heads);
    vocab = std::size_t(p.vocab_size);
    const std::size_t cache = std::size_t(p.n_layers) * std::size_t(p.seq_len) * kv_dim;
    if (mode == Mode::llama2c) {
      key_f.assign(cache, 0.0f);
      value_f.assign(cache, 0.0f);
    } else {
      key_d.assign(cache, 0.0);
      value_d.assign(cache, 0.0);
    }
  }

  std::vector<double> forward_llama2c(int token, int pos);
  std::vector<double> forward_exact(int token, int pos);
};

std::vector<double> Transformer::Impl::forward_llama2c(int token, int pos) {
  namespace k = llama2c;
  const Config& p = ck.config;
  const int d = p.dim, h = p.hidden_dim, kvd = int(kv_dim), hs = int(head_size);
  std::vector<float> x(ck.token_embedding.begin() + std::ptrdiff_t(std::size_t(token) * dim),
                       ck.token_embedding.begin() + std::ptrdiff_t(std::size_t(token + 1) * dim));
  const std::size_t layer_cache = std::size_t(p.seq_len) * kv_dim;
  for (int l = 0; l < p.n_layers; l++) {
    // Attention block.
    std::vector<float> xb = k::rmsnorm(x, layer(ck.rms_att, l, dim), p.norm_eps);
    std::vector<float> q = k::matmul(xb, layer(ck.wq, l, dim * dim), d, d);
    std::vector<float> kk = k::matmul(xb, layer(ck.wk, l, kv_dim * dim), d, kvd);
    std::vector<float> v = k::matmul(xb, layer(ck.wv, l, kv_dim * dim), d, kvd);
    q = k::rope(q, hs, pos, p.rope_theta);
    kk = k::rope(kk, hs, pos, p.rope_theta);
    float* kc = key_f.data() + std::size_t(l) * layer_cache;
    float* vc = value_f.data() + std::size_t(l) * layer_cache;
    std::copy(kk.begin(), kk.end(), kc + std::size_t(pos) * kv_dim);
    std::copy(v.begin(), v.end(), vc + std::size_t(pos) * kv_dim);
    const std::size_t used = std::size_t(pos + 1) * kv_dim;
    const std::vector<float> att = k::attention(q, std::span<const float>(kc, used), std::span<const float>(vc, used),
                                                p.n_heads, p.n_kv_heads, hs, pos, p.sliding_window);
    x = k::residual_add(x, k::matmul(att, layer(ck.wo, l, dim * dim), d, d));
    // Feed-forward block (SwiGLU).
    xb = k::rmsnorm(x, layer(ck.rms_ffn, l, dim), p.norm_eps);
    const std::vector<float> hb = k::matmul(xb, layer(ck.w1, l, hidden * dim), d, h);
    const std::vector<float> hb2 = k::matmul(xb, layer(ck.w3, l, hidden * dim), d, h);
    x = k::residual_add(x, k::matmul(k::swiglu(hb, hb2), layer(ck.w2, l, dim * hidden), h, d));
  }
  x = k::rmsnorm(x, ck.rms_final, p.norm_eps);
  const std::vector<float> logits = k::matmul(x, ck.classifier(), d, p.vocab_size);
  return std::vector<double>(logits.begin(), logits.end());
}

std::vector<double> Transformer::Impl::forward_exact(int token, int pos) {
  using namespace internal;
  using dspan = std::span<const double>;
  const Config& p = ck.config;
  const int d = p.dim, h = p.hidden_dim, kvd = int(kv_dim), hs = int(head_size);
  const double eps = p.norm_eps, theta = p.rope_theta;
  std::vector<double> x(ck.token_embedding.begin() + std::ptrdiff_t(std::size_t(token) * dim),
                        ck.token_embedding.begin() + std::ptrdiff_t(std::size_t(token + 1) * dim));
  const std::size_t layer_cache = std::size_t(p.seq_len) * kv_dim;
  auto add = [](std::vector<double>& a, const std::vector<double>& b) {
    for (std::size_t i = 0; i < a.size(); i++) a[i] += b[i];
  };
  for (int l = 0; l < p.n_layers; l++) {
    std::vector<double> xb = exact_rmsnorm<double>(x, layer(ck.rms_att, l, dim), eps);
    std::vector<double> q = exact_matmul<double>(xb, layer(ck.wq, l, dim * dim), d, d);
    std::vector<double> kk = exact_matmul<double>(xb, layer(ck.wk, l, kv_dim * dim), d, kvd);
    const std::vector<double> v = exact_matmul<double>(xb, layer(ck.wv, l, kv_dim * dim), d, kvd);
    q = exact_rope<double>(q, hs, pos, theta);
    kk = exact_rope<double>(kk, hs, pos, theta);
    double* kc = key_d.data() + std::size_t(l) * layer_cache;
    double* vc = value_d.data() + std::size_t(l) * layer_cache;
    std::copy(kk.begin(), kk.end(), kc + std::size_t(pos) * kv_dim);
    std::copy(v.begin(), v.end(), vc + std::size_t(pos) * kv_dim);
    const std::size_t used = std::size_t(pos + 1) * kv_dim;
    const std::vector<double> att = exact_attention<double>(q, dspan(kc, used), dspan(vc, used), p.n_heads,
                                                            p.n_kv_heads, hs, pos, p.sliding_window);
    add(x, exact_matmul<double>(att, layer(ck.wo, l, dim * dim), d, d));
    xb = exact_rmsnorm<double>(x, layer(ck.rms_ffn, l, dim), eps);
    const std::vector<double> hb = exact_matmul<double>(xb, layer(ck.w1, l, hidden * dim), d, h);
    const std::vector<double> hb2 = exact_matmul<double>(xb, layer(ck.w3, l, hidden * dim), d, h);
    add(x, exact_matmul<double>(exact_swiglu<double>(hb, hb2), layer(ck.w2, l, dim * hidden), h, d));
  }
  x = exact_rmsnorm<double>(x, ck.rms_final, eps);
  return exact_matmul<double>(x, ck.classifier(), d, p.vocab_size);
}

Transformer::Transformer(const Checkpoint& ck, Mode mode) : impl_(new Impl(ck, mode)) {}

Transformer::~Transformer() { delete impl_; }

Mode Transformer::mode() const { return impl_->mode; }

std::vector<double> Transformer::forward(int token, int pos) {
  const Config& p = impl_->ck.config;
  if (token < 0 || token >= p.vocab_size)
    throw std::out_of_range("Transformer::forward: token " + std::to_string(token) + " outside the vocabulary");
  if (pos < 0 || pos >= p.seq_len)
    throw std::out_of_range("Transformer::forward: position " + std::to_string(pos) + " outside 0..seq_len-1");
  return impl_->mode == Mode::llama2c ? impl_->forward_llama2c(token, pos) : impl_->forward_exact(token, pos);
}

}  // namespace nineml::ref
