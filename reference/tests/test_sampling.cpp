// The sampler: multinomial, top-p with its deterministic tie order, and
// run.c's sample() in both modes.
#include <gtest/gtest.h>

#include "reference.hpp"

namespace nineml::ref {
namespace {

std::vector<double> widen(const std::vector<float>& p) { return {p.begin(), p.end()}; }

TEST(Sampling, MultinomialFirstIndexWhoseCdfExceedsCoin) {
  const std::vector<float> p = {0.25f, 0.25f, 0.5f};
  EXPECT_EQ(llama2c::sample_mult(p, 0.0f), 0);
  EXPECT_EQ(llama2c::sample_mult(p, 0.25f), 1);  // coin < cdf is strict
  EXPECT_EQ(llama2c::sample_mult(p, 0.6f), 2);
  EXPECT_EQ(exact::sample_mult(widen(p), 0.25), 1);
  // A cdf that never reaches the coin falls back to the last index.
  EXPECT_EQ(llama2c::sample_mult(std::vector<float>{0.1f, 0.1f}, 0.5f), 1);
  EXPECT_EQ(exact::sample_mult(std::vector<double>{0.1, 0.1}, 0.5), 1);
}

TEST(Sampling, ToppTiesGoToTheLowerIndex) {
  // Four equal probabilities: the nucleus for topp 0.3 is the first two in
  // sorted order, which the reference defines as tokens 0 and 1 (qsort could
  // have picked any two).
  const std::vector<float> p = {0.25f, 0.25f, 0.25f, 0.25f};
  for (float coin : {0.0f, 0.3f, 0.49f, 0.6f, 0.99f}) {
    const int f = llama2c::sample_topp(p, 0.3f, coin);
    const int e = exact::sample_topp(widen(p), 0.3, coin);
    EXPECT_TRUE(f == 0 || f == 1) << coin;
    EXPECT_EQ(f, e) << coin;
  }
  // r = coin * 0.5; cdf 0.25 then 0.5.
  EXPECT_EQ(llama2c::sample_topp(p, 0.3f, 0.4f), 0);
  EXPECT_EQ(llama2c::sample_topp(p, 0.3f, 0.6f), 1);
}

TEST(Sampling, ToppOrdersByProbabilityThenIndex) {
  // Sorted order: 0.3@1, 0.3@3, 0.2@0, 0.2@2. topp 0.5: prefix {1, 3}.
  const std::vector<float> p = {0.2f, 0.3f, 0.2f, 0.3f};
  EXPECT_EQ(llama2c::sample_topp(p, 0.5f, 0.4f), 1);   // r = 0.24 < 0.3
  EXPECT_EQ(llama2c::sample_topp(p, 0.5f, 0.6f), 3);   // r = 0.36
  EXPECT_EQ(llama2c::sample_topp(p, 0.5f, 0.999f), 3);
  EXPECT_EQ(exact::sample_topp(widen(p), 0.5, 0.4), 1);
  EXPECT_EQ(exact::sample_topp(widen(p), 0.5, 0.6), 3);
  // topp 0.9: cutoff 0.1/3 keeps all; the prefix reaching past 0.9 is all four.
  EXPECT_EQ(llama2c::sample_topp(p, 0.9f, 0.9f), 2);  // r = 0.9 * 1.0; cdf 0.3 0.6 0.8 1.0
}

TEST(Sampling, ToppFallsBackToAllCandidates) {
  // topp 0.01: cutoff 0.99/3 = 0.33 excludes all four; then every entry is a
  // candidate and the first (lowest index among the ties) exceeds topp alone.
  const std::vector<float> p = {0.25f, 0.25f, 0.25f, 0.25f};
  EXPECT_EQ(llama2c::sample_topp(p, 0.01f, 0.7f), 0);
  EXPECT_EQ(exact::sample_topp(widen(p), 0.01, 0.7), 0);
  // n == 1: the single entry.
  EXPECT_EQ(llama2c::sample_topp(std::vector<float>{1.0f}, 0.9f, 0.5f), 0);
  EXPECT_EQ(exact::sample_topp(std::vector<double>{1.0}, 0.9, 0.5), 0);
}

TEST(Sampling, SampleGreedyIsArgmaxAndConsumesNoRandomness) {
  const std::vector<float> logits = {0.1f, 2.0f, -1.0f, 2.0f};
  Rng a{5}, b{5};
  EXPECT_EQ(llama2c::sample(logits, 0.0f, 0.9f, a), 1);
  EXPECT_EQ(exact::sample(logits, 0.0f, 0.9f, b), 1);
  EXPECT_EQ(a.state, 5u);
  EXPECT_EQ(b.state, 5u);
}

TEST(Sampling, SampleUsesOneCoinPerCall) {
  const std::vector<float> logits = {1.0f, 3.0f, 0.5f, 2.0f, -1.0f};
  Rng a{42}, b{42}, c{42};
  const int f = llama2c::sample(logits, 1.0f, 0.0f, a);
  const int e = exact::sample(logits, 1.0f, 0.0f, b);
  // Same coin, well-separated probabilities: both modes pick the same token.
  EXPECT_EQ(f, e);
  c.next_u32();
  EXPECT_EQ(a.state, c.state);
  EXPECT_EQ(b.state, c.state);
}

TEST(Sampling, SampleIsMultinomialOrToppByTopp) {
  const std::vector<float> logits = {1.0f, 3.0f, 0.5f, 2.0f, -1.0f};
  // Reproduce sample() by hand from its parts.
  for (float topp : {0.0f, 1.0f, 0.5f, 0.9f}) {
    for (uint64_t seed : {1ull, 42ull, 1234ull}) {
      Rng r1{seed}, r2{seed};
      std::vector<float> p(logits);
      for (float& v : p) v /= 0.8f;
      p = llama2c::softmax(p);
      const float coin = r2.next_f32();
      const int want = (topp <= 0 || topp >= 1) ? llama2c::sample_mult(p, coin) : llama2c::sample_topp(p, topp, coin);
      EXPECT_EQ(llama2c::sample(logits, 0.8f, topp, r1), want) << topp << " " << seed;
    }
  }
}

TEST(Sampling, ExactSampleOnDoubleLogitsMatchesFloatLogits) {
  const std::vector<float> lf = {0.3f, -1.0f, 2.5f, 2.25f};
  const std::vector<double> ld(lf.begin(), lf.end());
  for (uint64_t seed = 1; seed < 20; seed++) {
    Rng a{seed}, b{seed};
    EXPECT_EQ(exact::sample(lf, 1.0f, 0.9f, a), exact::sample(std::span<const double>(ld), 1.0f, 0.9f, b));
  }
  EXPECT_EQ(exact::argmax(std::span<const double>(ld)), 2);
}

}  // namespace
}  // namespace nineml::ref
