// Model-level conformance (issue 3): the engine's forward pass and generation
// against the reference's llama2c mode, per architecture x storage, token for
// token and with bit-identical logits at every step; plus the accuracy of the
// quantized storages against f32.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "checkpoint_gen.hpp"
#include "engine_model.hpp"
#include "model_harness.hpp"
#include "quant_accuracy.hpp"
#include "kernels.h"
#include "model/forward.h"
#include "model/generate.h"
#include "reference.hpp"

namespace nineml::conformance {
namespace {

constexpr int kSteps = 256;

ref::Quant quant_for(ref::Storage s) { return ref::Quant{s, 32}; }

struct Case {
  std::string arch;
  ref::Storage storage;
  bool sampled;  // false: temperature 0; true: -t 1.0 -p 0.9 -s 42
};

std::string case_name(const testing::TestParamInfo<Case>& i) {
  return i.param.arch + "_" + ref::storage_name(i.param.storage) + (i.param.sampled ? "_sampled" : "_greedy");
}

class ModelParity : public testing::TestWithParam<Case> {};

TEST_P(ModelParity, TokensAndLogitsBitIdenticalToReference) {
  const Case& c = GetParam();
  const ref::Quant q = quant_for(c.storage);
  const float t = c.sampled ? 1.0f : 0.0f, p = c.sampled ? 0.9f : 0.0f;
  const uint64_t seed = 42;
  const std::vector<int> prompt = {1, 37, 200, 5};
  // run.c stops at a sampled BOS; the first checkpoint seed whose reference
  // generation runs all 256 steps is used (the reference decides, so the
  // choice cannot hide an engine difference).
  ref::Checkpoint ck;
  ref::Generation want;
  for (uint64_t model_seed = 7; model_seed < 40; model_seed++) {
    ck = fixtures::make_checkpoint(arch_config(c.arch), model_seed);
    want = ref::generate(ck, ref::Mode::llama2c, q, prompt, kSteps, t, p, seed);
    if (want.logits.size() == std::size_t(kSteps)) break;
  }
  EngineModel em(ck, q, c.arch);
  const EngineRun got = engine_generate(em.get(), prompt, kSteps, t, p, seed);
  ASSERT_EQ(got.logits.size(), want.logits.size());
  for (std::size_t i = 0; i < want.logits.size(); i++) {
    for (std::size_t j = 0; j < want.logits[i].size(); j++) {
      const float w = static_cast<float>(want.logits[i][j]);
      ASSERT_EQ(std::memcmp(&w, &got.logits[i][j], sizeof w), 0)
          << "step " << i << " logit " << j << ": reference " << w << " engine " << got.logits[i][j];
    }
  }
  EXPECT_EQ(got.tokens, want.tokens);
  EXPECT_EQ(want.logits.size(), std::size_t(kSteps)) << "generation stopped early at a BOS";
}

std::vector<Case> all_cases() {
  std::vector<Case> out;
  for (const char* a : {"llama2", "llama3", "mistral"})
    for (ref::Storage s : {ref::Storage::f32, ref::Storage::q8, ref::Storage::q8_0, ref::Storage::q4_0})
      for (bool sampled : {false, true}) out.push_back({a, s, sampled});
  return out;
}

INSTANTIATE_TEST_SUITE_P(AllArchitectures, ModelParity, testing::ValuesIn(all_cases()), case_name);

// Q8 and Q4_0 against f32 on the f32 greedy sequence (teacher forcing):
// per-step top-1 agreement and the logit error relative to the logit range.
class QuantAccuracy : public testing::TestWithParam<ref::Storage> {};

// Every logit of every step within its bound (quant_accuracy.hpp,
// docs/TOLERANCES.md); agreement and the error/bound ratios are printed and
// the per-step report written where NINEML_REPORT_DIR points (if set).
TEST_P(QuantAccuracy, LogitErrorWithinBoundEveryStep) {
  const ref::Storage storage = GetParam();
  for (const char* arch : {"llama2", "llama3", "mistral"}) {
    const ref::Checkpoint ck = fixtures::make_checkpoint(arch_config(arch), 11);
    const QuantReport r = quant_accuracy(ck, arch, storage, kSteps, {1, 37, 200, 5});
    ASSERT_EQ(r.steps.size(), size_t(kSteps)) << arch;
    std::printf("[ accuracy ] %s", to_table(r).substr(0, to_table(r).find('\n') + 1).c_str());
    EXPECT_TRUE(r.bound_holds()) << arch << " " << ref::storage_name(storage) << ": worst error/bound "
                                 << r.worst_ratio << "\n" << to_table(r);
    // Not a target: a floor far below what these fixtures give (Q8 ~80%,
    // Q4_0 ~30%); a broken path agrees on about 1 step in vocab_size.
    EXPECT_GE(r.agree, kSteps / 10) << arch;
    if (const char* dir = std::getenv("NINEML_REPORT_DIR")) {
      std::FILE* f = std::fopen((std::string(dir) + "/quant-" + arch + "-" + ref::storage_name(storage) + ".json").c_str(), "w");
      if (f) {
        std::fputs(to_json(r).dump(2).c_str(), f);
        std::fclose(f);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Storages, QuantAccuracy, testing::Values(ref::Storage::q8, ref::Storage::q8_0, ref::Storage::q4_0),
                         [](const testing::TestParamInfo<ref::Storage>& i) { return ref::storage_name(i.param); });

// The check can fail: a quantized logit moved past its bound is caught, one
// moved to just inside is not.
TEST(QuantAccuracyCheck, FlagsALogitPastItsBound) {
  const int dim = 64, vocab = 5;
  std::vector<float> W(size_t(vocab) * dim), W_hat(W.size()), x(dim);
  for (size_t i = 0; i < W.size(); i++) {
    W[i] = std::sin(0.37f * float(i));
    W_hat[i] = W[i] + (i % 3 == 0 ? 0.01f : -0.004f);
  }
  for (int i = 0; i < dim; i++) x[size_t(i)] = std::cos(0.11f * float(i));
  std::vector<float> lf(vocab), lq(vocab);
  for (int j = 0; j < vocab; j++) {
    double a = 0, b = 0;
    for (int i = 0; i < dim; i++) {
      a += double(W[size_t(j) * dim + i]) * x[size_t(i)];
      b += double(W_hat[size_t(j) * dim + i]) * x[size_t(i)];
    }
    lf[size_t(j)] = float(a);
    lq[size_t(j)] = float(b);
  }
  QuantStep ok = quant_step(0, W, W_hat, dim, 32, x.data(), x.data(), lq.data(), lf.data(), vocab);
  EXPECT_LE(ok.worst_ratio, 1.0);
  EXPECT_GT(ok.worst_ratio, 0.0);
  lq[3] += float(1.5 * ok.bound_at_max_error + 1.0);
  QuantStep bad = quant_step(0, W, W_hat, dim, 32, x.data(), x.data(), lq.data(), lf.data(), vocab);
  EXPECT_GT(bad.worst_ratio, 1.0);
}

// ---- contract checks of the run state and the loop --------------------------

TEST(ModelState, RejectsInvalidShapesWithOneLineReason) {
  ref::Checkpoint ck = fixtures::make_checkpoint(arch_config("llama2"), 3);
  EngineModel em(ck, quant_for(ref::Storage::f32), "llama2");
  nm_model bad = *em.get();
  bad.cfg.n_kv_heads = 3;
  const char* err = nullptr;
  EXPECT_EQ(nm_state_new(&bad, &err), nullptr);
  EXPECT_STREQ(err, "n_heads is not a multiple of n_kv_heads");
  bad = *em.get();
  bad.cfg.hidden_dim = 96;  // the tensors say 160
  EXPECT_EQ(nm_state_new(&bad, &err), nullptr);
  EXPECT_STREQ(err, "tensor shape disagrees with the config");
  bad = *em.get();
  bad.cfg.rope_scaling = nm_rope_scaling{8.0f, 4.0f, 1.0f, 8192};
  EXPECT_EQ(nm_state_new(&bad, &err), nullptr);
  EXPECT_NE(std::string(err).find("rope scaling"), std::string::npos);
}

TEST(ModelState, ForwardRejectsTokenAndPositionOutOfRange) {
  ref::Checkpoint ck = fixtures::make_checkpoint(arch_config("llama2"), 3);
  EngineModel em(ck, quant_for(ref::Storage::f32), "llama2");
  const char* err = nullptr;
  nm_state* s = nm_state_new(em.get(), &err);
  ASSERT_NE(s, nullptr);
  nm_exec e{nm_kernels_scalar(), nullptr};
  EXPECT_EQ(nm_forward(s, em.get(), &e, -1, 0), nullptr);
  EXPECT_EQ(nm_forward(s, em.get(), &e, em.get()->cfg.vocab_size, 0), nullptr);
  EXPECT_EQ(nm_forward(s, em.get(), &e, 1, em.get()->cfg.seq_len), nullptr);
  EXPECT_NE(nm_forward(s, em.get(), &e, 1, 0), nullptr);
  nm_sampler sp;
  ASSERT_EQ(nm_sampler_init(&sp, em.get()->cfg.vocab_size, 0.0f, 0.0f, 1), 0);
  const int long_prompt[4] = {1, 2, 3, 4};
  EXPECT_EQ(nm_generate(s, em.get(), &e, &sp, long_prompt, 4, 3, nullptr), -1);  // prompt longer than steps
  EXPECT_EQ(nm_generate(s, em.get(), &e, &sp, long_prompt, 0, 3, nullptr), -1);  // empty prompt
  const int bad_token[2] = {1, 100000};
  EXPECT_EQ(nm_generate(s, em.get(), &e, &sp, bad_token, 2, 3, nullptr), -1);
  nm_sampler_free(&sp);
  nm_state_free(s);
}

// The frequencies nm_rope computes, given to nm_rope_freqs, give nm_rope's bits.
TEST(ModelRope, FreqsVariantMatchesDefaultRope) {
  const int head_size = 16, dim = 64;
  std::vector<float> freqs(head_size / 2);
  for (int hd = 0; hd < head_size; hd += 2)
    freqs[hd / 2] = 1.0f / std::pow(10000.0f, hd / static_cast<float>(head_size));
  for (int pos : {0, 1, 77, 4095}) {
    std::vector<float> a(dim), b;
    for (int i = 0; i < dim; i++) a[i] = std::sin(0.37f * i + 1.0f);
    b = a;
    nm_rope(a.data(), dim, head_size, pos, 10000.0f);
    nm_rope_freqs(b.data(), dim, head_size, pos, freqs.data());
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0) << "pos " << pos;
  }
}

// Llama 3.1 scaling: the engine's frequencies equal the reference's, and all
// three branches (kept, smoothed, divided) occur for head_size 16, theta 5e5.
TEST(ModelRope, ScaledFrequenciesMatchReference) {
  nm_rope_scaling rs{8.0f, 1.0f, 4.0f, 8192};
  std::vector<float> got(8);
  nm_rope_scaled_freqs(got.data(), 16, 500000.0f, &rs);
  const std::vector<float> want = ref::llama2c::rope_freqs(16, 500000.0f, ref::RopeScaling{8.0f, 1.0f, 4.0f, 8192});
  ASSERT_EQ(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)), 0);
  const std::vector<float> plain = ref::llama2c::rope_freqs(16, 500000.0f, ref::RopeScaling{});
  int kept = 0, divided = 0, smoothed = 0;
  for (int i = 0; i < 8; i++) {
    if (got[i] == plain[i]) kept++;
    else if (got[i] == plain[i] / 8.0f) divided++;
    else smoothed++;
  }
  EXPECT_GT(kept, 0);
  EXPECT_GT(divided, 0);
  EXPECT_GT(smoothed, 0);
}

}  // namespace
}  // namespace nineml::conformance
