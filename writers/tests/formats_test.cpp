// Round trips through every writer and reader, detection by content,
// GGUF metadata mapping and the safetensors Q/K permutation.
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <cstring>
#include <nlohmann/json.hpp>

#include "kernels.h"
#include "model/forward.h"
#include "test_util.hpp"

using namespace fmt_test;
namespace w = nineml::writers;

namespace {

// Per-layer slice of a layer-stacked checkpoint tensor.
std::vector<float> slice(const std::vector<float>& v, int l, size_t n) {
  return std::vector<float>(v.begin() + static_cast<ptrdiff_t>(l * n), v.begin() + static_cast<ptrdiff_t>((l + 1) * n));
}

void expect_same(const nineml::ref::Checkpoint& ck, const nm_model& m, const std::string& what) {
  const auto& c = ck.config;
  int dim = c.dim, kv = dim / c.n_heads * c.n_kv_heads, hid = c.hidden_dim;
  ASSERT_EQ(m.cfg.dim, dim) << what;
  ASSERT_EQ(m.cfg.vocab_size, c.vocab_size) << what;
  EXPECT_EQ(m.cfg.shared_classifier != 0, c.shared_classifier) << what;
  EXPECT_EQ(w::tensor_floats(m.token_embedding), ck.token_embedding) << what;
  EXPECT_EQ(std::vector<float>(m.rms_att, m.rms_att + c.n_layers * dim), ck.rms_att) << what;
  EXPECT_EQ(std::vector<float>(m.rms_ffn, m.rms_ffn + c.n_layers * dim), ck.rms_ffn) << what;
  EXPECT_EQ(std::vector<float>(m.rms_final, m.rms_final + dim), ck.rms_final) << what;
  for (int l = 0; l < c.n_layers; l++) {
    EXPECT_EQ(w::tensor_floats(m.wq[l]), slice(ck.wq, l, size_t(dim) * dim)) << what << " wq " << l;
    EXPECT_EQ(w::tensor_floats(m.wk[l]), slice(ck.wk, l, size_t(kv) * dim)) << what << " wk " << l;
    EXPECT_EQ(w::tensor_floats(m.wv[l]), slice(ck.wv, l, size_t(kv) * dim)) << what;
    EXPECT_EQ(w::tensor_floats(m.wo[l]), slice(ck.wo, l, size_t(dim) * dim)) << what;
    EXPECT_EQ(w::tensor_floats(m.w1[l]), slice(ck.w1, l, size_t(hid) * dim)) << what;
    EXPECT_EQ(w::tensor_floats(m.w2[l]), slice(ck.w2, l, size_t(hid) * dim)) << what;
    EXPECT_EQ(w::tensor_floats(m.w3[l]), slice(ck.w3, l, size_t(hid) * dim)) << what;
  }
  EXPECT_EQ(w::tensor_floats(m.wcls), ck.classifier()) << what;
}

TEST(Formats, V0LoadsTheReferenceBytes) {
  TmpDir d;
  auto ck = checkpoint(false);
  nineml::ref::save_v0(ck, d.file("m.bin"));
  nm_model m;
  ASSERT_EQ(load(m, d.file("m.bin")), "");
  EXPECT_STREQ(m.format, "llama2c-v0");
  EXPECT_STREQ(m.cfg.arch, "llama2");
  EXPECT_EQ(m.cfg.rope_theta, 10000.0f);
  expect_same(ck, m, "v0");
  nm_model_free(&m);
}

TEST(Formats, LosslessRoundTrips) {
  for (bool shared : {true, false}) {
    TmpDir d;
    auto ck = checkpoint(shared);
    nineml::ref::save_v0(ck, d.file("src.bin"));
    nm_model src;
    ASSERT_EQ(load(src, d.file("src.bin")), "");
    const char* targets[] = {"v0", "v1", "gguf-f32", "gguf-f16", "gguf-bf16",
                             "safetensors-f32", "safetensors-f16", "safetensors-bf16"};
    for (const char* t : targets) {
      std::string sub = d.file(t);
      std::filesystem::create_directories(sub);
      std::string out = sub + "/model.out";
      w::write_model(src, out, *w::parse_target(t), {.config_json = true});
      nm_model m;
      ASSERT_EQ(load(m, out), "") << t;
      expect_same(ck, m, t);
      // And a second generation from the reloaded model is byte-identical.
      w::write_model(m, out + "2", *w::parse_target(t), {.config_json = true});
      EXPECT_EQ(read_bytes(out), read_bytes(out + "2")) << t;
      nm_model_free(&m);
    }
    nm_model_free(&src);
  }
}

TEST(Formats, QuantizedWritersFollowTheDocumentedRules) {
  TmpDir d;
  auto ck = checkpoint(true);
  nineml::ref::save_v0(ck, d.file("src.bin"));
  nm_model src;
  ASSERT_EQ(load(src, d.file("src.bin")), "");
  const size_t n = ck.wq.size() / 2;
  std::vector<float> wq0(ck.wq.begin(), ck.wq.begin() + static_cast<ptrdiff_t>(n));

  w::write_model(src, d.file("q.v2"), w::Target::v2);
  nm_model m;
  ASSERT_EQ(load(m, d.file("q.v2")), "");
  EXPECT_STREQ(m.format, "llama2c-v2");
  ASSERT_EQ(m.wq[0].type, NM_T_Q8);
  EXPECT_EQ(m.wq[0].group_size, w::default_group_size(64, 96));
  EXPECT_EQ(m.wq[0].group_size, 32);
  std::vector<int8_t> q(n);
  std::vector<float> s(n / 32);
  nm_q8_quantize(q.data(), s.data(), wq0.data(), static_cast<int>(n), 32, NM_ROUND_EVEN);
  EXPECT_EQ(0, std::memcmp(q.data(), m.wq[0].q, n));
  EXPECT_EQ(0, std::memcmp(s.data(), m.wq[0].s, s.size() * 4));
  nm_model_free(&m);

  w::write_model(src, d.file("q.gguf"), w::Target::gguf_q4_0);
  ASSERT_EQ(load(m, d.file("q.gguf")), "");
  ASSERT_EQ(m.wq[0].type, NM_T_Q4_0);
  std::vector<uint8_t> blocks(n / 32 * 18);
  nm_q4_0_quantize(blocks.data(), wq0.data(), static_cast<int>(n));
  EXPECT_EQ(0, std::memcmp(blocks.data(), m.wq[0].blocks, blocks.size()));
  nm_model_free(&m);

  w::write_model(src, d.file("q8.gguf"), w::Target::gguf_q8_0);
  ASSERT_EQ(load(m, d.file("q8.gguf")), "");
  ASSERT_EQ(m.wq[0].type, NM_T_Q8);
  ASSERT_EQ(m.wq[0].group_size, 32);
  std::vector<uint8_t> b8(n / 32 * 34);
  nm_q8_0_quantize(b8.data(), wq0.data(), static_cast<int>(n));
  std::vector<float> deq(n), got = w::tensor_floats(m.wq[0]);
  nm_dequant_q8_0(deq.data(), b8.data(), static_cast<int>(n));
  EXPECT_EQ(deq, got);
  nm_model_free(&m);
  nm_model_free(&src);
}

TEST(Formats, Q4_0QuantizerMatchesTheRule) {
  std::vector<float> x(32);
  for (int i = 0; i < 32; i++) x[i] = static_cast<float>(i - 10) * 0.25f;  // max magnitude 5.25 at i=31
  std::vector<uint8_t> b(18);
  nm_q4_0_quantize(b.data(), x.data(), 32);
  float d = 5.25f / -8.0f, id = 1.0f / d;
  EXPECT_EQ(nm_half_to_float(static_cast<nm_u16>(b[0] | (b[1] << 8))), d);
  for (int j = 0; j < 16; j++) {
    int lo = std::min(15, static_cast<int>(x[j] * id + 8.5f));
    int hi = std::min(15, static_cast<int>(x[16 + j] * id + 8.5f));
    EXPECT_EQ(b[2 + j], lo | (hi << 4)) << j;
  }
  std::vector<float> z(32, 0.0f);
  nm_q4_0_quantize(b.data(), z.data(), 32);
  EXPECT_EQ(b[0], 0);
  EXPECT_EQ(b[1], 0x80);  // d = 0 / -8 = -0 (as llama.cpp)
  for (int j = 0; j < 16; j++) EXPECT_EQ(b[2 + j], 0x88);
}

TEST(Formats, FloatToHalfRoundsToNearestEven) {
  for (uint32_t h = 0; h < 0x7c00; h++) {
    float f = nm_half_to_float(static_cast<nm_u16>(h));
    ASSERT_EQ(nm_float_to_half(f), h);
    ASSERT_EQ(nm_float_to_half(-f), h | 0x8000u);
  }
  EXPECT_EQ(nm_float_to_half(1.0f + 0x1p-11f), 0x3c00);           // tie -> even
  EXPECT_EQ(nm_float_to_half(1.0f + 3 * 0x1p-11f), 0x3c02);       // tie -> even (up)
  EXPECT_EQ(nm_float_to_half(65520.0f), 0x7c00);                  // overflow -> inf
  EXPECT_EQ(nm_float_to_half(0x1p-25f), 0);                       // tie with 0 -> 0
  EXPECT_EQ(nm_float_to_half(0x1.8p-25f), 1);
}

TEST(Formats, DetectionIsByContentNotName) {
  TmpDir d;
  auto ck = checkpoint(true);
  nineml::ref::save_v0(ck, d.file("src.bin"));
  nm_model src;
  ASSERT_EQ(load(src, d.file("src.bin")), "");
  w::write_model(src, d.file("actually_v1.gguf"), w::Target::v1);
  w::write_model(src, d.file("actually_gguf.bin"), w::Target::gguf_f32);
  w::write_model(src, d.file("actually_st.gguf"), w::Target::safetensors_f32, {.config_json = true});
  nm_model m;
  ASSERT_EQ(load(m, d.file("actually_v1.gguf")), "");
  EXPECT_STREQ(m.format, "llama2c-v1");
  nm_model_free(&m);
  ASSERT_EQ(load(m, d.file("actually_gguf.bin")), "");
  EXPECT_STREQ(m.format, "gguf");
  nm_model_free(&m);
  ASSERT_EQ(load(m, d.file("actually_st.gguf")), "");
  EXPECT_STREQ(m.format, "safetensors");
  nm_model_free(&m);
  auto bytes = read_bytes(d.file("src.bin"));
  EXPECT_STREQ(nm_format_detect(bytes.data(), bytes.size()), "llama2c-v0");
  nm_model_free(&src);
}

nm_model arch_model(TmpDir& d, const char* arch) {
  auto ck = checkpoint(true);
  nineml::ref::save_v0(ck, d.file("src.bin"));
  nm_model m;
  EXPECT_EQ(load(m, d.file("src.bin")), "");
  std::strcpy(m.cfg.arch, arch);
  if (std::string(arch) == "llama3") {
    m.cfg.rope_theta = 500000.0f;
    m.cfg.rope_scaling = {8.0f, 1.0f, 4.0f, 8192};
  } else if (std::string(arch) == "mistral") {
    m.cfg.sliding_window = 6;
  }
  return m;
}

TEST(Formats, ArchitectureMetadataRoundTrips) {
  for (const char* arch : {"llama2", "llama3", "mistral"}) {
    for (const char* t : {"gguf-f16", "safetensors-bf16"}) {
      TmpDir d;
      nm_model src = arch_model(d, arch);
      std::string out = d.file("model.x");
      w::write_model(src, out, *w::parse_target(t), {.config_json = true});
      nm_model m;
      ASSERT_EQ(load(m, out), "") << arch << " " << t;
      EXPECT_STREQ(m.cfg.arch, arch) << t;
      EXPECT_EQ(m.cfg.rope_theta, src.cfg.rope_theta) << arch << t;
      EXPECT_EQ(m.cfg.sliding_window, src.cfg.sliding_window) << arch << t;
      EXPECT_EQ(m.cfg.rope_scaling.factor, src.cfg.rope_scaling.factor) << arch << t;
      EXPECT_EQ(m.cfg.rope_scaling.low_freq_factor, src.cfg.rope_scaling.low_freq_factor);
      EXPECT_EQ(m.cfg.rope_scaling.high_freq_factor, src.cfg.rope_scaling.high_freq_factor);
      EXPECT_EQ(m.cfg.rope_scaling.original_max_position, src.cfg.rope_scaling.original_max_position);
      EXPECT_EQ(m.cfg.norm_eps, 1e-5f);
      EXPECT_EQ(m.cfg.n_kv_heads, 2);
      nm_model_free(&m);
      nm_model_free(&src);
    }
  }
}

// Qwen2: detected from GGUF general.architecture and from config.json's
// model_type or (without it) architectures; stored as llama.cpp and Hugging
// Face store it: Q/K rows and their biases half-split (NEOX) in both files,
// and loaded back to memory's pairwise layout value for value.
TEST(Formats, Qwen2DetectedAndStoredHalfSplit) {
  for (const char* t : {"gguf-f32", "gguf-q8_0", "gguf-q4_0", "safetensors-f16"}) {
    TmpDir d;
    nm_model src = arch_model(d, "llama2");
    Qwen2Biases b;
    b.attach(src);
    const std::string out = d.file("model.x");
    w::write_model(src, out, *w::parse_target(t), {.config_json = true});
    nm_model m;
    ASSERT_EQ(load(m, out), "") << t;
    EXPECT_STREQ(m.cfg.arch, "qwen2") << t;
    EXPECT_EQ(m.cfg.rope_theta, 1000000.0f) << t;
    EXPECT_EQ(m.cfg.qkv_bias, 1) << t;
    EXPECT_EQ(m.cfg.rope_neox, 1) << t;
    EXPECT_EQ(m.cfg.sliding_window, 0) << t;
    ASSERT_NE(m.bq, nullptr);
    EXPECT_EQ(std::vector<float>(m.bq, m.bq + b.bq.size()), b.bq) << t;
    EXPECT_EQ(std::vector<float>(m.bk, m.bk + b.bk.size()), b.bk) << t;
    EXPECT_EQ(std::vector<float>(m.bv, m.bv + b.bv.size()), b.bv) << t;
    // every row of wq, wk back in place: a quantized row is its blocks,
    // so the loaded matrix is the pairwise one quantized row by row
    const std::string tt = t;
    auto stored = [&](const nm_tensor& x) {
      std::vector<float> f = w::tensor_floats(x);
      const int n = static_cast<int>(f.size());
      std::vector<uint8_t> blk(size_t(n) / 32 * 34);
      if (tt == "gguf-q8_0") {
        nm_q8_0_quantize(blk.data(), f.data(), n);
        nm_dequant_q8_0(f.data(), blk.data(), n);
      } else if (tt == "gguf-q4_0") {
        nm_q4_0_quantize(blk.data(), f.data(), n);
        nm_dequant_q4_0(f.data(), blk.data(), n);
      }
      return f;
    };
    for (int l = 0; l < 2; l++) {
      EXPECT_EQ(w::tensor_floats(m.wq[l]), stored(src.wq[l])) << t << " layer " << l;
      EXPECT_EQ(w::tensor_floats(m.wk[l]), stored(src.wk[l])) << t << " layer " << l;
    }
    nm_model_free(&m);
    nm_model_free(&src);
  }
  // The stored order, read from the files themselves.
  TmpDir d;
  nm_model src = arch_model(d, "llama2");
  Qwen2Biases b;
  b.attach(src);
  const int hs = 16;
  for (const char* t : {"gguf-f32", "safetensors-f32"}) {
    const std::string out = d.file(std::string(t) + ".model");
    w::write_model(src, out, *w::parse_target(t), {.config_json = true});
    nm_file_info info;
    char err[256];
    ASSERT_EQ(nm_file_info_load(&info, out.c_str(), err, sizeof err), 0) << err;
    const bool gguf = std::string(t) == "gguf-f32";
    const std::string wk = gguf ? "blk.1.attn_k.weight" : "model.layers.1.self_attn.k_proj.weight";
    const std::string bk = gguf ? "blk.1.attn_k.bias" : "model.layers.1.self_attn.k_proj.bias";
    const nm_tensor_info *kw = nullptr, *kb = nullptr;
    for (int i = 0; i < info.n_tensors; i++) {
      if (info.tensors[i].name == wk) kw = &info.tensors[i];
      if (info.tensors[i].name == bk) kb = &info.tensors[i];
    }
    ASSERT_NE(kw, nullptr) << t;
    ASSERT_NE(kb, nullptr) << t;
    auto bytes = read_bytes(out);
    const std::vector<float> mem = w::tensor_floats(src.wk[1]);
    const float* mb = src.bk + 32;  // layer 1 of kv_dim 32
    for (int h = 0; h < 2; h++)
      for (int i = 0; i < hs / 2; i++) {
        float lo, hi;
        std::memcpy(&lo, bytes.data() + kb->offset + 4 * size_t(h * hs + i), 4);
        std::memcpy(&hi, bytes.data() + kb->offset + 4 * size_t(h * hs + hs / 2 + i), 4);
        EXPECT_EQ(lo, mb[h * hs + 2 * i]) << t;
        EXPECT_EQ(hi, mb[h * hs + 2 * i + 1]) << t;
        for (int c = 0; c < 64; c += 21) {
          std::memcpy(&lo, bytes.data() + kw->offset + 4 * size_t((h * hs + i) * 64 + c), 4);
          EXPECT_EQ(lo, mem[size_t((h * hs + 2 * i) * 64 + c)]) << t;
        }
      }
    nm_file_info_free(&info);
  }
  // config.json without model_type: architectures names it.
  {
    const std::string out = d.file("st.safetensors");
    w::write_model(src, out, w::Target::safetensors_f32, {.config_json = true});
    auto c = read_bytes(d.file("config.json"));
    auto j = nlohmann::json::parse(c.begin(), c.end());
    EXPECT_EQ(j["model_type"], "qwen2");
    EXPECT_EQ(j["architectures"][0], "Qwen2ForCausalLM");
    j.erase("model_type");
    const std::string text = j.dump();
    write_bytes(d.file("config.json"), std::vector<uint8_t>(text.begin(), text.end()));
    nm_model m;
    ASSERT_EQ(load(m, out), "");
    EXPECT_STREQ(m.cfg.arch, "qwen2");
    nm_model_free(&m);
  }
  nm_model_free(&src);
}

TEST(Formats, LlamaTwoCFormatsRefuseOtherArchitectures) {
  TmpDir d;
  nm_model src = arch_model(d, "llama3");
  EXPECT_THROW(w::write_model(src, d.file("x.bin"), w::Target::v1), std::runtime_error);
  nm_model_free(&src);
}

TEST(Formats, SafetensorsStoresQKHalfSplit) {
  TmpDir d;
  auto ck = checkpoint(true);
  nineml::ref::save_v0(ck, d.file("src.bin"));
  nm_model src;
  ASSERT_EQ(load(src, d.file("src.bin")), "");
  w::write_model(src, d.file("model.safetensors"), w::Target::safetensors_f32, {.config_json = true});
  nm_file_info info;
  char err[256];
  ASSERT_EQ(nm_file_info_load(&info, d.file("model.safetensors").c_str(), err, sizeof err), 0) << err;
  auto bytes = read_bytes(d.file("model.safetensors"));
  const nm_tensor_info* q = nullptr;
  for (int i = 0; i < info.n_tensors; i++)
    if (std::string(info.tensors[i].name) == "model.layers.0.self_attn.q_proj.weight") q = &info.tensors[i];
  ASSERT_NE(q, nullptr);
  const int dim = 64, hs = 16;
  // File row h*hs + i (i < hs/2) is pairwise row h*hs + 2i; row h*hs + hs/2 + i is 2i+1.
  for (int h = 0; h < 4; h++)
    for (int i = 0; i < hs / 2; i++)
      for (int c = 0; c < dim; c += 13) {
        float a, b;
        std::memcpy(&a, bytes.data() + q->offset + 4 * (size_t((h * hs + i) * dim + c)), 4);
        std::memcpy(&b, bytes.data() + q->offset + 4 * (size_t((h * hs + hs / 2 + i) * dim + c)), 4);
        EXPECT_EQ(a, ck.wq[size_t((h * hs + 2 * i) * dim + c)]);
        EXPECT_EQ(b, ck.wq[size_t((h * hs + 2 * i + 1) * dim + c)]);
      }
  nm_file_info_free(&info);
  nm_model_free(&src);
}

TEST(Formats, GgufEmbeddedVocabulary) {
  TmpDir d;
  nm_model src = arch_model(d, "llama2");
  const char* pieces[] = {"<unk>", "<s>", "</s>", " a"};
  std::vector<char*> pv;
  std::vector<int> lens, types = {2, 3, 3, 1};
  std::vector<float> scores = {0.0f, 0.0f, 0.0f, -1.5f};
  for (const char* p : pieces) { pv.push_back(const_cast<char*>(p)); lens.push_back(static_cast<int>(std::strlen(p))); }
  src.vocab_n = 4;
  src.vocab_pieces = pv.data();
  src.vocab_piece_len = lens.data();
  src.vocab_scores = scores.data();
  src.vocab_types = types.data();
  w::write_model(src, d.file("v.gguf"), w::Target::gguf_f32);
  src.vocab_n = 0;
  nm_model m;
  ASSERT_EQ(load(m, d.file("v.gguf")), "");
  ASSERT_EQ(m.vocab_n, 4);
  for (int i = 0; i < 4; i++) {
    EXPECT_EQ(std::string(m.vocab_pieces[i], size_t(m.vocab_piece_len[i])), pieces[i]);
    EXPECT_EQ(m.vocab_scores[i], scores[size_t(i)]);
    EXPECT_EQ(m.vocab_types[i], types[size_t(i)]);
  }
  nm_model_free(&m);
  nm_model_free(&src);
}

TEST(Formats, ShardedSafetensorsIndex) {
  TmpDir d;
  auto ck = checkpoint(false);
  nineml::ref::save_v0(ck, d.file("src.bin"));
  nm_model src;
  ASSERT_EQ(load(src, d.file("src.bin")), "");
  w::write_model(src, d.file("model-00001-of-00001.safetensors"), w::Target::safetensors_f32, {.config_json = true});
  nm_file_info info;
  char err[256];
  ASSERT_EQ(nm_file_info_load(&info, d.file("model-00001-of-00001.safetensors").c_str(), err, sizeof err), 0);
  std::string idx = "{\"metadata\": {}, \"weight_map\": {";
  for (int i = 0; i < info.n_tensors; i++)
    idx += std::string(i ? "," : "") + "\"" + info.tensors[i].name + "\": \"model-00001-of-00001.safetensors\"";
  idx += "}}";
  nm_file_info_free(&info);
  write_bytes(d.file("model.safetensors.index.json"), std::vector<uint8_t>(idx.begin(), idx.end()));
  nm_model m;
  ASSERT_EQ(load(m, d.file("model.safetensors.index.json")), "");
  EXPECT_STREQ(m.format, "safetensors-index");
  expect_same(ck, m, "index");
  nm_model_free(&m);
  nm_model_free(&src);
}

// ---- RoPE scaling (issue 16) ----------------------------------------------
//
// The reference is independent of the engine: NumPy, in float64, with the
// formulas as Hugging Face's modeling_rope_utils states them (default,
// linear: inv_freq / factor, llama3: Meta's smoothing) and llama.cpp's
// converter rule for its rope_freqs.weight tensor (per-pair divisors).
// Each case: {kind, head_size, theta, factor, low, high, orig}; kind
// "table" gives the divisors, the others the frequencies.
const char* const kRopeReference = R"PY(
import json, math, sys
import numpy as np
out = []
for c in json.load(sys.stdin):
    hs, theta, kind = c["head_size"], c["theta"], c["kind"]
    inv = 1.0 / theta ** (np.arange(0, hs, 2, dtype=np.float64) / hs)
    if kind == "default":
        f = inv
    elif kind == "linear":
        f = inv / c["factor"]
    else:
        factor, low, high, orig = c["factor"], c["low"], c["high"], c["orig"]
        wavelen = 2 * math.pi / inv
        smooth = (orig / wavelen - low) / (high - low)
        if kind == "llama3":
            mid = (1 - smooth) * inv / factor + smooth * inv
            f = np.where(wavelen < orig / high, inv, np.where(wavelen > orig / low, inv / factor, mid))
        else:  # "table": llama.cpp's divisors
            f = np.where(wavelen < orig / high, 1.0, np.where(wavelen > orig / low, factor, 1 / ((1 - smooth) / factor + smooth)))
    out.append([float(x) for x in f])
json.dump(out, sys.stdout)
)PY";

std::vector<std::vector<double>> rope_reference(const TmpDir& d, const nlohmann::json& cases) {
  std::string script = d.file("rope_reference.py"), in = d.file("cases.json"), out = d.file("tables.json");
  write_bytes(script, std::vector<uint8_t>(kRopeReference, kRopeReference + std::strlen(kRopeReference)));
  std::string text = cases.dump();
  write_bytes(in, std::vector<uint8_t>(text.begin(), text.end()));
  std::string cmd = "/usr/bin/python3 " + script + " < " + in + " > " + out;
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd << " (the reference needs Debian's python3 with numpy)";
  auto b = read_bytes(out);
  return nlohmann::json::parse(b.begin(), b.end()).get<std::vector<std::vector<double>>>();
}

// The frequencies the forward pass will use: the run state's table, or
// nm_rope's unscaled 1/theta^(i/hs) when there is none.
std::vector<float> engine_freqs(const nm_model& m) {
  const char* err = nullptr;
  nm_state* s = nm_state_new(&m, &err);
  EXPECT_NE(s, nullptr) << (err ? err : "");
  int hs = m.cfg.dim / m.cfg.n_heads;
  std::vector<float> f(static_cast<size_t>(hs / 2));
  for (int i = 0; i < hs / 2; i++)
    f[static_cast<size_t>(i)] = s && s->freqs ? s->freqs[i] : 1.0f / std::pow(m.cfg.rope_theta, (2 * i) / static_cast<float>(hs));
  nm_state_free(s);
  return f;
}

// Engine float32 against the float64 reference: a few float32 ulps.
void expect_table(const std::vector<float>& got, const std::vector<double>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); i++)
    EXPECT_NEAR(got[i], want[i], 2e-6 * want[i]) << what << " pair " << i;
}

nlohmann::json rope_case(const char* kind, float theta, float factor = 0, float low = 0, float high = 0, int orig = 0) {
  return {{"kind", kind}, {"head_size", 16}, {"theta", theta}, {"factor", factor}, {"low", low}, {"high", high}, {"orig", orig}};
}

void set_config(const TmpDir& d, const std::function<void(nlohmann::json&)>& edit) {
  auto b = read_bytes(d.file("config.json"));
  auto c = nlohmann::json::parse(b.begin(), b.end());
  edit(c);
  std::string t = c.dump();
  write_bytes(d.file("config.json"), std::vector<uint8_t>(t.begin(), t.end()));
}

// Linear scaling was ignored (llama and mistral ran unscaled); now every
// spelling users meet divides the frequencies by the factor: GGUF
// rope.scaling.type "linear", a factor with no type (llama.cpp's default),
// the older rope.scale_linear, config.json rope_scaling type / rope_type.
TEST(Formats, RopeScalingLinearMatchesReference) {
  TmpDir d;
  nm_model src = arch_model(d, "llama2");
  auto ref = rope_reference(d, {rope_case("linear", 10000.0f, 4.0f), rope_case("linear", 10000.0f, 2.5f)});
  w::write_model(src, d.file("m.gguf"), w::Target::gguf_f32);
  auto base = read_bytes(d.file("m.gguf"));
  struct Variant { const char* what; std::function<void(Gguf&)> add; size_t table; };
  std::vector<Variant> variants = {
      {"type linear", [](Gguf& g) { g.kv_str("llama.rope.scaling.type", "linear"); g.kv_f32("llama.rope.scaling.factor", 4.0f); }, 0},
      {"factor only", [](Gguf& g) { g.kv_f32("llama.rope.scaling.factor", 4.0f); }, 0},
      {"scale_linear", [](Gguf& g) { g.kv_f32("llama.rope.scale_linear", 2.5f); }, 1},
  };
  for (auto& v : variants) {
    Gguf g(base);
    v.add(g);
    write_bytes(d.file("v.gguf"), g.bytes());
    nm_model m;
    ASSERT_EQ(load(m, d.file("v.gguf")), "") << v.what;
    EXPECT_STREQ(m.cfg.arch, "llama2") << v.what;
    expect_table(engine_freqs(m), ref[v.table], v.what);
    nm_model_free(&m);
  }
  // "none" ignores the factor, as llama.cpp does.
  Gguf g(base);
  g.kv_str("llama.rope.scaling.type", "none");
  g.kv_f32("llama.rope.scaling.factor", 4.0f);
  write_bytes(d.file("v.gguf"), g.bytes());
  nm_model m;
  ASSERT_EQ(load(m, d.file("v.gguf")), "");
  EXPECT_EQ(m.cfg.rope_scaling.factor, 0.0f);
  nm_model_free(&m);
  // config.json, both key spellings, llama and mistral.
  for (const char* arch : {"llama2", "mistral"}) {
    for (const char* key : {"type", "rope_type"}) {
      std::strcpy(src.cfg.arch, arch);
      w::write_model(src, d.file("m.safetensors"), w::Target::safetensors_f32, {.config_json = true});
      set_config(d, [key](nlohmann::json& c) { c["rope_scaling"] = {{key, "linear"}, {"factor", 4.0}}; });
      ASSERT_EQ(load(m, d.file("m.safetensors")), "") << arch << " " << key;
      EXPECT_STREQ(m.cfg.arch, arch);
      expect_table(engine_freqs(m), ref[0], std::string("config.json ") + arch + " " + key);
      // Converted, it stays linear (kept as the equivalent Llama 3.1 numbers).
      w::write_model(m, d.file("c.gguf"), w::Target::gguf_f32);
      nm_model c;
      ASSERT_EQ(load(c, d.file("c.gguf")), "");
      expect_table(engine_freqs(c), ref[0], std::string("converted ") + arch);
      nm_model_free(&c);
      nm_model_free(&m);
    }
  }
  nm_model_free(&src);
}

// Llama 3.1 from 9ml's GGUF keys, config.json rope_scaling, transformers'
// newer rope_parameters (theta inside), and llama.cpp's rope_freqs.weight
// tensor (theta 500000 plus the table, no scaling keys), which was ignored.
TEST(Formats, RopeScalingLlama3MatchesReference) {
  TmpDir d;
  auto ref = rope_reference(d, {rope_case("llama3", 500000.0f, 8.0f, 1.0f, 4.0f, 8192),
                                rope_case("table", 500000.0f, 8.0f, 1.0f, 4.0f, 8192),
                                rope_case("llama3", 10000.0f, 4.0f, 1.0f, 2.0f, 64)});
  // The head size 16 puts pairs on every branch: kept, smoothed, divided.
  nm_model src = arch_model(d, "llama3");
  for (const char* t : {"gguf-f32", "safetensors-f32"}) {
    w::write_model(src, d.file("m.x"), *w::parse_target(t), {.config_json = true});
    nm_model m;
    ASSERT_EQ(load(m, d.file("m.x")), "") << t;
    EXPECT_STREQ(m.cfg.arch, "llama3");
    expect_table(engine_freqs(m), ref[0], t);
    nm_model_free(&m);
  }
  set_config(d, [](nlohmann::json& c) {
    c.erase("rope_scaling");
    c.erase("rope_theta");
    c["rope_parameters"] = {{"rope_type", "llama3"}, {"rope_theta", 10000.0}, {"factor", 4.0},
                            {"low_freq_factor", 1.0}, {"high_freq_factor", 2.0}, {"original_max_position_embeddings", 64}};
  });
  nm_model m;
  ASSERT_EQ(load(m, d.file("m.x")), "");
  EXPECT_EQ(m.cfg.rope_theta, 10000.0f);
  expect_table(engine_freqs(m), ref[2], "rope_parameters");
  nm_model_free(&m);

  nm_model plain = arch_model(d, "llama2");
  plain.cfg.rope_theta = 500000.0f;
  w::write_model(plain, d.file("p.gguf"), w::Target::gguf_f32);
  Gguf g(read_bytes(d.file("p.gguf")));
  std::vector<float> table(ref[1].begin(), ref[1].end());
  g.tensor_f32("rope_freqs.weight", table);
  write_bytes(d.file("t.gguf"), g.bytes());
  ASSERT_EQ(load(m, d.file("t.gguf")), "");
  EXPECT_STREQ(m.cfg.arch, "llama3");
  EXPECT_EQ(m.cfg.rope_scaling.factor, 8.0f);
  EXPECT_EQ(m.cfg.rope_scaling.original_max_position, 8192);
  expect_table(engine_freqs(m), ref[0], "rope_freqs.weight");
  nm_model_free(&m);
  // All ones: no scaling.
  Gguf ones(read_bytes(d.file("p.gguf")));
  ones.tensor_f32("rope_freqs.weight", std::vector<float>(8, 1.0f));
  write_bytes(d.file("o.gguf"), ones.bytes());
  ASSERT_EQ(load(m, d.file("o.gguf")), "");
  EXPECT_EQ(m.cfg.rope_scaling.factor, 0.0f);
  nm_model_free(&m);
  nm_model_free(&plain);
  nm_model_free(&src);
}

}  // namespace
