// Model-level conformance (issue 3): the engine's forward pass and generation
// against the reference's llama2c mode, per architecture x storage, token for
// token and with bit-identical logits at every step; plus the accuracy of the
// quantized storages against f32.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "checkpoint_gen.hpp"
#include "engine_model.hpp"
#include "model_harness.hpp"
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

TEST_P(QuantAccuracy, TopOneAgreementAndLogitError) {
  const ref::Storage storage = GetParam();
  const ref::Checkpoint ck = fixtures::make_checkpoint(arch_config("llama2"), 11);
  EngineModel f32(ck, quant_for(ref::Storage::f32), "llama2");
  EngineModel qm(ck, quant_for(storage), "llama2");
  const EngineRun base = engine_generate(f32.get(), {1, 37, 200, 5}, kSteps, 0.0f, 0.0f, 1);
  const char* err = nullptr;
  nm_state* s = nm_state_new(qm.get(), &err);
  ASSERT_NE(s, nullptr) << err;
  nm_exec e{nm_kernels_scalar(), nullptr};
  int agree = 0;
  double worst = 0, sum = 0;
  const int n = qm.get()->cfg.vocab_size;
  for (std::size_t pos = 0; pos < base.logits.size(); pos++) {
    const float* lq = nm_forward(s, qm.get(), &e, base.tokens[pos], int(pos));
    ASSERT_NE(lq, nullptr);
    const std::vector<float>& lf = base.logits[pos];
    agree += nm_sample_argmax(lq, n) == nm_sample_argmax(lf.data(), n);
    double range = 0, err_max = 0;
    for (int j = 0; j < n; j++) {
      range = std::max(range, std::fabs(double(lf[j])));
      err_max = std::max(err_max, std::fabs(double(lq[j]) - double(lf[j])));
    }
    worst = std::max(worst, err_max / range);
    sum += err_max / range;
  }
  nm_state_free(s);
  const double steps = double(base.logits.size());
  std::printf("[ accuracy ] %s vs f32: top-1 agreement %d/%d (%.1f%%), max |dlogit|/max|logit| mean %.4f worst %.4f\n",
              ref::storage_name(storage), agree, int(steps), 100.0 * agree / steps, sum / steps, worst);
  // Sane floors, not accuracy targets: the fixture's outlier weights (one in
  // 128 scaled by 10) and sharp attention make these small models hard to
  // quantize (Q4_0 zeroes most of a block holding an outlier). Measured on
  // this fixture: Q8 82% / 0.24, Q4_0 31% / 1.06; a broken path agrees on
  // about 1 in 320 steps.
  const bool q8 = storage == ref::Storage::q8;
  EXPECT_GE(agree / steps, q8 ? 0.7 : 0.2);
  EXPECT_LE(sum / steps, q8 ? 0.4 : 1.6);
}

INSTANTIATE_TEST_SUITE_P(Storages, QuantAccuracy, testing::Values(ref::Storage::q8, ref::Storage::q4_0),
                         [](const testing::TestParamInfo<ref::Storage>& i) { return ref::storage_name(i.param); });

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
