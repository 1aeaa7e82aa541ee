// Q8_0 quantization: both tie rules, zero and degenerate groups, the runq
// matmul's group arithmetic.
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "kernels.h"

namespace {

struct Quantized {
  std::vector<nm_i8> q;
  std::vector<float> scales;
};

Quantized quantize(const std::vector<float>& x, int gs, int rounding) {
  Quantized r{std::vector<nm_i8>(x.size()), std::vector<float>(x.size() / gs)};
  nm_q8_quantize(r.q.data(), r.scales.data(), x.data(), static_cast<int>(x.size()), gs,
                 rounding);
  return r;
}

// wmax = 127 makes scale exactly 1, so each quotient is the input itself.
const std::vector<float> kTies = {127.0f, 2.5f, -2.5f, 3.5f, -3.5f, 0.5f, -0.5f, 1.4999999f};

TEST(Quantize, TiesToEven) {
  auto r = quantize(kTies, 8, NM_ROUND_EVEN);
  EXPECT_EQ(r.scales[0], 1.0f);
  std::vector<nm_i8> want = {127, 2, -2, 4, -4, 0, 0, 1};
  EXPECT_EQ(r.q, want);
}

TEST(Quantize, TiesAwayFromZero) {
  auto r = quantize(kTies, 8, NM_ROUND_AWAY);
  EXPECT_EQ(r.scales[0], 1.0f);
  std::vector<nm_i8> want = {127, 3, -3, 4, -4, 1, -1, 1};
  EXPECT_EQ(r.q, want);
}

TEST(Quantize, ZeroGroupHasZeroScaleAndCodes) {
  std::vector<float> x = {0.0f, -0.0f, 0.0f, 0.0f, 1.0f, -0.5f, 0.25f, 0.0f};
  auto r = quantize(x, 4, NM_ROUND_EVEN);
  EXPECT_EQ(r.scales[0], 0.0f);
  EXPECT_EQ(r.q[0], 0);
  EXPECT_EQ(r.q[1], 0);
  EXPECT_EQ(r.q[2], 0);
  EXPECT_EQ(r.q[3], 0);
  EXPECT_EQ(r.scales[1], 1.0f / 127.0f);
  EXPECT_EQ(r.q[4], 127);
}

TEST(Quantize, NanIsIgnoredForScaleAndQuantizesToZero) {
  float nan = std::numeric_limits<float>::quiet_NaN();
  auto r = quantize({nan, 127.0f, -64.0f, nan}, 4, NM_ROUND_AWAY);
  EXPECT_EQ(r.scales[0], 1.0f);
  std::vector<nm_i8> want = {0, 127, -64, 0};
  EXPECT_EQ(r.q, want);
}

TEST(Quantize, InfinityGivesInfiniteScale) {
  float inf = std::numeric_limits<float>::infinity();
  auto r = quantize({inf, 1.0f, -inf, -0.0f}, 4, NM_ROUND_EVEN);
  EXPECT_TRUE(std::isinf(r.scales[0]));
  std::vector<nm_i8> want = {0, 0, 0, 0};  // inf/inf is NaN -> 0; finite/inf -> 0
  EXPECT_EQ(r.q, want);
}

TEST(Quantize, ScaleUnderflowClampsLikeIeeeDivision) {
  float tiny = std::numeric_limits<float>::denorm_min();
  float nan = std::numeric_limits<float>::quiet_NaN();
  auto r = quantize({tiny, -tiny, 0.0f, nan}, 4, NM_ROUND_EVEN);
  EXPECT_EQ(r.scales[0], 0.0f);  // tiny / 127 underflows
  std::vector<nm_i8> want = {127, -127, 0, 0};
  EXPECT_EQ(r.q, want);
}

TEST(Quantize, DequantizeMultipliesByGroupScale) {
  std::vector<nm_i8> q = {1, -2, 127, -127};
  std::vector<float> s = {0.5f, 0.25f};
  std::vector<float> out(4);
  nm_q8_dequantize(out.data(), q.data(), s.data(), 4, 2);
  std::vector<float> want = {0.5f, -1.0f, 31.75f, -31.75f};
  EXPECT_EQ(out, want);
}

TEST(Quantize, MatmulQ8GroupArithmetic) {
  // Row 0: groups give ival 3 and 14; 3*2*0.5 + 14*4*0.25 = 17.
  // Row 1: ival -3 and 0; -3*1*0.5 + 0 = -1.5.
  std::vector<nm_i8> xq = {1, 2, 3, 4};
  std::vector<float> xs = {0.5f, 0.25f};
  std::vector<nm_i8> wq = {1, 1, 2, 2, -1, -1, 0, 0};
  std::vector<float> ws = {2.0f, 4.0f, 1.0f, 8.0f};
  std::vector<float> out(2);
  nm_matmul_q8(out.data(), xq.data(), xs.data(), wq.data(), ws.data(), 4, 2, 2);
  EXPECT_EQ(out[0], 17.0f);
  EXPECT_EQ(out[1], -1.5f);
}

TEST(Quantize, MatmulQ8OrderIsIvalTimesWeightScaleThenActivationScale) {
  // Chosen so (ival * ws) * xs and ival * (ws * xs) round differently.
  std::vector<nm_i8> xq = {3};
  std::vector<float> xs = {0.1f};
  std::vector<nm_i8> wq = {1};
  std::vector<float> ws = {0.7f};
  float out = 0.0f;
  nm_matmul_q8(&out, xq.data(), xs.data(), wq.data(), ws.data(), 1, 1, 1);
  volatile float ival = 3.0f;
  volatile float left = ival * ws[0];
  volatile float right = ws[0] * xs[0];
  float want = left * xs[0];
  ASSERT_NE(want, ival * right);  // the test distinguishes the groupings
  EXPECT_EQ(out, want);
}

}  // namespace
