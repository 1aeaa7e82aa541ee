// The GGUF writer's block types and K-quant mixes: each matrix gets the type
// llama.cpp's llama_tensor_get_type gives it (docs/FORMATS.md, "K-quant
// mixes"), its bytes are ref::llama2c::quantize's, the fallbacks apply to
// rows a K type cannot hold, and general.file_type is llama.cpp's ftype.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <map>
#include <stdexcept>

#include "reference.hpp"
#include "test_util.hpp"

using namespace fmt_test;
namespace w = nineml::writers;
namespace ref = nineml::ref;

namespace {

// A model whose matrices K types can hold: rows of 256 (dim) and 512
// (hidden), 8 layers so use_more_bits picks layers 0, 3, 6 and 7.
ref::Checkpoint kshape(bool shared, int dim = 256, int hidden = 512) {
  ref::Config c;
  c.dim = dim; c.hidden_dim = hidden; c.n_layers = 8; c.n_heads = 4; c.n_kv_heads = 2;
  c.vocab_size = 40; c.seq_len = 8; c.shared_classifier = shared;
  return nineml::fixtures::make_checkpoint(c, 9);
}

// The u32 metadata values of a GGUF file (a reader written for the test
// from the GGUF specification, not the engine's).
std::map<std::string, uint32_t> gguf_u32s(const std::vector<uint8_t>& b) {
  size_t at = 0;
  auto get = [&](size_t n) {
    if (at + n > b.size()) throw std::runtime_error("short GGUF");
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) v |= uint64_t(b[at + i]) << (8 * i);
    at += n;
    return v;
  };
  auto str = [&]() {
    const uint64_t n = get(8);
    std::string s(reinterpret_cast<const char*>(b.data() + at), n);
    at += n;
    return s;
  };
  const size_t fixed[] = {1, 1, 2, 2, 4, 4, 4, 0, 0, 0, 8, 8, 8};  // bytes of each scalar type 0..12
  std::function<void(uint32_t)> skip = [&](uint32_t t) {
    if (t == 8) { str(); return; }
    if (t == 9) {
      const uint32_t et = uint32_t(get(4));
      const uint64_t n = get(8);
      for (uint64_t i = 0; i < n; i++) skip(et);
      return;
    }
    at += fixed[t];
  };
  if (get(4) != 0x46554747) throw std::runtime_error("not GGUF");
  get(4);
  get(8);
  const uint64_t nkv = get(8);
  std::map<std::string, uint32_t> out;
  for (uint64_t i = 0; i < nkv; i++) {
    const std::string key = str();
    const uint32_t t = uint32_t(get(4));
    if (t == 4) out[key] = uint32_t(get(4));
    else skip(t);
  }
  return out;
}

// Writes ck as target through the engine's loader (the writers' input).
struct Written {
  TmpDir d;
  nm_model m{};
  std::string path;
  Written(const ref::Checkpoint& ck, w::Target t) {
    ref::save_v0(ck, d.file("src.bin"));
    nm_model src;
    if (load(src, d.file("src.bin")) != "") throw std::runtime_error("source");
    path = d.file("out.gguf");
    w::write_model(src, path, t);
    nm_model_free(&src);
    const std::string e = load(m, path);
    if (!e.empty()) throw std::runtime_error(e);
  }
  ~Written() { nm_model_free(&m); }
};

int engine_type(int ggml) {
  switch (ggml) {
    case 0: return NM_T_F32;
    case 1: return NM_T_F16;
    case 2: return NM_T_Q4_0;
    case 8: return NM_T_Q8;
  }
  return NM_T_Q5_0 + static_cast<int>(*ref::block_of_ggml_type(ggml));
}

// Every matrix has the mix's type and, for a block type, the reference
// quantizer's bytes of the source weights.
void expect_mix(const ref::Checkpoint& ck, ref::Storage s, w::Target t) {
  Written f(ck, t);
  const auto& c = ck.config;
  const int dim = c.dim, kv = dim / c.n_heads * c.n_kv_heads, hid = c.hidden_dim;
  auto check = [&](const nm_tensor& got, const float* src, ref::Matrix role, int layer, const std::string& what) {
    const int want = ref::gguf_matrix_type(s, role, layer, c.n_layers, got.cols, !c.shared_classifier);
    ASSERT_EQ(got.type, engine_type(want)) << what;
    if (const auto b = ref::block_of_ggml_type(want)) {
      const size_t n = size_t(got.rows) * size_t(got.cols);
      const std::vector<uint8_t> q = ref::llama2c::quantize(*b, std::span<const float>(src, n));
      ASSERT_EQ(0, std::memcmp(q.data(), got.blocks, q.size())) << what;
    }
  };
  check(f.m.token_embedding, ck.token_embedding.data(), ref::Matrix::token_embd, -1, "token_embd");
  if (!c.shared_classifier) check(f.m.wcls, ck.wcls.data(), ref::Matrix::output, -1, "output");
  for (int l = 0; l < c.n_layers; l++) {
    const std::string L = "layer " + std::to_string(l) + " ";
    check(f.m.wq[l], ck.wq.data() + size_t(l) * dim * dim, ref::Matrix::attn_q, l, L + "wq");
    check(f.m.wk[l], ck.wk.data() + size_t(l) * kv * dim, ref::Matrix::attn_k, l, L + "wk");
    check(f.m.wv[l], ck.wv.data() + size_t(l) * kv * dim, ref::Matrix::attn_v, l, L + "wv");
    check(f.m.wo[l], ck.wo.data() + size_t(l) * dim * dim, ref::Matrix::attn_output, l, L + "wo");
    check(f.m.w1[l], ck.w1.data() + size_t(l) * hid * dim, ref::Matrix::ffn_gate, l, L + "w1");
    check(f.m.w2[l], ck.w2.data() + size_t(l) * dim * hid, ref::Matrix::ffn_down, l, L + "w2");
    check(f.m.w3[l], ck.w3.data() + size_t(l) * hid * dim, ref::Matrix::ffn_up, l, L + "w3");
  }
  EXPECT_EQ(gguf_u32s(read_bytes(f.path)).at("general.file_type"), uint32_t(ref::gguf_file_type(s)));
}

TEST(KquantWriter, MixTableIsLlamaCpps) {
  using ref::Matrix;
  const ref::Storage M4 = ref::Storage::q4_k_m, M5 = ref::Storage::q5_k_m;
  // llama.cpp's use_more_bits for 8 layers: 0, 3, 6, 7.
  for (int l = 0; l < 8; l++) {
    const bool more = l == 0 || l == 3 || l == 6 || l == 7;
    EXPECT_EQ(ref::gguf_matrix_type(M4, Matrix::attn_v, l, 8, 256, true), more ? 14 : 12) << l;
    EXPECT_EQ(ref::gguf_matrix_type(M5, Matrix::ffn_down, l, 8, 512, true), more ? 14 : 13) << l;
    EXPECT_EQ(ref::gguf_matrix_type(M4, Matrix::attn_q, l, 8, 256, true), 12) << l;
    EXPECT_EQ(ref::gguf_matrix_type(M5, Matrix::ffn_up, l, 8, 256, true), 13) << l;
  }
  // 32 layers (a 7B): 0..3, 28..31, and 6, 9, ..., 27.
  int more = 0;
  for (int l = 0; l < 32; l++) more += ref::gguf_matrix_type(M4, Matrix::attn_v, l, 32, 4096, true) == 14;
  EXPECT_EQ(more, 4 + 4 + 8);
  EXPECT_EQ(ref::gguf_matrix_type(M4, Matrix::output, -1, 8, 256, true), 14);
  EXPECT_EQ(ref::gguf_matrix_type(M4, Matrix::token_embd, -1, 8, 256, true), 12);
  EXPECT_EQ(ref::gguf_matrix_type(M4, Matrix::token_embd, -1, 8, 256, false), 14);  // shared: as output
  // Fallbacks: rows not a multiple of 256, then of 32.
  EXPECT_EQ(ref::gguf_matrix_type(M4, Matrix::output, -1, 8, 288, true), 8);
  EXPECT_EQ(ref::gguf_matrix_type(M4, Matrix::attn_q, 1, 8, 288, true), 6);
  EXPECT_EQ(ref::gguf_matrix_type(M5, Matrix::attn_q, 1, 8, 288, true), 7);
  EXPECT_EQ(ref::gguf_matrix_type(M5, Matrix::attn_v, 0, 8, 288, true), 8);
  EXPECT_EQ(ref::gguf_matrix_type(ref::Storage::q2_k, Matrix::attn_q, 1, 8, 288, true), 2);
  EXPECT_EQ(ref::gguf_matrix_type(ref::Storage::q3_k, Matrix::attn_q, 1, 8, 288, true), 2);
  EXPECT_EQ(ref::gguf_matrix_type(ref::Storage::q6_k, Matrix::attn_q, 1, 8, 172, true), 1);
  EXPECT_EQ(ref::gguf_matrix_type(ref::Storage::q6_k, Matrix::attn_q, 1, 8, 256, true), 14);
  // The other storages keep their one type (their writers refuse odd rows).
  EXPECT_EQ(ref::gguf_matrix_type(ref::Storage::q5_0, Matrix::output, -1, 8, 256, true), 6);
  EXPECT_EQ(ref::gguf_matrix_type(ref::Storage::q8_0, Matrix::attn_v, 0, 8, 256, true), 8);
  EXPECT_THROW(ref::gguf_matrix_type(ref::Storage::q8, Matrix::attn_v, 0, 8, 256, true), std::invalid_argument);
}

TEST(KquantWriter, EveryMatrixHasTheMixTypeAndTheReferenceBytes) {
  for (bool shared : {false, true}) {
    const ref::Checkpoint ck = kshape(shared);
    expect_mix(ck, ref::Storage::q4_k_m, w::Target::gguf_q4_k_m);
    expect_mix(ck, ref::Storage::q5_k_m, w::Target::gguf_q5_k_m);
  }
  const ref::Checkpoint ck = kshape(false);
  expect_mix(ck, ref::Storage::q6_k, w::Target::gguf_q6_k);
  expect_mix(ck, ref::Storage::q4_k, w::Target::gguf_q4_k);
  expect_mix(ck, ref::Storage::q5_k, w::Target::gguf_q5_k);
  expect_mix(ck, ref::Storage::q3_k, w::Target::gguf_q3_k);
  expect_mix(ck, ref::Storage::q2_k, w::Target::gguf_q2_k);
  expect_mix(ck, ref::Storage::q5_0, w::Target::gguf_q5_0);
  expect_mix(ck, ref::Storage::q5_1, w::Target::gguf_q5_1);
}

TEST(KquantWriter, RowsAKTypeCannotHoldFallBack) {
  // dim 288 (a multiple of 32, not of 256) and hidden 200 (neither): the K
  // types fall back to Q5_0/Q5_1/Q8_0/Q4_0 and, for ffn_down, to F16.
  const ref::Checkpoint ck = kshape(false, 288, 200);
  expect_mix(ck, ref::Storage::q4_k_m, w::Target::gguf_q4_k_m);
  expect_mix(ck, ref::Storage::q5_k_m, w::Target::gguf_q5_k_m);
  expect_mix(ck, ref::Storage::q2_k, w::Target::gguf_q2_k);
  Written f(ck, w::Target::gguf_q4_k_m);
  EXPECT_EQ(f.m.w2[0].type, NM_T_F16);
  EXPECT_EQ(f.m.wcls.type, NM_T_Q8);
  EXPECT_EQ(f.m.wq[0].type, NM_T_Q5_0);
}

TEST(KquantWriter, BlockTypesRefuseRowsOf32Multiples) {
  // Q5_0/Q5_1 are not K types: no fallback, the documented error.
  TmpDir d;
  ref::save_v0(kshape(false, 288, 200), d.file("src.bin"));
  nm_model src;
  ASSERT_EQ(load(src, d.file("src.bin")), "");
  try {
    w::write_model(src, d.file("x.gguf"), w::Target::gguf_q5_1);
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("ffn_down.weight' has row length 200, not a multiple of the block size 32"),
              std::string::npos)
        << e.what();
  }
  nm_model_free(&src);
}

TEST(KquantWriter, FileTypeOfTheOtherTargets) {
  const ref::Checkpoint ck = kshape(true);
  const std::pair<w::Target, uint32_t> want[] = {{w::Target::gguf_f32, 0}, {w::Target::gguf_f16, 1},
                                                 {w::Target::gguf_q4_0, 2}, {w::Target::gguf_q8_0, 7},
                                                 {w::Target::gguf_bf16, 32}};
  for (const auto& [t, ft] : want) {
    Written f(ck, t);
    const auto kv = gguf_u32s(read_bytes(f.path));
    EXPECT_EQ(kv.at("general.file_type"), ft) << w::target_name(t);
    EXPECT_EQ(kv.at("general.quantization_version"), 2u) << w::target_name(t);
  }
}

}  // namespace
