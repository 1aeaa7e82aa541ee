// RNG sequence, argmax ties, multinomial and top-p tie order and fallbacks,
// and sample()'s dispatch.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "kernels.h"

namespace {

// The xorshift* step written out again from its definition.
uint32_t xorshift_step(uint64_t* s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return static_cast<uint32_t>((*s * 0x2545F4914F6CDD1DULL) >> 32);
}

TEST(Rng, KnownSequenceFromSeed42) {
  // Worked out from the formula (64-bit wraparound) for seed 42.
  const uint32_t want[] = {1456360119u, 3359763283u, 3393612768u, 4054632243u, 3283045847u};
  nm_u64 state = 42;
  for (uint32_t w : want) EXPECT_EQ(nm_random_u32(&state), w);
}

TEST(Rng, MatchesFormulaAndF32IsTop24Bits) {
  nm_u64 a = 1234567;
  uint64_t b = 1234567;
  for (int i = 0; i < 1000; i++) {
    uint32_t u = xorshift_step(&b);
    nm_u64 before = a;
    EXPECT_EQ(nm_random_u32(&a), u);
    nm_u64 c = before;
    float f = nm_random_f32(&c);
    EXPECT_EQ(f, static_cast<float>(u >> 8) / 16777216.0f);
    EXPECT_GE(f, 0.0f);
    EXPECT_LT(f, 1.0f);
  }
  nm_u64 s = 42;
  EXPECT_EQ(nm_random_f32(&s), 0.3390852212905884f);
}

TEST(Argmax, FirstMaximumWins) {
  std::vector<float> p = {1.0f, 3.0f, 3.0f, 2.0f};
  EXPECT_EQ(nm_sample_argmax(p.data(), 4), 1);
}

TEST(Argmax, NanNeverWins) {
  float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> p = {nan, 1.0f, nan, 2.0f, nan};
  EXPECT_EQ(nm_sample_argmax(p.data(), 5), 3);
  std::vector<float> all = {nan, nan};
  EXPECT_EQ(nm_sample_argmax(all.data(), 2), 0);
}

TEST(Mult, WalksCdfAndFallsBackToLast) {
  std::vector<float> p = {0.25f, 0.25f, 0.5f};
  EXPECT_EQ(nm_sample_mult(p.data(), 3, 0.0f), 0);
  EXPECT_EQ(nm_sample_mult(p.data(), 3, 0.25f), 1);  // coin < cdf is strict
  EXPECT_EQ(nm_sample_mult(p.data(), 3, 0.75f), 2);
  std::vector<float> short_mass = {0.1f, 0.1f};
  EXPECT_EQ(nm_sample_mult(short_mass.data(), 2, 0.9f), 1);
}

TEST(TopP, EqualProbabilitiesPickLowerIndexFirst) {
  std::vector<float> p = {0.1f, 0.3f, 0.3f, 0.3f};
  std::vector<nm_prob_index> scratch(4);
  // Sorted candidates: (0.3,1) (0.3,2) (0.3,3) (0.1,0).
  EXPECT_EQ(nm_sample_topp(p.data(), 4, 0.9f, scratch.data(), 0.0f), 1);
  EXPECT_EQ(nm_sample_topp(p.data(), 4, 0.9f, scratch.data(), 0.4f), 2);
  EXPECT_EQ(nm_sample_topp(p.data(), 4, 0.9f, scratch.data(), 0.7f), 3);
  EXPECT_EQ(scratch[0].index, 1);
  EXPECT_EQ(scratch[1].index, 2);
  EXPECT_EQ(scratch[2].index, 3);
  EXPECT_EQ(scratch[3].index, 0);
}

TEST(TopP, FallbackSingleEntry) {
  float p = 1.0f;
  nm_prob_index scratch{};
  EXPECT_EQ(nm_sample_topp(&p, 1, 0.5f, &scratch, 0.99f), 0);
}

TEST(TopP, FallbackWhenNoCandidatePassesCutoff) {
  // topp 0.1 < 1/n: cutoff 0.3 > every p, so all four are candidates; the
  // first already exceeds topp, so the lowest index of the tie is chosen.
  std::vector<float> p = {0.25f, 0.25f, 0.25f, 0.25f};
  std::vector<nm_prob_index> scratch(4);
  EXPECT_EQ(nm_sample_topp(p.data(), 4, 0.1f, scratch.data(), 0.99f), 0);
}

TEST(TopP, CutoffDropsSmallProbabilities) {
  // cutoff = 0.5/3: index 1 (0.05) is not a candidate; prefix stops at 0.55 > 0.5.
  std::vector<float> p = {0.2f, 0.05f, 0.55f, 0.2f};
  std::vector<nm_prob_index> scratch(4);
  EXPECT_EQ(nm_sample_topp(p.data(), 4, 0.5f, scratch.data(), 0.0f), 2);
  EXPECT_EQ(nm_sample_topp(p.data(), 4, 0.5f, scratch.data(), 0.999f), 2);
}

TEST(TopP, SortIsTheTotalOrderOnManyTies) {
  const int n = 500;
  std::vector<float> p(n);
  for (int i = 0; i < n; i++) p[i] = static_cast<float>((i * 37) % 11) / 2000.0f;
  std::vector<nm_prob_index> scratch(n);
  nm_sample_topp(p.data(), n, 0.999999f, scratch.data(), 0.5f);
  float cutoff = (1.0f - 0.999999f) / static_cast<float>(n - 1);
  std::vector<nm_prob_index> want;
  for (int i = 0; i < n; i++)
    if (p[i] >= cutoff) want.push_back({p[i], i});
  std::sort(want.begin(), want.end(), [](const nm_prob_index& a, const nm_prob_index& b) {
    return a.prob != b.prob ? a.prob > b.prob : a.index < b.index;
  });
  for (size_t i = 0; i < want.size(); i++) {
    ASSERT_EQ(scratch[i].index, want[i].index) << i;
    ASSERT_EQ(scratch[i].prob, want[i].prob) << i;
  }
}

TEST(Sample, TemperatureZeroIsArgmaxAndLeavesLogits) {
  std::vector<float> logits = {0.5f, 2.0f, 2.0f, -1.0f};
  std::vector<nm_prob_index> scratch(4);
  nm_u64 state = 7;
  EXPECT_EQ(nm_sample(logits.data(), 4, 0.0f, 0.9f, &state, scratch.data()), 1);
  EXPECT_EQ(state, 7u);  // no coin drawn
  EXPECT_EQ(logits[0], 0.5f);
}

TEST(Sample, MultinomialPathUsesOneCoin) {
  for (float topp : {0.0f, 1.0f}) {
    std::vector<float> logits = {0.5f, 2.0f, 1.0f, -1.0f};
    std::vector<float> probs = logits;
    for (float& v : probs) v /= 0.8f;
    nm_softmax(probs.data(), 4);
    nm_u64 s1 = 99, s2 = 99;
    float coin = nm_random_f32(&s2);
    std::vector<nm_prob_index> scratch(4);
    int got = nm_sample(logits.data(), 4, 0.8f, topp, &s1, scratch.data());
    EXPECT_EQ(got, nm_sample_mult(probs.data(), 4, coin));
    EXPECT_EQ(logits, probs);
    EXPECT_EQ(s1, s2);
  }
}

TEST(Sample, TopPPath) {
  std::vector<float> logits = {0.5f, 2.0f, 1.0f, -1.0f};
  std::vector<float> probs = logits;
  nm_softmax(probs.data(), 4);
  nm_u64 s1 = 5, s2 = 5;
  float coin = nm_random_f32(&s2);
  std::vector<nm_prob_index> scratch(4), scratch2(4);
  int got = nm_sample(logits.data(), 4, 1.0f, 0.9f, &s1, scratch.data());
  EXPECT_EQ(got, nm_sample_topp(probs.data(), 4, 0.9f, scratch2.data(), coin));
}

}  // namespace
