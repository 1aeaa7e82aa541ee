// Whole-model generation over seeded checkpoints: reproducibility, llama2c vs
// exact agreement, classifier sharing, GQA and the sliding window.
#include <algorithm>
#include <bit>
#include <cmath>
#include <set>

#include <gtest/gtest.h>

#include "checkpoint_gen.hpp"
#include "reference.hpp"
#include "test_util.hpp"

namespace nineml::ref {
namespace {

Config model_config(bool shared = true) {
  Config c;
  c.dim = 64;
  c.hidden_dim = 172;
  c.n_layers = 2;
  c.n_heads = 4;
  c.n_kv_heads = 2;
  c.vocab_size = 96;
  c.seq_len = 64;
  c.shared_classifier = shared;
  return c;
}

const std::vector<int> kPrompt = {1, 17, 42, 5};

// Bitwise equality of two generations (logits compared as bit patterns).
void expect_identical(const Generation& a, const Generation& b) {
  ASSERT_EQ(a.tokens, b.tokens);
  ASSERT_EQ(a.logits.size(), b.logits.size());
  for (std::size_t s = 0; s < a.logits.size(); s++)
    for (std::size_t i = 0; i < a.logits[s].size(); i++)
      ASSERT_EQ(std::bit_cast<uint64_t>(a.logits[s][i]), std::bit_cast<uint64_t>(b.logits[s][i]))
          << "step " << s << " logit " << i;
}

std::size_t distinct(const std::vector<int>& t) { return std::set<int>(t.begin(), t.end()).size(); }

TEST(Generate, GreedyLlama2cIsBitReproducible) {
  const Checkpoint ck = fixtures::make_checkpoint(model_config(), 42);
  const Generation a = generate(ck, Mode::llama2c, kPrompt, 48, 0.0f, 0.9f, 42);
  const Generation b = generate(ck, Mode::llama2c, kPrompt, 48, 0.0f, 0.9f, 42);
  expect_identical(a, b);
  ASSERT_EQ(a.tokens.size(), a.logits.size() + 1);
  // The first tokens are the prompt, forced.
  EXPECT_TRUE(std::equal(kPrompt.begin(), kPrompt.end(), a.tokens.begin()));
  // The seeded model is not degenerate: greedy decoding moves around.
  EXPECT_GE(distinct(std::vector<int>(a.tokens.begin() + 4, a.tokens.end())), 6u);
  // llama2c logits are float32 values carried in doubles.
  for (const auto& step : a.logits)
    for (double v : step) ASSERT_EQ(double(float(v)), v);
}

// Greedy tokens of llama2c mode must equal exact mode's. They may part only
// where the two modes' logit errors can reorder exact mode's top two: if
// exact's gap between its best and second-best logit is g and llama2c's logits
// are off by at most e each, llama2c can rank them the other way only when
// g <= 2e. Any divergence without that excuse is a bug.
TEST(Generate, GreedyTokensMatchExactMode) {
  for (int variant = 0; variant < 4; variant++) {
    // 0, 1: a Llama model, tied and untied; 2, 3: the same with Qwen2's
    // q/k/v biases and theta (fixtures::arch_config("qwen2")).
    const bool shared = variant % 2 == 0;
    Config cfg = model_config(shared);
    if (variant >= 2) {
      const Config q = fixtures::arch_config("qwen2", cfg.seq_len);
      cfg.qkv_bias = q.qkv_bias;
      cfg.rope_theta = q.rope_theta;
      cfg.norm_eps = q.norm_eps;
    }
    const Checkpoint ck = fixtures::make_checkpoint(cfg, 7);
    const Generation f = generate(ck, Mode::llama2c, kPrompt, 64, 0.0f, 0.0f, 1);
    const Generation e = generate(ck, Mode::exact, kPrompt, 64, 0.0f, 0.0f, 1);
    const std::size_t steps = std::min(f.logits.size(), e.logits.size());
    double worst_rel = 0;
    for (std::size_t s = 0; s < steps; s++) {
      double err = 0, scale = 0;
      for (std::size_t i = 0; i < e.logits[s].size(); i++) {
        err = std::max(err, std::fabs(f.logits[s][i] - e.logits[s][i]));
        scale = std::max(scale, std::fabs(e.logits[s][i]));
      }
      worst_rel = std::max(worst_rel, err / scale);
      if (f.tokens[s + 1] == e.tokens[s + 1]) continue;
      std::vector<double> sorted = e.logits[s];
      std::sort(sorted.begin(), sorted.end(), std::greater<>());
      const double gap = sorted[0] - sorted[1];
      EXPECT_LE(gap, 2 * err) << "step " << s << ": tokens differ though exact's top-2 gap " << gap
                              << " exceeds twice the logit error " << err;
      break;  // after a justified divergence the histories differ
    }
    // The float32 forward pass stays close to the exact one.
    EXPECT_LT(worst_rel, 5e-4) << (shared ? "shared" : "unshared") << (variant >= 2 ? " qwen2" : "");
  }
}

// Qwen2's biases: zero biases give a bias-free model's bits exactly (the
// add of +0.0f changes nothing), in both modes; the generated ones change
// every step's logits.
TEST(Generate, QkvBiasIsAddedBeforeRope) {
  Config cfg = model_config(true);
  cfg.qkv_bias = true;
  const Checkpoint with = fixtures::make_checkpoint(cfg, 5);
  Checkpoint zero = with, none = with;
  std::fill(zero.bq.begin(), zero.bq.end(), 0.0f);
  std::fill(zero.bk.begin(), zero.bk.end(), 0.0f);
  std::fill(zero.bv.begin(), zero.bv.end(), 0.0f);
  none.config.qkv_bias = false;
  none.bq.clear();
  none.bk.clear();
  none.bv.clear();
  for (Mode m : {Mode::llama2c, Mode::exact}) {
    expect_identical(generate(zero, m, kPrompt, 12, 0.0f, 0.0f, 1), generate(none, m, kPrompt, 12, 0.0f, 0.0f, 1));
    const Generation a = generate(with, m, kPrompt, 12, 0.0f, 0.0f, 1), b = generate(none, m, kPrompt, 12, 0.0f, 0.0f, 1);
    for (std::size_t s = 0; s < std::min(a.logits.size(), b.logits.size()); s++)
      EXPECT_NE(a.logits[s], b.logits[s]) << "step " << s;
  }
  // A bias flag without biases (or biases without the flag) is refused.
  Checkpoint missing = with;
  missing.bk.clear();
  EXPECT_THROW(Transformer(missing, Mode::llama2c), std::invalid_argument);
  Checkpoint stray = none;
  stray.bq = with.bq;
  EXPECT_THROW(Transformer(stray, Mode::exact), std::invalid_argument);
}

TEST(Generate, SampledRunIsReproducible) {
  const Checkpoint ck = fixtures::make_checkpoint(model_config(), 42);
  const Generation a = generate(ck, Mode::llama2c, kPrompt, 40, 1.0f, 0.9f, 42);
  const Generation b = generate(ck, Mode::llama2c, kPrompt, 40, 1.0f, 0.9f, 42);
  expect_identical(a, b);
  const Generation c = generate(ck, Mode::exact, kPrompt, 40, 1.0f, 0.9f, 42);
  const Generation d = generate(ck, Mode::exact, kPrompt, 40, 1.0f, 0.9f, 42);
  expect_identical(c, d);
  EXPECT_GE(distinct(a.tokens), 8u);
}

TEST(Generate, StopsAtBosAndHonoursTheStepBudget) {
  const Checkpoint ck = fixtures::make_checkpoint(model_config(), 42);
  const Generation g = generate(ck, Mode::llama2c, {1, 1}, 10, 0.0f, 0.0f, 1);
  // Forced prompt token 1 (BOS) at step 0 ends the run.
  EXPECT_EQ(g.tokens, (std::vector<int>{1, 1}));
  EXPECT_EQ(g.logits.size(), 1u);
  EXPECT_LE(generate(ck, Mode::llama2c, kPrompt, 5, 0.0f, 0.0f, 1).logits.size(), 5u);
  EXPECT_LE(generate(ck, Mode::llama2c, kPrompt, 0, 0.0f, 0.0f, 1).logits.size(), 64u);
  EXPECT_THROW(generate(ck, Mode::llama2c, {}, 5, 0.0f, 0.0f, 1), std::invalid_argument);
}

TEST(Generate, UnsharedClassifierUsesWcls) {
  const Checkpoint shared = fixtures::make_checkpoint(model_config(true), 9);
  // An unshared copy whose wcls equals the embedding must give the same bits.
  Checkpoint copy = shared;
  copy.config.shared_classifier = false;
  copy.wcls = copy.token_embedding;
  expect_identical(generate(shared, Mode::llama2c, kPrompt, 12, 0.0f, 0.0f, 1),
                   generate(copy, Mode::llama2c, kPrompt, 12, 0.0f, 0.0f, 1));
  // A different wcls changes the logits.
  Checkpoint other = copy;
  for (float& w : other.wcls) w = -w;
  Transformer a(copy, Mode::exact), b(other, Mode::exact);
  const auto la = a.forward(3, 0), lb = b.forward(3, 0);
  for (std::size_t i = 0; i < la.size(); i++) EXPECT_EQ(la[i], -lb[i]);
}

TEST(Generate, GroupedQueryAttentionEqualsReplicatedHeads) {
  // A GQA model equals the multi-head model whose k/v heads are copies of the
  // shared kv head of each group: same arithmetic, element by element.
  const Config cfg = model_config();  // 4 heads, 2 kv heads
  const Checkpoint gqa = fixtures::make_checkpoint(cfg, 11);
  Checkpoint mha = gqa;
  mha.config.n_kv_heads = cfg.n_heads;
  const std::size_t dim = 64, hs = 16, kv_dim = 32, kv_mul = 2;
  mha.wk.clear();
  mha.wv.clear();
  for (int l = 0; l < cfg.n_layers; l++)
    for (std::size_t h = 0; h < 4; h++)
      for (std::size_t r = 0; r < hs; r++) {
        const std::size_t src = (std::size_t(l) * kv_dim + (h / kv_mul) * hs + r) * dim;
        mha.wk.insert(mha.wk.end(), gqa.wk.begin() + std::ptrdiff_t(src), gqa.wk.begin() + std::ptrdiff_t(src + dim));
        mha.wv.insert(mha.wv.end(), gqa.wv.begin() + std::ptrdiff_t(src), gqa.wv.begin() + std::ptrdiff_t(src + dim));
      }
  for (Mode m : {Mode::llama2c, Mode::exact})
    expect_identical(generate(gqa, m, kPrompt, 16, 0.0f, 0.0f, 1), generate(mha, m, kPrompt, 16, 0.0f, 0.0f, 1));
}

TEST(Generate, SlidingWindowChangesOnlyLongContexts) {
  Config cfg = model_config();
  const Checkpoint full = fixtures::make_checkpoint(cfg, 13);
  Checkpoint windowed = full;
  windowed.config.sliding_window = 4;
  Transformer a(full, Mode::llama2c), b(windowed, Mode::llama2c);
  const int tokens[] = {1, 8, 30, 2, 77, 50, 9};
  for (int pos = 0; pos < 7; pos++) {
    const auto la = a.forward(tokens[pos], pos), lb = b.forward(tokens[pos], pos);
    if (pos < 4)
      EXPECT_EQ(la, lb) << "window covers all of 0.." << pos;
    else
      EXPECT_NE(la, lb) << "window drops early positions at " << pos;
  }
}

TEST(Generate, RopeThetaIsUsed) {
  Config cfg = model_config();
  const Checkpoint base = fixtures::make_checkpoint(cfg, 15);
  Checkpoint llama3 = base;
  llama3.config.rope_theta = 500000.0f;
  Transformer a(base, Mode::exact), b(llama3, Mode::exact);
  EXPECT_EQ(a.forward(5, 0), b.forward(5, 0));  // position 0 is not rotated
  EXPECT_NE(a.forward(6, 1), b.forward(6, 1));
}

TEST(Generate, V0RoundTripGivesTheSameGeneration) {
  const Checkpoint ck = fixtures::make_checkpoint(model_config(false), 17);
  const std::string path = test::temp_path("model.bin");
  save_v0(ck, path);
  expect_identical(generate(ck, Mode::llama2c, kPrompt, 20, 1.0f, 0.9f, 42),
                   generate(load_v0(path), Mode::llama2c, kPrompt, 20, 1.0f, 0.9f, 42));
  std::filesystem::remove(path);
}

TEST(Generate, ForwardRejectsBadTokenAndPosition) {
  const Checkpoint ck = fixtures::make_checkpoint(model_config(), 1);
  Transformer t(ck, Mode::llama2c);
  EXPECT_THROW(t.forward(96, 0), std::out_of_range);
  EXPECT_THROW(t.forward(-1, 0), std::out_of_range);
  EXPECT_THROW(t.forward(0, 64), std::out_of_range);
  EXPECT_EQ(t.mode(), Mode::llama2c);
}

TEST(CheckpointGen, IsAPureFunctionOfConfigAndSeed) {
  const Checkpoint a = fixtures::make_checkpoint(model_config(), 99);
  const Checkpoint b = fixtures::make_checkpoint(model_config(), 99);
  const Checkpoint c = fixtures::make_checkpoint(model_config(), 100);
  EXPECT_EQ(a.wq, b.wq);
  EXPECT_EQ(a.token_embedding, b.token_embedding);
  EXPECT_NE(a.wq, c.wq);
  // Outliers are present and norms sit near 1.
  const float big = *std::max_element(a.w1.begin(), a.w1.end(), [](float x, float y) { return std::fabs(x) < std::fabs(y); });
  EXPECT_GT(std::fabs(big), 0.3f);
  for (float w : a.rms_att) EXPECT_NEAR(w, 1.0f, 0.7f);
}

}  // namespace
}  // namespace nineml::ref
