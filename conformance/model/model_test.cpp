// Model-level conformance (issue 3): the engine's forward pass and generation
// against the reference's llama2c mode, per architecture x storage, token for
// token and with bit-identical logits at every step; plus the accuracy of the
// quantized storages against f32.
#include <gtest/gtest.h>

#include <algorithm>
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
  for (const char* a : {"llama2", "llama3", "mistral", "qwen2"})
    for (ref::Storage s : {ref::Storage::f32, ref::Storage::q8, ref::Storage::q8_0, ref::Storage::q4_0,
                           ref::Storage::f16, ref::Storage::bf16})
      for (bool sampled : {false, true}) out.push_back({a, s, sampled});
  return out;
}

INSTANTIATE_TEST_SUITE_P(AllArchitectures, ModelParity, testing::ValuesIn(all_cases()), case_name);

// Q8 and Q4_0 against f32 on the f32 greedy sequence, 256 steps, every
// architecture (quant_accuracy.hpp, docs/TOLERANCES.md): the three derived
// gates (stored weights, every product teacher-forced on the f32 run's
// activations, every logit end to end) must hold; top-1 agreement and each
// disagreement's cause are reported, not gated. The per-step report is
// written where NINEML_REPORT_DIR points (if set).
class QuantAccuracy : public testing::TestWithParam<ref::Storage> {};

TEST_P(QuantAccuracy, DerivedBoundsHoldEveryStep) {
  const ref::Storage storage = GetParam();
  for (const char* arch : {"llama2", "llama3", "mistral", "qwen2"}) {
    const ref::Checkpoint ck = fixtures::make_checkpoint(arch_config(arch), 11);
    const QuantReport r = quant_accuracy(ck, arch, storage, kSteps, {1, 37, 200, 5});
    ASSERT_EQ(r.steps.size(), size_t(kSteps)) << arch;
    const std::string table = to_table(r);
    std::printf("[ accuracy ] %s", table.substr(0, table.find('\n', table.find('\n') + 1) + 1).c_str());
    EXPECT_LE(r.weight_worst_ratio, 1.0) << arch << ": a stored weight outside its quantizer's bound";
    EXPECT_LE(r.product_worst_ratio, 1.0) << arch << ": a teacher-forced product outside its bound\n" << table;
    EXPECT_LE(r.worst_ratio, 1.0) << arch << ": a logit outside its end-to-end bound\n" << table;
    // 7 products per layer and the classifier, at every step.
    for (const QuantStep& s : r.steps) ASSERT_EQ(s.products, 7 * ck.config.n_layers + 1) << arch << " pos " << s.pos;
    EXPECT_EQ(r.weights.size(), size_t(1 + 7 * ck.config.n_layers + (ck.config.shared_classifier ? 0 : 1))) << arch;
    EXPECT_EQ(r.explained + r.carried, kSteps - r.agree) << arch;
    // The checks are not vacuous: errors are a visible part of their bounds.
    EXPECT_GT(r.weight_worst_ratio, 0.25) << arch;
    EXPECT_GT(r.product_worst_ratio, 0.0) << arch;
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

// The end-to-end check can fail: a quantized logit moved past its bound is
// caught, the unmoved ones are not.
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

// A deliberately wrong quantizer (truncation toward zero instead of
// rounding) rewrites one tensor of an otherwise correct model: the weights
// gate names that tensor and only that one.
void truncate_q8(const nm_tensor& t, const float* w) {
  const long long n = (long long)t.rows * t.cols;
  for (long long i = 0; i < n; i++) {
    const float s = t.s[i / t.group_size];
    t.q[i] = static_cast<nm_i8>(s != 0.0f ? std::trunc(w[i] / s) : 0.0f);
  }
}
void truncate_q4_0(const nm_tensor& t, const float* w) {
  const long long n = (long long)t.rows * t.cols;
  for (long long b = 0; b < n / 32; b++) {
    nm_u8* blk = t.blocks + b * 18;
    const float d = nm_half_to_float(static_cast<nm_u16>(blk[0] | (blk[1] << 8)));
    for (int j = 0; j < 32; j++) {
      const int q = std::clamp(static_cast<int>(d != 0.0f ? std::trunc(w[b * 32 + j] / d) : 0.0f) + 8, 0, 15);
      nm_u8& byte = blk[2 + (j & 15)];
      byte = static_cast<nm_u8>(j < 16 ? (byte & 0xf0) | q : (byte & 0x0f) | (q << 4));
    }
  }
}

// The llama2 fixture in f32 and in one quantized storage, checked for 4 steps.
struct ModelPair {
  ref::Storage storage;
  ref::Checkpoint ck = fixtures::make_checkpoint(arch_config("llama2"), 11);
  EngineModel f32{ck, ref::Quant{ref::Storage::f32, 32}, "llama2"};
  EngineModel qm{ck, ref::Quant{storage, 32}, "llama2"};
  explicit ModelPair(ref::Storage s) : storage(s) {}
  QuantReport check(const nm_kernel_table* k) const {
    return quant_accuracy(f32.get(), qm.get(), quantizer_for(storage), k, 4, {1}, "llama2", ref::storage_name(storage));
  }
};

class QuantAccuracyFault : public testing::TestWithParam<ref::Storage> {};

TEST_P(QuantAccuracyFault, WrongQuantizerFailsTheWeightsGate) {
  const ModelPair m(GetParam());
  ASSERT_TRUE(m.check(nm_kernels_scalar()).bound_holds());
  const nm_tensor& t = m.qm.get()->w2[1];
  if (t.type == NM_T_Q4_0) truncate_q4_0(t, m.f32.get()->w2[1].f);
  else truncate_q8(t, m.f32.get()->w2[1].f);
  const QuantReport bad = m.check(nm_kernels_scalar());
  EXPECT_FALSE(bad.bound_holds());
  for (const WeightCheck& w : bad.weights) {
    if (w.tensor == "layers.1.w2") EXPECT_GT(w.worst_ratio, 1.0) << w.tensor;
    else EXPECT_LE(w.worst_ratio, 1.0) << w.tensor;
  }
  EXPECT_NE(to_table(bad).find("BOUND VIOLATED"), std::string::npos);
}

// A deliberately wrong product kernel, a plausible indexing bug: the last
// group of every row is multiplied by a zero activation scale (the group is
// skipped). The products gate fails, for every storage.
thread_local const nm_kernel_table* t_base = nullptr;
thread_local std::vector<float> t_scales;
const float* without_last_group(const float* xs, int groups, int T) {
  t_scales.assign(xs, xs + size_t(T) * size_t(groups));
  for (int t = 0; t < T; t++) t_scales[size_t(t) * size_t(groups) + size_t(groups - 1)] = 0.0f;
  return t_scales.data();
}
void skip_q8_rows(float* out, const nm_i8* xq, const float* xs, const nm_i8* wq, const float* ws, int n, int gs, int r0,
                  int r1) {
  t_base->matmul_q8_rows(out, xq, without_last_group(xs, n / gs, 1), wq, ws, n, gs, r0, r1);
}
void skip_q8_batch(float* out, const nm_i8* xq, const float* xs, const nm_i8* wq, const float* ws, int n, int d, int gs,
                   int T, int r0, int r1) {
  t_base->matmul_q8_batch(out, xq, without_last_group(xs, n / gs, T), wq, ws, n, d, gs, T, r0, r1);
}
void skip_q4_0_rows(float* out, const nm_i8* xq, const float* xs, const nm_u8* w, int n, int r0, int r1) {
  t_base->matmul_q4_0_rows(out, xq, without_last_group(xs, n / 32, 1), w, n, r0, r1);
}
void skip_q4_0_batch(float* out, const nm_i8* xq, const float* xs, const nm_u8* w, int n, int d, int T, int r0, int r1) {
  t_base->matmul_q4_0_batch(out, xq, without_last_group(xs, n / 32, T), w, n, d, T, r0, r1);
}

TEST_P(QuantAccuracyFault, WrongKernelFailsTheProductsGate) {
  const ModelPair m(GetParam());
  t_base = nm_kernels_scalar();
  nm_kernel_table wrong = *t_base;
  wrong.matmul_q8_rows = skip_q8_rows;
  wrong.matmul_q8_batch = skip_q8_batch;
  wrong.matmul_q4_0_rows = skip_q4_0_rows;
  wrong.matmul_q4_0_batch = skip_q4_0_batch;
  const QuantReport bad = m.check(&wrong);
  EXPECT_GT(bad.product_worst_ratio, 1.0);
  EXPECT_LE(bad.weight_worst_ratio, 1.0);
  EXPECT_FALSE(bad.bound_holds());
}

// NINEML_FAULT=matmul_q8_0:1000000 (docs/CONFORMANCE.md; 10^6 ULPs is its
// largest fault, about 6-12% of a value) moves three outputs of every Q8
// product: the products gate fails; NINEML_FAULT=matmul_q4_0 changes
// nothing there. (Q4_0's bounds are wider than that fault: its products are
// shown to fail by the wrong kernel above.)
// Unsets NINEML_FAULT on every way out, so no later test in this process sees it.
struct FaultEnv {
  FaultEnv() = default;
  FaultEnv(const FaultEnv&) = delete;
  FaultEnv& operator=(const FaultEnv&) = delete;
  ~FaultEnv() { unsetenv("NINEML_FAULT"); }
  void set(const char* value) { EXPECT_EQ(setenv("NINEML_FAULT", value, 1), 0); }
};

TEST(QuantAccuracyFaultEnv, NinemlFaultOnQ8ProductsFailsTheProductsGate) {
  const ref::Checkpoint ck = fixtures::make_checkpoint(arch_config("llama2"), 11);
  for (ref::Storage storage : {ref::Storage::q8, ref::Storage::q8_0}) {
    FaultEnv env;
    env.set("matmul_q4_0:1000000");
    const QuantReport unaffected = quant_accuracy(ck, "llama2", storage, 4, {1}, 32);
    env.set("matmul_q8_0:1000000");
    const QuantReport bad = quant_accuracy(ck, "llama2", storage, 4, {1}, 32);
    EXPECT_TRUE(unaffected.bound_holds()) << to_table(unaffected);
    EXPECT_GT(bad.product_worst_ratio, 1.0) << ref::storage_name(storage);
    EXPECT_LE(bad.weight_worst_ratio, 1.0);
    EXPECT_FALSE(bad.bound_holds());
  }
}

INSTANTIATE_TEST_SUITE_P(Storages, QuantAccuracyFault,
                         testing::Values(ref::Storage::q8, ref::Storage::q8_0, ref::Storage::q4_0),
                         [](const testing::TestParamInfo<ref::Storage>& i) { return ref::storage_name(i.param); });

// The GGUF block storages (q5_0 ... q6_k and llama.cpp's K-quant mixes) on
// rows the K types hold (fixtures::kquant_config): the three gates hold
// with each tensor's bound from its stored type; a product kernel that
// skips the last group of every row fails the products gate.
class QuantAccuracyBlocks : public testing::TestWithParam<ref::Storage> {};

void skip_blocks_rows(int blk, float* out, const nm_i8* xq, const float* xs, const nm_u8* w, int n, int r0, int r1) {
  t_base->matmul_blocks_rows(blk, out, xq, without_last_group(xs, n / 32, 1), w, n, r0, r1);
}
void skip_blocks_batch(int blk, float* out, const nm_i8* xq, const float* xs, const nm_u8* w, int n, int d, int T,
                       int r0, int r1) {
  t_base->matmul_blocks_batch(blk, out, xq, without_last_group(xs, n / 32, T), w, n, d, T, r0, r1);
}

TEST_P(QuantAccuracyBlocks, DerivedBoundsHoldAndAWrongKernelFails) {
  const ref::Storage storage = GetParam();
  for (const char* arch : {"llama2", "mistral"}) {  // shared and separate classifiers
    const ref::Checkpoint ck = fixtures::make_checkpoint(fixtures::kquant_config(arch, 16), 11);
    EngineModel f32(ck, ref::Quant{ref::Storage::f32, 32}, arch), qm(ck, ref::Quant{storage, 32}, arch);
    EXPECT_EQ(qm.get()->wq[0].type, NM_T_Q5_0 + static_cast<int>(*ref::block_of_ggml_type(
                                        ref::gguf_matrix_type(storage, ref::Matrix::attn_q, 0, 2, 256, true))));
    const QuantReport r = quant_accuracy(f32.get(), qm.get(), quantizer_for(storage), nm_kernels_scalar(), 4,
                                         {1, 37}, arch, ref::storage_name(storage));
    EXPECT_TRUE(r.bound_holds()) << arch << "\n" << to_table(r);
    EXPECT_GT(r.weight_worst_ratio, 0.25) << arch;
    EXPECT_GT(r.product_worst_ratio, 0.0) << arch;
    t_base = nm_kernels_scalar();
    nm_kernel_table wrong = *t_base;
    wrong.matmul_blocks_rows = skip_blocks_rows;
    wrong.matmul_blocks_batch = skip_blocks_batch;
    const QuantReport bad = quant_accuracy(f32.get(), qm.get(), quantizer_for(storage), &wrong, 4, {1, 37}, arch,
                                           ref::storage_name(storage));
    EXPECT_GT(bad.product_worst_ratio, 1.0) << arch;
    EXPECT_FALSE(bad.bound_holds()) << arch;
  }
}

INSTANTIATE_TEST_SUITE_P(BlockStorages, QuantAccuracyBlocks,
                         testing::Values(ref::Storage::q5_0, ref::Storage::q5_1, ref::Storage::q2_k, ref::Storage::q3_k,
                                         ref::Storage::q4_k, ref::Storage::q5_k, ref::Storage::q6_k,
                                         ref::Storage::q4_k_m, ref::Storage::q5_k_m),
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
