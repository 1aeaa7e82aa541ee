// Decoders: f16 (exhaustively, against an ldexp-based decoding), bf16, and
// the GGUF Q8_0/Q4_0 block layouts.
#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "kernels.h"

namespace {

// Independent decoding: the value formula, not bit shuffling.
double half_value(uint16_t h) {
  int sign = h >> 15;
  int e = (h >> 10) & 0x1f;
  int m = h & 0x3ff;
  double mag;
  if (e == 0)
    mag = std::ldexp(static_cast<double>(m), -24);
  else if (e == 31)
    mag = m == 0 ? INFINITY : NAN;
  else
    mag = std::ldexp(static_cast<double>(1024 + m), e - 25);
  return sign ? -mag : mag;
}

TEST(Formats, HalfToFloatExhaustive) {
  for (uint32_t h = 0; h < 65536; h++) {
    auto hh = static_cast<uint16_t>(h);
    float got = nm_half_to_float(hh);
    double want = half_value(hh);
    uint32_t got_bits = std::bit_cast<uint32_t>(got);
    if (std::isnan(want)) {
      ASSERT_TRUE(std::isnan(got)) << "h=" << h;
      // Sign and payload carried over (payload in the top mantissa bits).
      uint32_t want_bits = (h >> 15) << 31 | 0x7f800000u | (h & 0x3ffu) << 13;
      ASSERT_EQ(got_bits, want_bits) << "h=" << h;
    } else {
      // Every half is exactly a float, so the double converts exactly.
      ASSERT_EQ(got_bits, std::bit_cast<uint32_t>(static_cast<float>(want)))
          << "h=" << h;
    }
  }
}

TEST(Formats, F16ArrayMatchesScalar) {
  std::vector<uint16_t> in = {0x0000, 0x8000, 0x3c00, 0xc000, 0x0001, 0x7bff, 0x7c00, 0x7e00};
  std::vector<float> out(in.size());
  nm_f16_to_f32(out.data(), in.data(), static_cast<int>(in.size()));
  for (size_t i = 0; i < in.size(); i++)
    EXPECT_EQ(std::bit_cast<uint32_t>(out[i]),
              std::bit_cast<uint32_t>(nm_half_to_float(in[i])));
  EXPECT_EQ(out[2], 1.0f);
  EXPECT_EQ(out[3], -2.0f);
  EXPECT_EQ(out[4], std::ldexp(1.0f, -24));
  EXPECT_EQ(out[5], 65504.0f);
  EXPECT_TRUE(std::isinf(out[6]));
  EXPECT_TRUE(std::signbit(out[1]));
}

TEST(Formats, Bf16SpotChecks) {
  std::vector<uint16_t> in = {0x3f80, 0xc040, 0x0000, 0x8000, 0x7f80, 0xff80,
                              0x7fc1, 0x0001, 0x3e20};
  std::vector<float> out(in.size());
  nm_bf16_to_f32(out.data(), in.data(), static_cast<int>(in.size()));
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], -3.0f);
  EXPECT_EQ(std::bit_cast<uint32_t>(out[2]), 0x00000000u);
  EXPECT_EQ(std::bit_cast<uint32_t>(out[3]), 0x80000000u);
  EXPECT_EQ(out[4], INFINITY);
  EXPECT_EQ(out[5], -INFINITY);
  EXPECT_EQ(std::bit_cast<uint32_t>(out[6]), 0x7fc10000u);  // NaN payload kept
  EXPECT_EQ(std::bit_cast<uint32_t>(out[7]), 0x00010000u);  // subnormal
  EXPECT_EQ(out[8], 0.15625f);
}

TEST(Formats, Q8_0Block) {
  // Two blocks: d = 0.5 (0x3800) and d = -2 (0xc000), little-endian.
  std::vector<uint8_t> blocks(2 * 34);
  blocks[0] = 0x00; blocks[1] = 0x38;
  blocks[34] = 0x00; blocks[35] = 0xc0;
  for (int j = 0; j < 32; j++) {
    blocks[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(j - 16));
    blocks[36 + j] = static_cast<uint8_t>(static_cast<int8_t>(j == 0 ? -128 : 127 - j));
  }
  std::vector<float> out(64);
  nm_dequant_q8_0(out.data(), blocks.data(), 64);
  for (int j = 0; j < 32; j++) {
    EXPECT_EQ(out[j], 0.5f * static_cast<float>(j - 16)) << j;
    EXPECT_EQ(out[32 + j], -2.0f * static_cast<float>(j == 0 ? -128 : 127 - j)) << j;
  }
}

TEST(Formats, Q4_0NibbleOrder) {
  // Byte j holds element j in its low nibble and element j+16 in its high one.
  std::vector<uint8_t> block(18);
  block[0] = 0x00; block[1] = 0x3c;  // d = 1
  for (int j = 0; j < 16; j++)
    block[2 + j] = static_cast<uint8_t>(((15 - j) << 4) | j);
  std::vector<float> out(32);
  nm_dequant_q4_0(out.data(), block.data(), 32);
  for (int j = 0; j < 16; j++) {
    EXPECT_EQ(out[j], static_cast<float>(j - 8)) << j;
    EXPECT_EQ(out[j + 16], static_cast<float>(7 - j)) << j;
  }
}

TEST(Formats, Q4_0Scale) {
  std::vector<uint8_t> block(18, 0x9a);  // low 0xa -> 2, high 0x9 -> 1
  block[0] = 0x00; block[1] = 0xb8;      // d = -0.5
  std::vector<float> out(32);
  nm_dequant_q4_0(out.data(), block.data(), 32);
  for (int j = 0; j < 16; j++) {
    EXPECT_EQ(out[j], -1.0f);
    EXPECT_EQ(out[j + 16], -0.5f);
  }
}

// Hand-decoded K-quant blocks (docs/FORMATS.md, "GGUF block types"): the
// 6-bit scale packing of Q4_K (a scale of 4..7 takes its high bits from
// bytes 0..3) and Q6_K's split of ql/qh across the four quarters.
TEST(Formats, Q4_KScalesAndNibbles) {
  std::vector<uint8_t> b(144, 0);
  b[0] = 0x00; b[1] = 0x3c;  // d = 1
  b[2] = 0x00; b[3] = 0x38;  // dmin = 0.5
  b[4 + 0] = 0x42;           // sc0 = 2, top bits 1 -> sc4's high bits
  b[4 + 4] = 0x03;           // m0 = 3
  b[4 + 8] = 0x51;           // sc4 = 1 | 1 << 4 = 17, m4 = 5
  b[16 + 0] = 0x7a;          // element 0: 10; element 32 (sub-block 1): 7
  b[16 + 64] = 0x03;         // element 128 (chunk 2, low nibble): 3
  std::vector<float> out(256);
  nm_dequant_blocks(NM_BLK_Q4_K, out.data(), b.data(), 256);
  EXPECT_EQ(out[0], 2 * 10 - 0.5f * 3);
  EXPECT_EQ(out[1], -0.5f * 3);
  EXPECT_EQ(out[32], 0.0f);  // sc1 = m1 = 0
  EXPECT_EQ(out[128], 17 * 3 - 0.5f * 5);
  // With xq = 1 and xs = 1 every step is exact: the product is the sum.
  std::vector<int8_t> xq(256, 1);
  std::vector<float> xs(8, 1.0f), y(1);
  nm_matmul_blocks(NM_BLK_Q4_K, y.data(), xq.data(), xs.data(), b.data(), 256, 1, 1, 0, 1);
  float sum = 0;
  for (float v : out) sum += v;
  EXPECT_EQ(y[0], sum);
}

TEST(Formats, Q6_KQuarters) {
  std::vector<uint8_t> b(210, 0);
  b[0] = 0x95;                  // ql[0]: element 0 low 5, element 64 low 9
  b[128] = 0x32;                // qh[0]: element 0 high 2, element 64 high 3
  b[192 + 0] = 0xfd;            // scale 0 = -3
  b[192 + 4] = 7;               // scale 4 (elements 64..79)
  b[208] = 0x00; b[209] = 0x34; // d = 0.25
  std::vector<float> out(256);
  nm_dequant_blocks(NM_BLK_Q6_K, out.data(), b.data(), 256);
  EXPECT_EQ(out[0], 0.25f * -3 * ((5 | 2 << 4) - 32));
  EXPECT_EQ(out[64], 0.25f * 7 * ((9 | 3 << 4) - 32));
  EXPECT_EQ(out[1], 0.25f * -3 * -32);
  EXPECT_EQ(out[32], 0.0f);  // scale 2 is 0
}

}  // namespace
