// Q8_0 quantization: both tie rules, zero and degenerate groups, the runq
// matmul's group arithmetic.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "kernel_table.h"
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

// Every kernel table's quantizer is bit-exact with the scalar one (the SIMD
// levels claim it in docs/SIMD.md), on values with exact .5 quotients,
// NaN, infinities, a group of zeros, and both roundings.
TEST(QuantizeTables, BitExactWithScalar) {
  const int n = 256;
  std::vector<float> x(n);
  uint64_t st = 0x9e3779b97f4a7c15ull;
  for (int i = 0; i < n; i++) {
    st = st * 6364136223846793005ull + 1442695040888963407ull;
    x[static_cast<size_t>(i)] = static_cast<float>(static_cast<int64_t>(st >> 33) % 2001 - 1000) / 8.0f;
  }
  x[3] = std::nanf("");
  x[70] = std::numeric_limits<float>::infinity();
  for (int i = 128; i < 160; i++) x[static_cast<size_t>(i)] = 0.0f;          // a zero group (gs 32)
  // wmax 127 makes the scale exactly 1: every quotient k + 0.5 is a tie
  for (int i = 160; i < 192; i++) x[static_cast<size_t>(i)] = (i % 2 ? 1.0f : -1.0f) * ((i - 160) % 20 + 0.5f);
  x[160] = 127.0f;
  for (const char* level : {"sse2", "avx2", "avx512"}) {
    const nm_kernel_table* t = nm_kernels_by_name(level);
    if (!t) continue;
    for (int gs : {8, 16, 32, 64, 12}) {
      if (n % gs) continue;
      for (int rounding : {NM_ROUND_EVEN, NM_ROUND_AWAY}) {
        std::vector<nm_i8> qs(n), qt(n);
        std::vector<float> ss(n / gs), st2(n / gs);
        nm_q8_quantize(qs.data(), ss.data(), x.data(), n, gs, rounding);
        t->q8_quantize(qt.data(), st2.data(), x.data(), n, gs, rounding);
        EXPECT_EQ(qs, qt) << level << " gs=" << gs << " rounding=" << rounding;
        EXPECT_EQ(0, std::memcmp(ss.data(), st2.data(), ss.size() * sizeof(float)))
            << level << " gs=" << gs << " rounding=" << rounding;
      }
    }
  }
}
