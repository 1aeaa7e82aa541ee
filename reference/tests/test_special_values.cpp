// The documented special-value semantics (engine/kernels.h, docs/REFERENCE.md),
// checked in both modes.
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "reference.hpp"

namespace nineml::ref {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

void expect_all_nan(const std::vector<float>& x, const std::vector<double>& e) {
  for (float v : x) EXPECT_TRUE(std::isnan(v));
  for (double v : e) EXPECT_TRUE(std::isnan(v));
}

TEST(SpecialValues, SoftmaxNaNPoisonsEverything) {
  const std::vector<float> x = {1.0f, kNaN, 2.0f};
  expect_all_nan(llama2c::softmax(x), exact::softmax(x));
}

TEST(SpecialValues, SoftmaxPlusInfPoisonsEverything) {
  const std::vector<float> x = {1.0f, kInf, -kInf};
  expect_all_nan(llama2c::softmax(x), exact::softmax(x));
}

TEST(SpecialValues, SoftmaxAllMinusInfIsNaN) {
  const std::vector<float> x = {-kInf, -kInf, -kInf};
  expect_all_nan(llama2c::softmax(x), exact::softmax(x));
}

TEST(SpecialValues, SoftmaxMaskedEntriesAreExactlyZero) {
  const std::vector<float> x = {-kInf, 0.5f, -kInf, 0.5f};
  const auto f = llama2c::softmax(x);
  const auto e = exact::softmax(x);
  EXPECT_EQ(f, (std::vector<float>{0.0f, 0.5f, 0.0f, 0.5f}));
  EXPECT_EQ(e, (std::vector<double>{0.0, 0.5, 0.0, 0.5}));
  EXPECT_FALSE(std::signbit(f[0]));
}

TEST(SpecialValues, SoftmaxOfOneEntryIsOne) {
  const std::vector<float> x = {-3.0f};
  EXPECT_EQ(llama2c::softmax(x)[0], 1.0f);
  EXPECT_EQ(exact::softmax(x)[0], 1.0);
  EXPECT_TRUE(llama2c::softmax(std::vector<float>{}).empty());
}

TEST(SpecialValues, SoftmaxHugeFiniteValuesDoNotOverflow) {
  const std::vector<float> x = {3e38f, 3e38f};
  EXPECT_EQ(llama2c::softmax(x), (std::vector<float>{0.5f, 0.5f}));
  EXPECT_EQ(exact::softmax(x), (std::vector<double>{0.5, 0.5}));
}

TEST(SpecialValues, ArgmaxNaNNeverWins) {
  const std::vector<float> x = {kNaN, 1.0f, 3.0f, 3.0f, kNaN};
  EXPECT_EQ(llama2c::argmax(x), 2);
  EXPECT_EQ(exact::argmax(x), 2);
  EXPECT_EQ(llama2c::argmax(std::vector<float>{kNaN, kNaN}), 0);
  EXPECT_EQ(llama2c::argmax(std::vector<float>{-kInf, -kInf}), 0);
}

TEST(SpecialValues, AttentionPropagatesNaNScores) {
  // A NaN key poisons that head's softmax, so the head's output is NaN.
  const std::vector<float> q = {1, 0, 0, 1};  // two heads of size 2
  const std::vector<float> k = {kNaN, 0, 1, 1, 1, 0, 0, 1};  // rows of kv_dim 4 (two kv heads)
  const std::vector<float> v = {1, 1, 1, 1, 2, 2, 2, 2};
  const auto f = llama2c::attention(q, k, v, 2, 2, 2, 1, 0);
  const auto e = exact::attention(q, k, v, 2, 2, 2, 1, 0);
  EXPECT_TRUE(std::isnan(f[0]) && std::isnan(f[1]));
  EXPECT_TRUE(std::isnan(e[0]) && std::isnan(e[1]));
  EXPECT_FALSE(std::isnan(f[2]) || std::isnan(f[3]));
  EXPECT_FALSE(std::isnan(e[2]) || std::isnan(e[3]));
}

TEST(SpecialValues, Q8NaNAndInf) {
  // NaN is ignored by the max and quantizes to 0; an inf group has scale inf,
  // finite values go to 0 and inf/inf (NaN) to 0.
  const std::vector<float> x = {kNaN, 1.0f, -0.5f, 0.25f, kInf, 1.0f, -2.0f, 0.0f};
  for (Rounding r : {Rounding::even, Rounding::away}) {
    const Q8Tensor t = llama2c::q8_quantize(x, 4, r);
    EXPECT_EQ(t.scales[0], 1.0f / 127.0f);
    EXPECT_EQ(t.q[0], 0);
    EXPECT_EQ(t.q[1], 127);
    EXPECT_EQ(t.scales[1], kInf);
    for (int i = 4; i < 8; i++) EXPECT_EQ(t.q[std::size_t(i)], 0);
  }
  const auto s = exact::q8_scales(x, 4);
  EXPECT_EQ(s[0], 1.0 / 127.0);
  EXPECT_EQ(s[1], double(kInf));
}

}  // namespace
}  // namespace nineml::ref
