// GGUF v3: metadata for the architecture, optional embedded vocabulary,
// general.file_type, tensors F32/F16/BF16/Q8_0/Q4_0 or a block type
// (ref::Block), chosen per matrix by ref::gguf_matrix_type (norms always
// F32), data aligned to 32.
#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "kernels.h"
#include "sink.hpp"
#include "writer_parts.hpp"

namespace nineml::writers {

namespace {

enum { T_U32 = 4, T_I32 = 5, T_F32 = 6, T_STR = 8, T_ARR = 9 };
constexpr uint64_t kAlign = 32;

struct Kv {
  Sink s;
  uint64_t n = 0;
  void key(const std::string& k, uint32_t type) { s.str(k); s.u32(type); n++; }
  void u32(const std::string& k, uint32_t v) { key(k, T_U32); s.u32(v); }
  void f32(const std::string& k, float v) { key(k, T_F32); s.f32(v); }
  void str(const std::string& k, const std::string& v) { key(k, T_STR); s.str(v); }
};

// A tensor to write: its info up front, its bytes encoded only when the
// data section reaches it (one tensor in memory at a time).
struct Tensor {
  std::string name;
  std::vector<uint64_t> ne;  // ne[0] fastest
  uint32_t type;
  const nm_tensor* t = nullptr;  // a matrix, or
  const float* v = nullptr;      // a norm or bias vector of ne[0] floats
  uint64_t bytes = 0;            // its encoded size, known from shape and type
  int half_split = 0;            // > 0: rows (or elements) go out half-split, heads of this many
};

// Values per block and bytes per block of a GGML type (1 and the element
// size for the float types).
std::pair<uint64_t, uint64_t> block_shape(uint32_t type) {
  switch (type) {
    case 0: return {1, 4};
    case 1: case 30: return {1, 2};
    case 8: return {32, 34};
    case 2: return {32, 18};
  }
  const ref::Block b = *ref::block_of_ggml_type(static_cast<int>(type));
  return {static_cast<uint64_t>(ref::block_elems(b)), static_cast<uint64_t>(ref::block_bytes(b))};
}

// n floats encoded as GGML type `type`, straight into the file in chunks
// (a chunk is whole blocks of 256, so the bytes are those of one call).
void put_encoded(OutFile& s, const nm_model& m, const float* f, size_t n, uint32_t type) {
  constexpr size_t kChunk = 256 * 256;
  Sink enc;
  for (size_t at = 0; at < n; at += kChunk) {
    size_t k = std::min(kChunk, n - at);
    if (type == 0) {
      s.floats(f + at, k);
      nm_model_drop(&m, f + at, k * sizeof(float));  // source pages go back once written
      continue;
    }
    enc.b.clear();
    if (type == 1) {
      for (size_t i = 0; i < k; i++) enc.u16(nm_float_to_half(f[at + i]));
    } else if (type == 30) {
      for (size_t i = 0; i < k; i++) enc.u16(to_bf16(f[at + i]));
    } else if (type == 8 || type == 2) {
      enc.b.resize(k / 32 * (type == 8 ? 34 : 18));
      if (type == 8)
        nm_q8_0_quantize(enc.b.data(), f + at, static_cast<int>(k));
      else
        nm_q4_0_quantize(enc.b.data(), f + at, static_cast<int>(k));
    } else {
      // The block types: llama.cpp's reference quantizers (reference/quant_*.cpp).
      enc.b = ref::llama2c::quantize(*ref::block_of_ggml_type(static_cast<int>(type)), std::span<const float>(f + at, k));
    }
    s.bytes(enc.b);
    nm_model_drop(&m, f + at, k * sizeof(float));
  }
}

Tensor matrix(const std::string& name, const nm_tensor& t, uint32_t type, const std::string& path) {
  const auto [elems, bytes] = block_shape(type);
  if (static_cast<uint64_t>(t.cols) % elems != 0)
    throw std::runtime_error(path + ": tensor '" + name + "' has row length " + std::to_string(t.cols) +
                             ", not a multiple of the block size " + std::to_string(elems));
  uint64_t n = static_cast<uint64_t>(t.rows) * static_cast<uint64_t>(t.cols);
  return Tensor{name, {static_cast<uint64_t>(t.cols), static_cast<uint64_t>(t.rows)}, type, &t, nullptr,
                n / elems * bytes};
}

void put_matrix(OutFile& s, const nm_model& m, const Tensor& x, const std::string& path) {
  const nm_tensor& t = *x.t;
  uint64_t start = s.size();
  if (x.type == 2 && t.type == NM_T_Q4_0) {
    // already Q4_0: the blocks bit for bit (rows moved whole when half-split)
    if (x.half_split > 0) {
      const uint64_t row = x.bytes / static_cast<uint64_t>(t.rows);
      std::vector<uint8_t> b(t.blocks, t.blocks + x.bytes);
      s.bytes(unpermute_rows(b, t.rows, row, x.half_split));
    } else {
      s.bytes(t.blocks, x.bytes);
    }
  } else {
    FloatView v = float_view(t);
    if (x.half_split > 0) {  // a permuted copy (wq, wk: dim rows at most); rows quantize alone
      v.own = unpermute_qk(std::vector<float>(v.p, v.p + v.n), t.rows, t.cols, x.half_split);
      v.p = v.own.data();
    }
    put_encoded(s, m, v.p, v.n, x.type);
  }
  if (s.size() - start != x.bytes)
    throw std::logic_error(path + ": tensor '" + x.name + "' encoded to an unexpected size");
}

Tensor vec(const std::string& name, const float* p, int n) {
  return Tensor{name, {static_cast<uint64_t>(n)}, 0, nullptr, p, 4 * static_cast<uint64_t>(n)};
}

}  // namespace

void write_gguf(const nm_model& m, const std::string& path, ref::Storage storage) {
  const nm_config& c = m.cfg;
  // llama.cpp's architecture names: llama2 and llama3 are "llama".
  const std::string a = c.arch;
  std::string arch = a == "mistral" || a == "qwen2" ? a : "llama";
  Kv kv;
  kv.str("general.architecture", arch);
  kv.u32("general.alignment", kAlign);
  kv.u32("general.file_type", static_cast<uint32_t>(ref::gguf_file_type(storage)));  // llama.cpp's ftype
  kv.u32("general.quantization_version", 2);  // ggml's GGML_QNT_VERSION: the block layouts written here
  kv.u32(arch + ".context_length", static_cast<uint32_t>(c.seq_len));
  kv.u32(arch + ".embedding_length", static_cast<uint32_t>(c.dim));
  kv.u32(arch + ".block_count", static_cast<uint32_t>(c.n_layers));
  kv.u32(arch + ".feed_forward_length", static_cast<uint32_t>(c.hidden_dim));
  kv.u32(arch + ".attention.head_count", static_cast<uint32_t>(c.n_heads));
  kv.u32(arch + ".attention.head_count_kv", static_cast<uint32_t>(c.n_kv_heads));
  kv.u32(arch + ".rope.dimension_count", static_cast<uint32_t>(c.dim / c.n_heads));
  kv.u32(arch + ".vocab_size", static_cast<uint32_t>(c.vocab_size));
  kv.f32(arch + ".rope.freq_base", c.rope_theta);
  kv.f32(arch + ".attention.layer_norm_rms_epsilon", c.norm_eps);
  if (c.rope_scaling.factor != 0.0f) {
    kv.str(arch + ".rope.scaling.type", "llama3");
    kv.f32(arch + ".rope.scaling.factor", c.rope_scaling.factor);
    kv.f32(arch + ".rope.scaling.low_freq_factor", c.rope_scaling.low_freq_factor);
    kv.f32(arch + ".rope.scaling.high_freq_factor", c.rope_scaling.high_freq_factor);
    kv.u32(arch + ".rope.scaling.original_context_length", static_cast<uint32_t>(c.rope_scaling.original_max_position));
  }
  if (a == "mistral") kv.u32(arch + ".attention.sliding_window", static_cast<uint32_t>(c.sliding_window));
  if (m.vocab_n > 0) {
    kv.str("tokenizer.ggml.model", "llama");
    kv.key("tokenizer.ggml.tokens", T_ARR);
    kv.s.u32(T_STR);
    kv.s.u64(static_cast<uint64_t>(m.vocab_n));
    for (int i = 0; i < m.vocab_n; i++) kv.s.str(std::string(m.vocab_pieces[i], static_cast<size_t>(m.vocab_piece_len[i])));
    kv.key("tokenizer.ggml.scores", T_ARR);
    kv.s.u32(T_F32);
    kv.s.u64(static_cast<uint64_t>(m.vocab_n));
    for (int i = 0; i < m.vocab_n; i++) kv.s.f32(m.vocab_scores[i]);
    kv.key("tokenizer.ggml.token_type", T_ARR);
    kv.s.u32(T_I32);
    kv.s.u64(static_cast<uint64_t>(m.vocab_n));
    for (int i = 0; i < m.vocab_n; i++) kv.s.i32(m.vocab_types[i]);
  }

  // Each matrix's type: the storage's, or the K-quant mix's choice.
  const bool has_output = !c.shared_classifier;
  auto type = [&](ref::Matrix role, int layer, const nm_tensor& t) {
    return static_cast<uint32_t>(ref::gguf_matrix_type(storage, role, layer, c.n_layers, t.cols, has_output));
  };
  std::vector<Tensor> ts;
  int dim = c.dim, kv_dim = c.dim / c.n_heads * c.n_kv_heads;
  // llama.cpp keeps a NEOX architecture's Q/K rows (and biases) in the
  // Hugging Face half-split order; memory has them pairwise.
  const int hs = c.rope_neox ? c.dim / c.n_heads : 0;
  auto split = [hs](Tensor t) {
    t.half_split = hs;
    return t;
  };
  ts.push_back(matrix("token_embd.weight", m.token_embedding, type(ref::Matrix::token_embd, -1, m.token_embedding), path));
  ts.push_back(vec("output_norm.weight", m.rms_final, dim));
  if (has_output) ts.push_back(matrix("output.weight", m.wcls, type(ref::Matrix::output, -1, m.wcls), path));
  for (int l = 0; l < c.n_layers; l++) {
    std::string p = "blk." + std::to_string(l) + ".";
    ts.push_back(vec(p + "attn_norm.weight", m.rms_att + static_cast<size_t>(l) * dim, dim));
    ts.push_back(split(matrix(p + "attn_q.weight", m.wq[l], type(ref::Matrix::attn_q, l, m.wq[l]), path)));
    ts.push_back(split(matrix(p + "attn_k.weight", m.wk[l], type(ref::Matrix::attn_k, l, m.wk[l]), path)));
    ts.push_back(matrix(p + "attn_v.weight", m.wv[l], type(ref::Matrix::attn_v, l, m.wv[l]), path));
    if (c.qkv_bias) {
      ts.push_back(split(vec(p + "attn_q.bias", m.bq + static_cast<size_t>(l) * dim, dim)));
      ts.push_back(split(vec(p + "attn_k.bias", m.bk + static_cast<size_t>(l) * kv_dim, kv_dim)));
      ts.push_back(vec(p + "attn_v.bias", m.bv + static_cast<size_t>(l) * kv_dim, kv_dim));
    }
    ts.push_back(matrix(p + "attn_output.weight", m.wo[l], type(ref::Matrix::attn_output, l, m.wo[l]), path));
    ts.push_back(vec(p + "ffn_norm.weight", m.rms_ffn + static_cast<size_t>(l) * dim, dim));
    ts.push_back(matrix(p + "ffn_gate.weight", m.w1[l], type(ref::Matrix::ffn_gate, l, m.w1[l]), path));
    ts.push_back(matrix(p + "ffn_down.weight", m.w2[l], type(ref::Matrix::ffn_down, l, m.w2[l]), path));
    ts.push_back(matrix(p + "ffn_up.weight", m.w3[l], type(ref::Matrix::ffn_up, l, m.w3[l]), path));
  }

  // Every info (and so every offset) is known before the first data byte.
  OutFile s(path);
  s.bytes("GGUF", 4);
  s.u32(3);
  s.u64(ts.size());
  s.u64(kv.n);
  s.bytes(kv.s.b);
  uint64_t off = 0;
  for (const Tensor& x : ts) {
    s.str(x.name);
    s.u32(static_cast<uint32_t>(x.ne.size()));
    for (uint64_t d : x.ne) s.u64(d);
    s.u32(x.type);
    s.u64(off);
    off += (x.bytes + kAlign - 1) / kAlign * kAlign;
  }
  s.pad_to(kAlign);
  for (const Tensor& x : ts) {
    if (x.t != nullptr) {
      put_matrix(s, m, x, path);
      nm_model_drop_tensor(&m, x.t);  // its source pages go back once written
    } else if (x.half_split > 0) {
      const int n = static_cast<int>(x.ne[0]);
      s.floats(unpermute_qk(std::vector<float>(x.v, x.v + n), n, 1, x.half_split).data(), static_cast<size_t>(n));
    } else {
      s.floats(x.v, static_cast<size_t>(x.ne[0]));
    }
    s.pad_to(kAlign);
  }
  s.commit();
}

}  // namespace nineml::writers
