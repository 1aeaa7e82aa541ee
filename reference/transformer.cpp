// The forward pass of docs/FORWARD.md, once per mode, read top to bottom like
// run.c's forward(). llama2c mode calls the public llama2c:: kernels, so the
// whole model is exactly the composition of the kernels that are checked one
// by one; exact mode runs the same steps with a float64 state and KV cache.
// Quantized storage (Quant) follows runq: every matmul quantizes its input.
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

// One weight matrix in its quantized storage. runq's q8 uses q8; a GGUF
// storage gives each matrix a GGML type (gguf_matrix_type: the storage's
// type, or the mix's or fallback's choice) and fills the field for it.
struct QMatrix {
  int type = -1;                // GGML type; -1 for q8 (runq)
  Q8Tensor q8;                  // q8, Q8_0
  std::vector<uint8_t> blocks;  // Q4_0 and the Block types
  std::vector<float> wide;      // F16 (a fallback of the K types): the widened values
};

// Where a matrix sits, for the mix: its role, layer (-1: none), row length.
struct Site {
  Matrix role;
  int layer, row_len;
};

QMatrix quantize_matrix(std::span<const float> w, const Quant& quant, const Config& p, const Site& at) {
  QMatrix m;
  if (quant.storage == Storage::q8) {
    m.q8 = llama2c::q8_quantize(w, quant.group_size, Rounding::even);
    return m;
  }
  m.type = gguf_matrix_type(quant.storage, at.role, at.layer, p.n_layers, at.row_len, !p.shared_classifier);
  if (m.type == 8) m.q8 = llama2c::q8_0_gguf_quantize(w);
  else if (m.type == 2) m.blocks = llama2c::q4_0_quantize(w);
  else if (m.type == 1) m.wide = llama2c::f16_to_f32(f32_to_f16(w));
  else if (const auto b = block_of_ggml_type(m.type)) m.blocks = llama2c::quantize(*b, w);
  else throw std::logic_error("Transformer: no quantizer for GGML type " + std::to_string(m.type));
  return m;
}

std::vector<float> dequantize_matrix(const QMatrix& m, std::size_t n) {
  if (m.type == -1 || m.type == 8) return llama2c::q8_dequantize(m.q8);
  if (m.type == 2) return llama2c::dequant_q4_0(m.blocks, int(n));
  if (m.type == 1) return m.wide;
  return llama2c::dequant(*block_of_ggml_type(m.type), m.blocks, int(n));
}

// Per-layer matrices of one stacked tensor.
std::vector<QMatrix> quantize_layers(const std::vector<float>& t, std::size_t per_layer, const Quant& quant,
                                     const Config& p, Matrix role, int row_len) {
  std::vector<QMatrix> out;
  for (int l = 0; l < p.n_layers; l++)
    out.push_back(quantize_matrix(layer(t, l, per_layer), quant, p, Site{role, l, row_len}));
  return out;
}

}  // namespace

const char* storage_name(Storage s) {
  switch (s) {
    case Storage::f32: return "f32";
    case Storage::q8: return "q8";
    case Storage::q4_0: return "q4_0";
    case Storage::q8_0: return "q8_0";
    case Storage::f16: return "f16";
    case Storage::bf16: return "bf16";
    case Storage::q5_0: return "q5_0";
    case Storage::q5_1: return "q5_1";
    case Storage::q2_k: return "q2_k";
    case Storage::q3_k: return "q3_k";
    case Storage::q4_k: return "q4_k";
    case Storage::q5_k: return "q5_k";
    case Storage::q6_k: return "q6_k";
    case Storage::q4_k_m: return "q4_k_m";
    case Storage::q5_k_m: return "q5_k_m";
  }
  return "?";
}

std::optional<Storage> storage_from_name(std::string_view name) {
  for (Storage s : {Storage::f32, Storage::q8, Storage::q4_0, Storage::q8_0, Storage::f16, Storage::bf16, Storage::q5_0,
                    Storage::q5_1, Storage::q2_k, Storage::q3_k, Storage::q4_k, Storage::q5_k, Storage::q6_k,
                    Storage::q4_k_m, Storage::q5_k_m})
    if (name == storage_name(s)) return s;
  return std::nullopt;
}

struct Transformer::Impl {
  Checkpoint ck;  // a private copy: the caller's checkpoint may go away
  Mode mode;
  Quant quant;
  // Quantized weights (llama2c mode with q8/q4_0 storage).
  std::vector<QMatrix> qwq, qwk, qwv, qwo, qw1, qw2, qw3;
  QMatrix qcls;
  // Scaled RoPE frequencies when config.rope_scaling.factor > 0.
  std::vector<float> freqs_f;
  std::vector<double> freqs_d;
  std::size_t dim, hidden, kv_dim, head_size, vocab;
  // KV caches [layer][position][kv_dim]; only the one for `mode` is used.
  std::vector<float> key_f, value_f;
  std::vector<double> key_d, value_d;

  Impl(const Checkpoint& c, Mode m, const Quant& q) : ck(c), mode(m), quant(q) {
    internal::check_checkpoint(ck);
    const Config& p = ck.config;
    if (quant.storage == Storage::q8 &&
        (quant.group_size <= 0 || p.dim % quant.group_size != 0 || p.hidden_dim % quant.group_size != 0))
      throw std::invalid_argument("Transformer: q8 group size must divide dim and hidden_dim");
    // GGUF block storages: rows a multiple of 32 (the K types fall back per
    // matrix when a row is not a multiple of 256).
    if (quantized() && quant.storage != Storage::q8 && (p.dim % 32 != 0 || p.hidden_dim % 32 != 0))
      throw std::invalid_argument(std::string("Transformer: ") + storage_name(quant.storage) +
                                  " needs dim and hidden_dim multiples of 32");
    if (p.rope_scaling.factor > 0.0f) {
      const RopeScaling& rs = p.rope_scaling;
      if (!(rs.low_freq_factor > 0.0f && rs.high_freq_factor > rs.low_freq_factor && rs.original_max_position > 0))
        throw std::invalid_argument("Transformer: rope scaling needs 0 < low_freq_factor < high_freq_factor");
    }
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
    const int hs = int(head_size);
    if (p.rope_scaling.factor > 0.0f) {
      freqs_f = llama2c::rope_freqs(hs, p.rope_theta, p.rope_scaling);
      freqs_d = exact::rope_freqs(hs, p.rope_theta, p.rope_scaling);
    }
    if (quant.storage == Storage::f16 || quant.storage == Storage::bf16) round_weights();
    else if (quantized()) quantize_weights();
  }

  // Integer storages (runq: x quantized before every matmul).
  bool quantized() const {
    return quant.storage != Storage::f32 && quant.storage != Storage::f16 && quant.storage != Storage::bf16;
  }

  // f16/bf16 storage: every matrix rounded to the 16-bit format and widened
  // back (exact), so both modes run their f32 steps on the stored values.
  void round_weights() {
    const bool bf16 = quant.storage == Storage::bf16;
    for (std::vector<float>* t : {&ck.token_embedding, &ck.wq, &ck.wk, &ck.wv, &ck.wo, &ck.w1, &ck.w2, &ck.w3,
                                  &ck.wcls}) {
      if (t->empty()) continue;
      const std::vector<uint16_t> h = bf16 ? f32_to_bf16(*t) : f32_to_f16(*t);
      const std::vector<float> back = bf16 ? llama2c::bf16_to_f32(h) : llama2c::f16_to_f32(h);
      std::copy(back.begin(), back.end(), t->begin());
    }
  }

  // runq's load: every matrix quantized (the classifier from the original
  // embedding when shared), the embedding table then dequantized. Exact mode
  // keeps only the dequantized values (as float: q*s rounded like runq's
  // dequantize; Q4_0's d*(q-8) is exact).
  void quantize_weights() {
    const Config& p = ck.config;
    const int L = p.n_layers;
    const int d = p.dim, h = p.hidden_dim;
    qwq = quantize_layers(ck.wq, dim * dim, quant, p, Matrix::attn_q, d);
    qwk = quantize_layers(ck.wk, kv_dim * dim, quant, p, Matrix::attn_k, d);
    qwv = quantize_layers(ck.wv, kv_dim * dim, quant, p, Matrix::attn_v, d);
    qwo = quantize_layers(ck.wo, dim * dim, quant, p, Matrix::attn_output, d);
    qw1 = quantize_layers(ck.w1, hidden * dim, quant, p, Matrix::ffn_gate, d);
    qw2 = quantize_layers(ck.w2, dim * hidden, quant, p, Matrix::ffn_down, h);
    qw3 = quantize_layers(ck.w3, hidden * dim, quant, p, Matrix::ffn_up, d);
    // A shared classifier is the embedding, typed as llama.cpp types it.
    qcls = quantize_matrix(ck.classifier(), quant, p, Site{p.shared_classifier ? Matrix::token_embd : Matrix::output, -1, d});
    const QMatrix emb =
        p.shared_classifier ? qcls : quantize_matrix(ck.token_embedding, quant, p, Site{Matrix::token_embd, -1, d});
    ck.token_embedding = dequantize_matrix(emb, vocab * dim);
    if (mode == Mode::exact) {
      auto back = [&](std::vector<float>& t, const std::vector<QMatrix>& qm, std::size_t per_layer) {
        for (int l = 0; l < L; l++) {
          const std::vector<float> w = dequantize_matrix(qm[std::size_t(l)], per_layer);
          std::copy(w.begin(), w.end(), t.begin() + std::ptrdiff_t(std::size_t(l) * per_layer));
        }
      };
      back(ck.wq, qwq, dim * dim);
      back(ck.wk, qwk, kv_dim * dim);
      back(ck.wv, qwv, kv_dim * dim);
      back(ck.wo, qwo, dim * dim);
      back(ck.w1, qw1, hidden * dim);
      back(ck.w2, qw2, dim * hidden);
      back(ck.w3, qw3, hidden * dim);
      if (!p.shared_classifier) ck.wcls = dequantize_matrix(qcls, vocab * dim);
    }
  }

  // out = W x in llama2c mode for the storage: f32 matmul, or quantize x
  // (runq rounding, ties away) and run the integer matmul of the matrix's
  // type (an F16 fallback matrix: f32 matmul on its widened values).
  std::vector<float> linear(const std::vector<float>& x, std::span<const float> w, const QMatrix* qm, int n, int d) {
    if (qm == nullptr) return llama2c::matmul(x, w, n, d);
    if (quant.storage == Storage::q8)
      return llama2c::matmul_q8(llama2c::q8_quantize(x, quant.group_size, Rounding::away), qm->q8, n, d);
    if (qm->type == 1) return llama2c::matmul(x, qm->wide, n, d);
    const Q8Tensor xq = llama2c::q8_quantize(x, 32, Rounding::away);
    if (qm->type == 8) return llama2c::matmul_q8(xq, qm->q8, n, d);
    if (qm->type == 2) return llama2c::matmul_q4_0(xq, qm->blocks, n, d);
    return llama2c::matmul_blocks(*block_of_ggml_type(qm->type), xq, qm->blocks, n, d);
  }

  std::vector<float> rope_f(const std::vector<float>& v, int pos) {
    if (!freqs_f.empty()) return llama2c::rope(v, int(head_size), pos, freqs_f);
    return llama2c::rope(v, int(head_size), pos, ck.config.rope_theta);
  }
  std::vector<double> rope_d(const std::vector<double>& v, int pos) {
    if (!freqs_d.empty()) return exact::rope(v, int(head_size), pos, freqs_d);
    return internal::exact_rope<double>(v, int(head_size), pos, ck.config.rope_theta);
  }

  std::vector<double> forward_llama2c(int token, int pos, const Transformer::Observer& o);
  std::vector<double> forward_exact(int token, int pos, const Transformer::Observer& o);
};

std::vector<double> Transformer::Impl::forward_llama2c(int token, int pos, const Transformer::Observer& o) {
  namespace k = llama2c;
  auto see = [&](int l, const char* step, std::vector<float>& v) {
    if (o.on_float) o.on_float(l, step, std::span<float>(v));
  };
  const Config& p = ck.config;
  const int d = p.dim, h = p.hidden_dim, kvd = int(kv_dim), hs = int(head_size);
  std::vector<float> x(ck.token_embedding.begin() + std::ptrdiff_t(std::size_t(token) * dim),
                       ck.token_embedding.begin() + std::ptrdiff_t(std::size_t(token + 1) * dim));
  const std::size_t layer_cache = std::size_t(p.seq_len) * kv_dim;
  see(0, "embedding", x);
  for (int l = 0; l < p.n_layers; l++) {
    // Attention block.
    std::vector<float> xb = k::rmsnorm(x, layer(ck.rms_att, l, dim), p.norm_eps);
    see(l, "attn_norm", xb);
    const std::size_t L = std::size_t(l);
    const bool qz = quantized();
    std::vector<float> q = linear(xb, layer(ck.wq, l, dim * dim), qz ? &qwq[L] : nullptr, d, d);
    std::vector<float> kk = linear(xb, layer(ck.wk, l, kv_dim * dim), qz ? &qwk[L] : nullptr, d, kvd);
    std::vector<float> v = linear(xb, layer(ck.wv, l, kv_dim * dim), qz ? &qwv[L] : nullptr, d, kvd);
    if (p.qkv_bias) {
      q = k::residual_add(q, layer(ck.bq, l, dim));
      kk = k::residual_add(kk, layer(ck.bk, l, kv_dim));
      v = k::residual_add(v, layer(ck.bv, l, kv_dim));
    }
    see(l, "q", q);
    see(l, "k", kk);
    see(l, "v", v);
    q = rope_f(q, pos);
    kk = rope_f(kk, pos);
    see(l, "q_rope", q);
    see(l, "k_rope", kk);
    float* kc = key_f.data() + std::size_t(l) * layer_cache;
    float* vc = value_f.data() + std::size_t(l) * layer_cache;
    std::copy(kk.begin(), kk.end(), kc + std::size_t(pos) * kv_dim);
    std::copy(v.begin(), v.end(), vc + std::size_t(pos) * kv_dim);
    const std::size_t used = std::size_t(pos + 1) * kv_dim;
    std::vector<float> att = k::attention(q, std::span<const float>(kc, used), std::span<const float>(vc, used),
                                          p.n_heads, p.n_kv_heads, hs, pos, p.sliding_window);
    see(l, "attn_out", att);
    std::vector<float> wo = linear(att, layer(ck.wo, l, dim * dim), qz ? &qwo[L] : nullptr, d, d);
    see(l, "wo", wo);
    x = k::residual_add(x, wo);
    see(l, "x_attn", x);
    // Feed-forward block (SwiGLU).
    xb = k::rmsnorm(x, layer(ck.rms_ffn, l, dim), p.norm_eps);
    see(l, "ffn_norm", xb);
    std::vector<float> hb = linear(xb, layer(ck.w1, l, hidden * dim), qz ? &qw1[L] : nullptr, d, h);
    std::vector<float> hb2 = linear(xb, layer(ck.w3, l, hidden * dim), qz ? &qw3[L] : nullptr, d, h);
    see(l, "w1", hb);
    see(l, "w3", hb2);
    std::vector<float> g = k::swiglu(hb, hb2);
    see(l, "swiglu", g);
    std::vector<float> w2 = linear(g, layer(ck.w2, l, dim * hidden), qz ? &qw2[L] : nullptr, h, d);
    see(l, "w2", w2);
    x = k::residual_add(x, w2);
    see(l, "x_ffn", x);
  }
  x = k::rmsnorm(x, ck.rms_final, p.norm_eps);
  see(-1, "final_norm", x);
  std::vector<float> logits = linear(x, ck.classifier(), quantized() ? &qcls : nullptr, d, p.vocab_size);
  see(-1, "logits", logits);
  return std::vector<double>(logits.begin(), logits.end());
}

std::vector<double> Transformer::Impl::forward_exact(int token, int pos, const Transformer::Observer& o) {
  using namespace internal;
  auto see = [&](int l, const char* step, std::vector<double>& v) {
    if (o.on_double) o.on_double(l, step, std::span<double>(v));
  };
  using dspan = std::span<const double>;
  const Config& p = ck.config;
  const int d = p.dim, h = p.hidden_dim, kvd = int(kv_dim), hs = int(head_size);
  const double eps = p.norm_eps;
  std::vector<double> x(ck.token_embedding.begin() + std::ptrdiff_t(std::size_t(token) * dim),
                        ck.token_embedding.begin() + std::ptrdiff_t(std::size_t(token + 1) * dim));
  const std::size_t layer_cache = std::size_t(p.seq_len) * kv_dim;
  auto add = [](std::vector<double>& a, const std::vector<double>& b) {
    for (std::size_t i = 0; i < a.size(); i++) a[i] += b[i];
  };
  auto widen = [](std::span<const float> b) { return std::vector<double>(b.begin(), b.end()); };
  see(0, "embedding", x);
  for (int l = 0; l < p.n_layers; l++) {
    std::vector<double> xb = exact_rmsnorm<double>(x, layer(ck.rms_att, l, dim), eps);
    see(l, "attn_norm", xb);
    std::vector<double> q = exact_matmul<double>(xb, layer(ck.wq, l, dim * dim), d, d);
    std::vector<double> kk = exact_matmul<double>(xb, layer(ck.wk, l, kv_dim * dim), d, kvd);
    std::vector<double> v = exact_matmul<double>(xb, layer(ck.wv, l, kv_dim * dim), d, kvd);
    if (p.qkv_bias) {
      add(q, widen(layer(ck.bq, l, dim)));
      add(kk, widen(layer(ck.bk, l, kv_dim)));
      add(v, widen(layer(ck.bv, l, kv_dim)));
    }
    see(l, "q", q);
    see(l, "k", kk);
    see(l, "v", v);
    q = rope_d(q, pos);
    kk = rope_d(kk, pos);
    see(l, "q_rope", q);
    see(l, "k_rope", kk);
    double* kc = key_d.data() + std::size_t(l) * layer_cache;
    double* vc = value_d.data() + std::size_t(l) * layer_cache;
    std::copy(kk.begin(), kk.end(), kc + std::size_t(pos) * kv_dim);
    std::copy(v.begin(), v.end(), vc + std::size_t(pos) * kv_dim);
    const std::size_t used = std::size_t(pos + 1) * kv_dim;
    std::vector<double> att = exact_attention<double>(q, dspan(kc, used), dspan(vc, used), p.n_heads,
                                                      p.n_kv_heads, hs, pos, p.sliding_window);
    see(l, "attn_out", att);
    std::vector<double> wo = exact_matmul<double>(att, layer(ck.wo, l, dim * dim), d, d);
    see(l, "wo", wo);
    add(x, wo);
    see(l, "x_attn", x);
    xb = exact_rmsnorm<double>(x, layer(ck.rms_ffn, l, dim), eps);
    see(l, "ffn_norm", xb);
    std::vector<double> hb = exact_matmul<double>(xb, layer(ck.w1, l, hidden * dim), d, h);
    std::vector<double> hb2 = exact_matmul<double>(xb, layer(ck.w3, l, hidden * dim), d, h);
    see(l, "w1", hb);
    see(l, "w3", hb2);
    std::vector<double> g = exact_swiglu<double>(hb, hb2);
    see(l, "swiglu", g);
    std::vector<double> w2 = exact_matmul<double>(g, layer(ck.w2, l, dim * hidden), h, d);
    see(l, "w2", w2);
    add(x, w2);
    see(l, "x_ffn", x);
  }
  x = exact_rmsnorm<double>(x, ck.rms_final, eps);
  see(-1, "final_norm", x);
  std::vector<double> logits = exact_matmul<double>(x, ck.classifier(), d, p.vocab_size);
  see(-1, "logits", logits);
  return logits;
}

Transformer::Transformer(const Checkpoint& ck, Mode mode) : impl_(new Impl(ck, mode, Quant{})) {}

Transformer::Transformer(const Checkpoint& ck, Mode mode, const Quant& quant) : impl_(new Impl(ck, mode, quant)) {}

Transformer::~Transformer() { delete impl_; }

Mode Transformer::mode() const { return impl_->mode; }

std::vector<double> Transformer::forward(int token, int pos) { return forward(token, pos, Observer{}); }

std::vector<double> Transformer::forward(int token, int pos, const Observer& observer) {
  const Config& p = impl_->ck.config;
  if (token < 0 || token >= p.vocab_size)
    throw std::out_of_range("Transformer::forward: token " + std::to_string(token) + " outside the vocabulary");
  if (pos < 0 || pos >= p.seq_len)
    throw std::out_of_range("Transformer::forward: position " + std::to_string(pos) + " outside 0..seq_len-1");
  return impl_->mode == Mode::llama2c ? impl_->forward_llama2c(token, pos, observer)
                                       : impl_->forward_exact(token, pos, observer);
}

}  // namespace nineml::ref
