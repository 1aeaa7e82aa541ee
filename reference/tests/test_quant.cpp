// Q8_0 quantization and runq matmul, GGUF block dequantization, f16/bf16.
#include <cmath>
#include <cstring>
#include <limits>

#include <gtest/gtest.h>

#include "reference.hpp"
#include "test_util.hpp"

namespace nineml::ref {
namespace {

TEST(Quant, TiesFollowTheRoundingMode) {
  // wmax 127 gives scale exactly 1, so quotients are the values themselves.
  const std::vector<float> x = {127.0f, 2.5f, -2.5f, 3.5f, -0.5f, 0.5f, 1.4999999f, -126.5f};
  const Q8Tensor even = llama2c::q8_quantize(x, 8, Rounding::even);
  const Q8Tensor away = llama2c::q8_quantize(x, 8, Rounding::away);
  ASSERT_EQ(even.scales[0], 1.0f);
  EXPECT_EQ(even.q, (std::vector<int8_t>{127, 2, -2, 4, 0, 0, 1, -126}));
  EXPECT_EQ(away.q, (std::vector<int8_t>{127, 3, -3, 4, -1, 1, 1, -127}));
}

TEST(Quant, ZeroGroupHasZeroScale) {
  const std::vector<float> x = {0.0f, -0.0f, 0.0f, 0.0f, 1.0f, 2.0f, 3.0f, 4.0f};
  const Q8Tensor t = llama2c::q8_quantize(x, 4, Rounding::even);
  EXPECT_EQ(t.scales[0], 0.0f);
  for (int i = 0; i < 4; i++) EXPECT_EQ(t.q[std::size_t(i)], 0);
  EXPECT_EQ(t.scales[1], 4.0f / 127.0f);
  EXPECT_EQ(t.q[7], 127);
  const auto d = llama2c::q8_dequantize(t);
  EXPECT_EQ(d[0], 0.0f);
  EXPECT_EQ(d[7], 127.0f * (4.0f / 127.0f));
}

TEST(Quant, DequantizeWithinHalfAStep) {
  test::Inputs in(11);
  const auto x = in.vec(256, -3, 3);
  const Q8Tensor t = llama2c::q8_quantize(x, 32, Rounding::even);
  const auto back = exact::q8_dequantize(t.q, t.scales, 32);
  const auto scales = exact::q8_scales(x, 32);
  for (std::size_t i = 0; i < x.size(); i++) {
    EXPECT_LE(std::fabs(back[i] - x[i]), scales[i / 32] * (0.5 + 1e-6)) << i;
    EXPECT_EQ(float(back[i]), llama2c::q8_dequantize(t)[i]);
  }
}

TEST(Quant, MatmulQ8MatchesHandComputation) {
  // n = 4, gs = 2, d = 1: val = ((float)ival0 * ws0) * xs0 + ((float)ival1 * ws1) * xs1.
  Q8Tensor x{{1, 2, 3, 4}, {0.5f, 0.25f}, 2};
  Q8Tensor w{{5, 6, -7, 8}, {0.1f, 3.0f}, 2};
  const float want = 0.0f + (17.0f * 0.1f) * 0.5f + (11.0f * 3.0f) * 0.25f;
  EXPECT_EQ(llama2c::matmul_q8(x, w, 4, 1)[0], want);
}

TEST(Quant, MatmulQ8WithinQuantizationBound) {
  test::Inputs in(12);
  const int n = 128, d = 8, gs = 32;
  const auto x = in.vec(n), w = in.vec(std::size_t(n) * d);
  const Q8Tensor xq = llama2c::q8_quantize(x, gs, Rounding::away);
  const Q8Tensor wq = llama2c::q8_quantize(w, gs, Rounding::even);
  const auto got = llama2c::matmul_q8(xq, wq, n, d);
  const auto want = exact::matmul(x, w, n, d);
  const auto xs = exact::q8_scales(x, gs), ws = exact::q8_scales(w, gs);
  for (int i = 0; i < d; i++) {
    // Half a step on each operand, propagated: |dx||w| + |x||dw| + |dx||dw|.
    double bound = 0;
    for (int j = 0; j < n; j++) {
      const double dx = xs[std::size_t(j / gs)] / 2, dw = ws[std::size_t((i * n + j) / gs)] / 2;
      const double wij = std::fabs(w[std::size_t(i) * n + j]), xj = std::fabs(x[std::size_t(j)]);
      bound += dx * wij + xj * dw + dx * dw;
    }
    bound += test::gamma(n) * bound + 1e-6;
    EXPECT_LE(std::fabs(got[i] - want[i]), bound) << "row " << i;
  }
}

TEST(Quant, HalfDecoding) {
  const std::vector<uint16_t> h = {0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x8000, 0x7c00, 0xfc00, 0x3555};
  const auto f = llama2c::f16_to_f32(h);
  const auto d = exact::f16_to_f64(h);
  const std::vector<double> want = {1.0,
                                    -2.0,
                                    65504.0,
                                    std::ldexp(1.0, -24),
                                    std::ldexp(1023.0, -24),
                                    std::ldexp(1.0, -14),
                                    -0.0,
                                    std::numeric_limits<double>::infinity(),
                                    -std::numeric_limits<double>::infinity(),
                                    std::ldexp(1365.0, -12)};
  for (std::size_t i = 0; i < h.size(); i++) {
    EXPECT_EQ(d[i], want[i]) << std::hex << h[i];
    EXPECT_EQ(double(f[i]), want[i]) << std::hex << h[i];
  }
  EXPECT_TRUE(std::signbit(f[6]));
  const auto nan = llama2c::f16_to_f32(std::vector<uint16_t>{0x7e00, 0x7c01});
  EXPECT_TRUE(std::isnan(nan[0]) && std::isnan(nan[1]));
}

TEST(Quant, Bf16Decoding) {
  const std::vector<uint16_t> h = {0x3f80, 0xc040, 0x0001, 0x7f80};
  const auto f = llama2c::bf16_to_f32(h);
  const auto d = exact::bf16_to_f64(h);
  EXPECT_EQ(f[0], 1.0f);
  EXPECT_EQ(f[1], -3.0f);
  EXPECT_EQ(double(f[2]), std::ldexp(1.0, -133));  // smallest bf16 subnormal
  EXPECT_EQ(f[3], std::numeric_limits<float>::infinity());
  for (std::size_t i = 0; i < h.size(); i++) EXPECT_EQ(d[i], double(f[i]));
}

TEST(Quant, SixteenBitRoundingAndProducts) {
  // nearest even: 1 + 2^-8 is a tie between 1 and 1 + 2^-7 in bf16 (to 1),
  // 1 + 3 * 2^-8 rounds up to even 1 + 2^-6; halves carry past 65504 to inf
  const std::vector<float> x = {1.0f + 0x1p-8f, 1.0f + 3 * 0x1p-8f, -2.0f, 65504.0f, 65520.0f, 0x1p-24f,
                                std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()};
  const std::vector<uint16_t> b = f32_to_bf16(x), h = f32_to_f16(x);
  EXPECT_EQ(b[0], 0x3f80);
  EXPECT_EQ(b[1], 0x3f82);
  EXPECT_EQ(b[2], 0xc000);
  EXPECT_EQ(b[7], 0x7f80);
  EXPECT_TRUE(std::isnan(llama2c::bf16_to_f32(b)[6]));
  EXPECT_EQ(h[3], 0x7bff);
  EXPECT_EQ(h[4], 0x7c00);
  EXPECT_EQ(h[5], 0x0001);
  EXPECT_TRUE(std::isnan(llama2c::f16_to_f32(h)[6]));
  // the products are the f32 ones on the widened weights, in both modes
  const std::vector<float> v = {0.5f, -1.25f, 3.0f};
  const std::vector<uint16_t> w = f32_to_f16(std::vector<float>{1.5f, 2.0f, -0.25f, 65504.0f, 0x1p-24f, 1.0f});
  const std::vector<float> wf = llama2c::f16_to_f32(w);
  EXPECT_EQ(llama2c::matmul_f16(v, w, 3, 2), llama2c::matmul(v, wf, 3, 2));
  EXPECT_EQ(exact::matmul_f16(v, w, 3, 2), exact::matmul(v, wf, 3, 2));
  EXPECT_EQ(exact::matmul_f16(v, w, 3, 2)[0], 0.75 - 2.5 - 0.75);
  const std::vector<uint16_t> wb = f32_to_bf16(std::vector<float>{1.5f, 2.0f, -0.25f});
  EXPECT_EQ(exact::matmul_bf16(v, wb, 3, 1)[0], 0.75 - 2.5 - 0.75);
}

TEST(Quant, GgufQ8_0Block) {
  std::vector<uint8_t> blk(34);
  blk[0] = 0x00;
  blk[1] = 0x38;  // fp16 0x3800 = 0.5
  for (int j = 0; j < 32; j++) blk[std::size_t(2 + j)] = static_cast<uint8_t>(static_cast<int8_t>(j - 16));
  const auto f = llama2c::dequant_q8_0(blk, 32);
  const auto e = exact::dequant_q8_0(blk, 32);
  for (int j = 0; j < 32; j++) {
    EXPECT_EQ(f[std::size_t(j)], 0.5f * float(j - 16));
    EXPECT_EQ(e[std::size_t(j)], 0.5 * (j - 16));
  }
}

TEST(Quant, GgufQ4_0NibbleOrder) {
  std::vector<uint8_t> blk(18);
  blk[0] = 0x00;
  blk[1] = 0x40;  // fp16 0x4000 = 2.0
  for (int j = 0; j < 16; j++) blk[std::size_t(2 + j)] = static_cast<uint8_t>((15 - j) << 4 | j);
  const auto f = llama2c::dequant_q4_0(blk, 32);
  const auto e = exact::dequant_q4_0(blk, 32);
  for (int j = 0; j < 16; j++) {
    EXPECT_EQ(f[std::size_t(j)], 2.0f * float(j - 8)) << j;             // low nibbles: 0..15
    EXPECT_EQ(f[std::size_t(16 + j)], 2.0f * float(15 - j - 8)) << j;  // high nibbles: 16..31
    EXPECT_EQ(e[std::size_t(j)], double(f[std::size_t(j)]));
    EXPECT_EQ(e[std::size_t(16 + j)], double(f[std::size_t(16 + j)]));
  }
}

}  // namespace
}  // namespace nineml::ref
