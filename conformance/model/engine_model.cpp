// Builds an nm_model over reference-quantized weights (see engine_model.hpp).
#include "engine_model.hpp"

#include <stdexcept>
#include <string>

#include "formats/formats.h"
#include "model/forward.h"
#include "tokenizer.h"
#include "vocab_gen.hpp"

#include <cstring>
#include <deque>

namespace nineml::conformance {

struct EngineModel::Store {
  std::deque<ref::Q8Tensor> q8;
  std::deque<std::vector<uint8_t>> q4;
  std::deque<std::vector<uint16_t>> h16;
  std::vector<std::string> pieces;
  std::vector<char*> piece_ptrs;
  std::vector<int> piece_lens, types;
  std::vector<float> scores;
};

void EngineModel::attach_test_vocab() {
  const auto& v = fixtures::test_vocab();
  if (static_cast<int>(v.size()) != m_.cfg.vocab_size)
    throw std::invalid_argument("attach_test_vocab: the test vocabulary has " + std::to_string(v.size()) +
                                " tokens, the model's vocab_size is " + std::to_string(m_.cfg.vocab_size));
  Store& s = *store_;
  s.pieces.clear();
  for (const auto& e : v) {
    std::string p;
    for (char ch : e.piece) p += ch == ' ' ? std::string("\xe2\x96\x81") : std::string(1, ch);
    s.pieces.push_back(p);
    s.scores.push_back(e.score);
    const bool byte = e.piece.size() == 6 && e.piece.rfind("<0x", 0) == 0 && e.piece.back() == '>';
    s.types.push_back(s.types.size() == 0 ? NM_TOKTYPE_UNKNOWN
                      : s.types.size() <= 2 ? NM_TOKTYPE_CONTROL
                      : byte ? NM_TOKTYPE_BYTE : NM_TOKTYPE_NORMAL);
  }
  for (auto& p : s.pieces) {
    s.piece_ptrs.push_back(p.data());
    s.piece_lens.push_back(static_cast<int>(p.size()));
  }
  m_.vocab_n = static_cast<int>(v.size());
  m_.vocab_pieces = s.piece_ptrs.data();
  m_.vocab_piece_len = s.piece_lens.data();
  m_.vocab_scores = s.scores.data();
  m_.vocab_types = s.types.data();
}

nm_tensor EngineModel::make(const std::vector<float>& t, std::size_t offset, int rows, int cols, ref::Matrix role,
                            int layer) {
  nm_tensor x{};
  x.rows = rows;
  x.cols = cols;
  const std::size_t n = std::size_t(rows) * std::size_t(cols);
  std::span<const float> src(t.data() + offset, n);
  if (quant_.storage == ref::Storage::f32) {
    x.type = NM_T_F32;
    x.f = const_cast<float*>(src.data());
    return x;
  }
  if (quant_.storage == ref::Storage::q8) {
    store_->q8.push_back(ref::llama2c::q8_quantize(src, quant_.group_size, ref::Rounding::even));
    x.type = NM_T_Q8;
    x.group_size = quant_.group_size;
    x.q = reinterpret_cast<nm_i8*>(store_->q8.back().q.data());
    x.s = store_->q8.back().scales.data();
    return x;
  }
  // The GGUF storages: the type the storage (or its K-quant mix) gives this
  // matrix, made by the reference's quantizer for that type.
  const int type = ref::gguf_matrix_type(quant_.storage, role, layer, ck_.config.n_layers, cols,
                                         !ck_.config.shared_classifier);
  if (type == 8) {
    store_->q8.push_back(ref::llama2c::q8_0_gguf_quantize(src));
    x.type = NM_T_Q8;
    x.group_size = 32;
    x.q = reinterpret_cast<nm_i8*>(store_->q8.back().q.data());
    x.s = store_->q8.back().scales.data();
  } else if (type == 2) {
    store_->q4.push_back(ref::llama2c::q4_0_quantize(src));
    x.type = NM_T_Q4_0;
    x.group_size = 32;
    x.blocks = store_->q4.back().data();
  } else if (type == 1 || type == 30) {
    store_->h16.push_back(type == 30 ? ref::f32_to_bf16(src) : ref::f32_to_f16(src));
    x.type = type == 30 ? NM_T_BF16 : NM_T_F16;
    x.h = store_->h16.back().data();
  } else if (const auto b = ref::block_of_ggml_type(type)) {
    store_->q4.push_back(ref::llama2c::quantize(*b, src));
    x.type = NM_T_Q5_0 + static_cast<int>(*b);  // model.h orders NM_T_Q5_0..Q6_K as ref::Block
    x.group_size = ref::block_elems(*b);
    x.blocks = store_->q4.back().data();
  } else {
    throw std::logic_error("EngineModel: no tensor for GGML type " + std::to_string(type));
  }
  return x;
}

std::vector<nm_tensor> EngineModel::make_layers(const std::vector<float>& t, int rows, int cols, ref::Matrix role) {
  std::vector<nm_tensor> out;
  for (int l = 0; l < ck_.config.n_layers; l++)
    out.push_back(make(t, std::size_t(l) * std::size_t(rows) * std::size_t(cols), rows, cols, role, l));
  return out;
}

// The tensors point into store_; m_.owned holds only what nm_model_pack added.
EngineModel::~EngineModel() { nm_model_free(&m_); }

int EngineModel::pack(const nm_kernel_table* k) {
  if (nm_model_pack(&m_, k) != 0) throw std::runtime_error("EngineModel::pack: out of memory");
  int packed = m_.wcls.packed_for == k;
  for (auto* layers : {&wq_, &wk_, &wv_, &wo_, &w1_, &w2_, &w3_})
    for (const nm_tensor& t : *layers) packed += t.packed_for == k;
  return packed;
}

EngineModel::EngineModel(const ref::Checkpoint& ck, const ref::Quant& quant, const std::string& arch)
    : ck_(ck), quant_(quant), store_(std::make_shared<Store>()) {
  const ref::Config& p = ck_.config;
  nm_config& c = m_.cfg;
  std::strncpy(c.arch, arch.c_str(), sizeof c.arch - 1);
  std::strncpy(m_.format, "memory", sizeof m_.format - 1);
  c.dim = p.dim;
  c.hidden_dim = p.hidden_dim;
  c.n_layers = p.n_layers;
  c.n_heads = p.n_heads;
  c.n_kv_heads = p.n_kv_heads;
  c.vocab_size = p.vocab_size;
  c.seq_len = p.seq_len;
  c.rope_theta = p.rope_theta;
  c.norm_eps = p.norm_eps;
  c.sliding_window = p.sliding_window;
  c.rope_scaling.factor = p.rope_scaling.factor;
  c.rope_scaling.low_freq_factor = p.rope_scaling.low_freq_factor;
  c.rope_scaling.high_freq_factor = p.rope_scaling.high_freq_factor;
  c.rope_scaling.original_max_position = p.rope_scaling.original_max_position;
  c.shared_classifier = p.shared_classifier ? 1 : 0;
  // What the arch plugin sets on load (engine/arch/): the writers read them.
  c.rope_neox = arch == "qwen2" ? 1 : 0;
  c.qkv_bias = p.qkv_bias ? 1 : 0;
  if (p.qkv_bias) {
    m_.bq = ck_.bq.data();
    m_.bk = ck_.bk.data();
    m_.bv = ck_.bv.data();
  }
  const int kv_dim = p.dim / p.n_heads * p.n_kv_heads;
  m_.token_embedding = make(ck_.token_embedding, 0, p.vocab_size, p.dim, ref::Matrix::token_embd, -1);
  m_.wcls = p.shared_classifier ? m_.token_embedding : make(ck_.wcls, 0, p.vocab_size, p.dim, ref::Matrix::output, -1);
  m_.rms_att = ck_.rms_att.data();
  m_.rms_ffn = ck_.rms_ffn.data();
  m_.rms_final = ck_.rms_final.data();
  wq_ = make_layers(ck_.wq, p.dim, p.dim, ref::Matrix::attn_q);
  wk_ = make_layers(ck_.wk, kv_dim, p.dim, ref::Matrix::attn_k);
  wv_ = make_layers(ck_.wv, kv_dim, p.dim, ref::Matrix::attn_v);
  wo_ = make_layers(ck_.wo, p.dim, p.dim, ref::Matrix::attn_output);
  w1_ = make_layers(ck_.w1, p.hidden_dim, p.dim, ref::Matrix::ffn_gate);
  w2_ = make_layers(ck_.w2, p.dim, p.hidden_dim, ref::Matrix::ffn_down);
  w3_ = make_layers(ck_.w3, p.hidden_dim, p.dim, ref::Matrix::ffn_up);
  m_.wq = wq_.data();
  m_.wk = wk_.data();
  m_.wv = wv_.data();
  m_.wo = wo_.data();
  m_.w1 = w1_.data();
  m_.w2 = w2_.data();
  m_.w3 = w3_.data();
}

}  // namespace nineml::conformance
