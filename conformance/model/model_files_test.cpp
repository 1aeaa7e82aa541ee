// Model files (issue 3): the same weights written in every format the
// writers produce and loaded back through the engine's format registry give
// logits bit-identical to the reference's llama2c mode, for every
// architecture (quantized files against the reference's own quantizers). Weights are snapped to values exact in f16 and bf16, so the
// f16/bf16 files hold the very same weights as the f32 ones.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <unistd.h>

#include "checkpoint_gen.hpp"
#include "engine_model.hpp"
#include "formats/formats.h"
#include "kernels.h"
#include "model_harness.hpp"
#include "tokenizer.h"
#include "vocab_gen.hpp"
#include "writers.hpp"

namespace nineml::conformance {
namespace {

constexpr int kSteps = 256;

// kshape: rows the K-quant types hold (fixtures::kquant_config); untied:
// the classifier its own matrix even where the arch's fixture ties it.
ref::Checkpoint snapped(const std::string& arch, bool kshape = false, bool untied = false) {
  ref::Config cfg = kshape ? fixtures::kquant_config(arch, kSteps) : arch_config(arch, kSteps);
  if (untied) cfg.shared_classifier = false;
  ref::Checkpoint ck = fixtures::make_checkpoint(cfg, 21);
  fixtures::snap_to_half_exact(ck);
  return ck;
}

struct Dir {
  std::filesystem::path p = std::filesystem::temp_directory_path() /
                            ("nineml-model-files-" + std::to_string(::getpid()));
  Dir() { std::filesystem::create_directories(p); }
  ~Dir() { std::filesystem::remove_all(p); }
};

struct Case {
  std::string arch, target;
  bool sampled;  // false: -t 0; true: -t 1.0 -p 0.9 -s 42
  bool kshape = false;  // snapped(arch, true)
  bool untied = false;  // snapped(arch, kshape, true)
};

class ModelFiles : public testing::TestWithParam<Case> {};

TEST_P(ModelFiles, LoadedFileMatchesReference) {
  const Case& c = GetParam();
  const ref::Checkpoint ck = snapped(c.arch, c.kshape, c.untied);
  EngineModel source(ck, ref::Quant{ref::Storage::f32, 32}, c.arch);
  Dir dir;
  auto target = writers::parse_target(c.target);
  ASSERT_TRUE(target.has_value()) << c.target;
  std::filesystem::create_directories(dir.p / c.target);
  const std::string path = (dir.p / c.target / "model.bin").string();
  writers::write_model(*source.get(), path, *target, {.config_json = true});

  nm_model m{};
  char err[256] = {0};
  ASSERT_EQ(nm_model_load(&m, path.c_str(), err, sizeof err), 0) << err;
  EXPECT_STREQ(m.cfg.arch, c.arch.c_str());
  EXPECT_EQ(m.cfg.shared_classifier != 0, ck.config.shared_classifier) << c.target;
  EXPECT_EQ(m.cfg.qkv_bias != 0, ck.config.qkv_bias) << c.target;
  // 16-bit float files stay 16-bit in memory (their products widen on the fly)
  const bool f16 = c.target.ends_with("-f16"), bf16 = c.target.ends_with("-bf16");
  if (f16 || bf16) {
    const int want_type = f16 ? NM_T_F16 : NM_T_BF16;
    EXPECT_EQ(m.wq[0].type, want_type) << c.target;
    EXPECT_EQ(m.w2[0].type, want_type) << c.target;
    EXPECT_EQ(m.token_embedding.type, want_type) << c.target;
    // read in place from the file's view, not copied (w2 is never permuted)
    ASSERT_GT(m.views.n, 0) << c.target;
    const auto* at = reinterpret_cast<const uint8_t*>(m.w2[0].h);
    bool inside = false;
    for (int i = 0; i < m.views.n; i++) {
      const uint8_t* v = m.views.v[i].data;
      inside = inside || (at >= v && at < v + m.views.v[i].len);
    }
    EXPECT_TRUE(inside) << c.target << ": w2 was copied out of the file";
  }
  const std::vector<int> prompt = {1, 37, 200, 5};
  const float t = c.sampled ? 1.0f : 0.0f, p = c.sampled ? 0.9f : 0.0f;
  const uint64_t seed = 42;
  const EngineRun got = engine_generate(&m, prompt, kSteps, t, p, seed);

  ref::Quant quant{ref::Storage::f32, 32};
  if (c.target == "v2") quant = {ref::Storage::q8, writers::default_group_size(ck.config.dim, ck.config.hidden_dim)};
  // A GGUF target is the reference storage of its name (gguf-q4_k_m: the
  // reference quantizes and types every matrix as the writer's mix does).
  if (c.target.starts_with("gguf-")) quant = {*ref::storage_from_name(c.target.substr(5)), 32};
  const ref::Generation want = ref::generate(ck, ref::Mode::llama2c, quant, prompt, kSteps, t, p, seed);
  ASSERT_EQ(got.logits.size(), want.logits.size());
  for (size_t i = 0; i < want.logits.size(); i++)
    for (size_t j = 0; j < want.logits[i].size(); j++) {
      const float w = static_cast<float>(want.logits[i][j]);
      ASSERT_EQ(std::memcmp(&w, &got.logits[i][j], sizeof w), 0)
          << c.target << " step " << i << " logit " << j << ": reference " << w << " engine " << got.logits[i][j];
    }
  EXPECT_EQ(got.tokens, want.tokens);
  nm_model_free(&m);
}

// GGUF files carry the vocabulary (tokenizer.ggml.tokens / scores /
// token_type): written from the generated test vocabulary, loaded back, it
// is the tokenizer.bin one piece for piece (U+2581 read as a space) and
// encodes and decodes text to the same ids and bytes.
class GgufVocabulary : public testing::TestWithParam<std::string> {};

TEST_P(GgufVocabulary, EmbeddedEqualsTokenizerBin) {
  const std::string& target = GetParam();
  EngineModel source(snapped("llama2"), ref::Quant{ref::Storage::f32, 32}, "llama2");
  source.attach_test_vocab();
  Dir dir;
  const std::string path = (dir.p / "model.gguf").string();
  writers::write_model(*source.get(), path, *writers::parse_target(target));
  const std::vector<uint8_t> bin = fixtures::vocab_bin(fixtures::test_vocab());

  nm_model m{};
  char err[256] = {0};
  ASSERT_EQ(nm_model_load(&m, path.c_str(), err, sizeof err), 0) << err;
  nm_vocab embedded{}, file{};
  ASSERT_EQ(nm_vocab_from_model(&embedded, &m, err, sizeof err), 0) << err;
  ASSERT_EQ(nm_vocab_from_bin(&file, bin.data(), bin.size(), m.cfg.vocab_size, "test-vocab", err, sizeof err), 0) << err;
  ASSERT_EQ(embedded.n, file.n);
  for (int i = 0; i < file.n; i++) {
    ASSERT_EQ(std::string(embedded.piece[i], static_cast<size_t>(embedded.piece_len[i])),
              std::string(file.piece[i], static_cast<size_t>(file.piece_len[i])))
        << "token " << i;
    ASSERT_EQ(embedded.score[i], file.score[i]) << "token " << i;
  }
  ASSERT_NE(embedded.type, nullptr);
  EXPECT_EQ(embedded.type[1], NM_TOKTYPE_CONTROL);
  EXPECT_EQ(embedded.type[3], NM_TOKTYPE_BYTE);
  for (const std::string text : {"Once upon a time, a tiny cat said hi.", "caf\xc3\xa9 \xe2\x98\x83 \x01 end"}) {
    std::vector<int> a(static_cast<size_t>(nm_tok_encode_max(static_cast<int>(text.size())))), b(a.size());
    int na = 0, nb = 0;
    ASSERT_EQ(nm_tok_encode(&embedded, text.data(), static_cast<int>(text.size()), 1, 0, a.data(),
                            static_cast<int>(a.size()), &na, err, sizeof err), 0) << err;
    ASSERT_EQ(nm_tok_encode(&file, text.data(), static_cast<int>(text.size()), 1, 0, b.data(),
                            static_cast<int>(b.size()), &nb, err, sizeof err), 0) << err;
    a.resize(static_cast<size_t>(na));
    b.resize(static_cast<size_t>(nb));
    EXPECT_EQ(a, b) << text;
    EXPECT_GT(na, 3) << text;
    std::vector<char> out(text.size() + 64);
    int len = 0;
    ASSERT_EQ(nm_tok_decode(&embedded, a.data(), na, out.data(), static_cast<int>(out.size()), &len, err,
                            sizeof err), 0) << err;
    EXPECT_EQ(std::string(out.data(), static_cast<size_t>(len)), text);
  }
  nm_vocab_free(&embedded);
  nm_vocab_free(&file);
  nm_model_free(&m);
}

INSTANTIATE_TEST_SUITE_P(EveryGgufType, GgufVocabulary,
                         testing::Values("gguf-f32", "gguf-f16", "gguf-bf16", "gguf-q8_0", "gguf-q4_0"),
                         [](const testing::TestParamInfo<std::string>& i) {
                           std::string s = i.param;
                           for (char& ch : s)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return s;
                         });

std::vector<Case> all_cases() {
  std::vector<Case> out;
  for (const char* arch : {"llama2", "llama3", "mistral", "qwen2"})
    for (const std::string& t : writers::target_names()) {
      bool llama2c_format = t == "v0" || t == "v1" || t == "v2";
      if (llama2c_format && std::string(arch) != "llama2") continue;  // llama2.c files carry llama2 only
      for (bool sampled : {false, true}) out.push_back({arch, t, sampled});
    }
  // Matrices the K types really hold (greedy): every K target for llama2,
  // the mixes and Q6_K for the others (shared and separate classifiers).
  for (const char* t : {"gguf-q4_k_m", "gguf-q5_k_m", "gguf-q6_k", "gguf-q4_k", "gguf-q5_k", "gguf-q3_k", "gguf-q2_k"})
    out.push_back({"llama2", t, false, true});
  for (const char* arch : {"llama3", "mistral", "qwen2"})
    for (const char* t : {"gguf-q4_k_m", "gguf-q5_k_m", "gguf-q6_k"}) out.push_back({arch, t, false, true});
  // Qwen2 with its own classifier (lm_head / output.weight) beside the
  // tied fixture, in every format that can hold it.
  for (const std::string& t : writers::target_names())
    if (t != "v0" && t != "v1" && t != "v2") out.push_back({"qwen2", t, false, false, true});
  return out;
}

std::string case_name(const testing::TestParamInfo<Case>& i) {
  std::string s = i.param.arch + "_" + i.param.target + (i.param.sampled ? "_sampled" : "_greedy") +
                  (i.param.kshape ? "_kshape" : "") + (i.param.untied ? "_untied" : "");
  for (char& ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s;
}

INSTANTIATE_TEST_SUITE_P(EveryArchitectureAndFormat, ModelFiles, testing::ValuesIn(all_cases()), case_name);

}  // namespace
}  // namespace nineml::conformance
