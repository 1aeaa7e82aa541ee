// llama2c::quantize (llama.cpp's reference quantizers for Q5_0, Q5_1 and the
// K-quants), checked through llama2c::dequant: every value lands on the
// nearest point of its sub-block's grid (the final rounding against the
// rounded scales), zero stays zero, NaN is 0, infinities and subnormal
// scales are handled, blocks are independent.
#include <cmath>
#include <cstring>
#include <limits>

#include <gtest/gtest.h>

#include "reference.hpp"
#include "test_util.hpp"

namespace nineml::ref {
namespace {

const Block kAll[] = {Block::q5_0, Block::q5_1, Block::q2_k, Block::q3_k, Block::q4_k, Block::q5_k, Block::q6_k};

float half_at(const uint8_t* p) {
  // fp16 -> float by arithmetic (independent of the reference's decoder).
  const int h = p[0] | (p[1] << 8);
  const int e = (h >> 10) & 31, m = h & 1023;
  const float sign = (h & 0x8000) ? -1.0f : 1.0f;
  if (e == 0) return sign * std::ldexp(float(m), -24);
  if (e == 31) return m ? std::numeric_limits<float>::quiet_NaN() : sign * INFINITY;
  return sign * std::ldexp(float(1024 + m), e - 25);
}

// The grid of element i's sub-block, read from the contract's layouts:
// values d1*q - m1 for q in qlo..qhi (a signed q for the types without a min).
struct Grid {
  float d1, m1;
  int qlo, qhi;
};

Grid grid_of(Block b, const uint8_t* blk, int i) {
  switch (b) {
    case Block::q5_0: return {half_at(blk), 0.0f, -16, 15};
    case Block::q5_1: return {half_at(blk), -half_at(blk + 2), 0, 31};
    case Block::q4_k:
    case Block::q5_k: {
      const uint8_t* s = blk + 4;
      const int j = i / 32;
      int sc, m;
      if (j < 4) {
        sc = s[j] & 63;
        m = s[j + 4] & 63;
      } else {
        sc = (s[j + 4] & 15) | ((s[j - 4] >> 6) << 4);
        m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
      }
      return {half_at(blk) * float(sc), half_at(blk + 2) * float(m), 0, b == Block::q4_k ? 15 : 31};
    }
    case Block::q6_k: return {half_at(blk + 208) * float(int8_t(blk[192 + i / 16])), 0.0f, -32, 31};
    case Block::q3_k: {
      const int j = i / 16;
      const uint8_t* s = blk + 96;
      int sc = j < 8 ? s[j] & 15 : s[j - 8] >> 4;
      sc |= ((s[8 + j % 4] >> (2 * (j / 4))) & 3) << 4;
      return {half_at(blk + 108) * float(sc - 32), 0.0f, -4, 3};
    }
    case Block::q2_k: {
      const uint8_t s = blk[i / 16];
      return {half_at(blk + 80) * float(s & 15), half_at(blk + 82) * float(s >> 4), 0, 3};
    }
  }
  return {0, 0, 0, 0};
}

// Every element is the grid point nearest to x (the grid end when x lies
// beyond it), up to the rounding of the quotient and of d1*q - m1.
void expect_nearest(Block b, std::span<const float> x, const std::string& what) {
  const std::vector<uint8_t> q = llama2c::quantize(b, x);
  ASSERT_EQ(q.size(), x.size() / std::size_t(block_elems(b)) * std::size_t(block_bytes(b)));
  const std::vector<float> y = llama2c::dequant(b, q, int(x.size()));
  const int E = block_elems(b);
  for (std::size_t k = 0; k < x.size(); k++) {
    const uint8_t* blk = q.data() + k / std::size_t(E) * std::size_t(block_bytes(b));
    const Grid g = grid_of(b, blk, int(k % std::size_t(E)));
    const double lo = std::min(double(g.d1) * g.qlo, double(g.d1) * g.qhi) - g.m1;
    const double hi = std::max(double(g.d1) * g.qlo, double(g.d1) * g.qhi) - g.m1;
    const double xv = x[k], outside = xv < lo ? lo - xv : xv > hi ? xv - hi : 0.0;
    const double slop = 8 * 0x1p-24 * (std::fabs(xv) + std::fabs(double(g.m1)) + std::fabs(double(g.d1)) * 32);
    // Q5_0/Q5_1 round against the float d before it is stored as fp16: up
    // to 16 (31) steps of the fp16 rounding of d (and of m) on top.
    // (relative 2^-11 for a normal half, absolute 2^-25 for a subnormal one).
    const double r16d = 0x1p-11 * std::fabs(double(g.d1)) + 0x1p-25, r16m = 0x1p-11 * std::fabs(double(g.m1)) + 0x1p-25;
    const double fp16 = b == Block::q5_0 ? 16 * r16d : b == Block::q5_1 ? 31 * r16d + r16m : 0.0;
    const double bound = outside + 0.5 * std::fabs(double(g.d1)) + fp16 + slop;
    ASSERT_LE(std::fabs(double(y[k]) - xv), bound)
        << what << " " << block_name(b) << " element " << k << ": x " << xv << " y " << y[k] << " d1 " << g.d1
        << " m1 " << g.m1;
  }
}

TEST(BlockQuant, ValuesOnTheNearestGridPoint) {
  test::Inputs in(31);
  for (Block b : kAll) {
    const std::size_t n = 4 * 256;
    expect_nearest(b, in.vec(n), "uniform");
    expect_nearest(b, in.vec(n, 0.5f, 2.0f), "positive");
    expect_nearest(b, in.vec(n, -3.0f, -0.25f), "negative");
    std::vector<float> spiky = in.vec(n, -0.1f, 0.1f);
    for (std::size_t i = 7; i < n; i += 61) spiky[i] = in.uniform(-8.0f, 8.0f);  // outliers, as in real weights
    expect_nearest(b, spiky, "outliers");
    // Small values whose fp16 scales are subnormal halves (below 2^-14).
    expect_nearest(b, in.vec(n, -2e-5f, 2e-5f), "subnormal scales");
  }
}

TEST(BlockQuant, ErrorShrinksWithTheBits) {
  // The searches must give a useful fit, not just a valid one: the RMS error
  // on uniform data relative to the RMS of the data, per type.
  test::Inputs in(32);
  const std::vector<float> x = in.vec(64 * 256);
  double sx = 0;
  for (float v : x) sx += double(v) * v;
  // Measured (llama.cpp's rules on this data) plus about 10%.
  const std::pair<Block, double> limits[] = {{Block::q2_k, 0.26}, {Block::q3_k, 0.14}, {Block::q4_k, 0.06},
                                             {Block::q5_0, 0.034}, {Block::q5_1, 0.031}, {Block::q5_k, 0.030},
                                             {Block::q6_k, 0.0147}};
  for (const auto& [b, limit] : limits) {
    const std::vector<float> y = llama2c::dequant(b, llama2c::quantize(b, x), int(x.size()));
    double se = 0;
    for (std::size_t i = 0; i < x.size(); i++) se += (double(y[i]) - x[i]) * (double(y[i]) - x[i]);
    EXPECT_LT(std::sqrt(se / sx), limit) << block_name(b);
  }
}

TEST(BlockQuant, ZeroIsZero) {
  for (Block b : kAll) {
    const std::vector<float> x(512, 0.0f);
    const std::vector<uint8_t> q = llama2c::quantize(b, x);
    for (float v : llama2c::dequant(b, q, 512)) ASSERT_EQ(v, 0.0f) << block_name(b);
    for (std::size_t i = 0; i < q.size(); i++) {
      // Q5_0 stores d = 0 / -16 = -0 (as Q4_0 does) and q = 16 (the fifth
      // bits all set, nibbles 0); every other type is all zero bytes.
      const std::size_t at = i % 22;
      const int want = b != Block::q5_0 ? 0 : at == 1 ? 0x80 : at >= 2 && at < 6 ? 0xff : 0;
      ASSERT_EQ(q[i], want) << block_name(b) << " byte " << i;
    }
  }
}

TEST(BlockQuant, NanIsQuantizedAsZero) {
  test::Inputs in(33);
  for (Block b : kAll) {
    std::vector<float> x = in.vec(512), z = x;
    for (std::size_t i = 3; i < x.size(); i += 37) {
      x[i] = std::numeric_limits<float>::quiet_NaN();
      z[i] = 0.0f;
    }
    EXPECT_EQ(llama2c::quantize(b, x), llama2c::quantize(b, z)) << block_name(b);
  }
}

TEST(BlockQuant, BlocksAreIndependent) {
  test::Inputs in(34);
  for (Block b : kAll) {
    const std::vector<float> x = in.vec(768, -2.0f, 2.0f);
    const std::size_t half = 512;  // a whole number of blocks of 32 and of 256
    std::vector<uint8_t> parts = llama2c::quantize(b, std::span<const float>(x).first(half));
    const std::vector<uint8_t> rest = llama2c::quantize(b, std::span<const float>(x).subspan(half));
    parts.insert(parts.end(), rest.begin(), rest.end());
    EXPECT_EQ(llama2c::quantize(b, x), parts) << block_name(b);
  }
}

TEST(BlockQuant, InfinityAndHugeValuesStayInTheirBlock) {
  // A block holding inf (or values whose squares overflow) gives what
  // llama.cpp's arithmetic gives (inf/NaN scales); the point is no
  // undefined behaviour (the sanitizer tree runs this) and no effect on
  // the other blocks.
  test::Inputs in(35);
  for (Block b : kAll) {
    const std::size_t E = std::size_t(block_elems(b));
    for (float bad : {INFINITY, -INFINITY, 3e38f}) {
      std::vector<float> x = in.vec(3 * E);
      x[E + 5] = bad;
      const std::vector<uint8_t> q = llama2c::quantize(b, x);
      const std::size_t B = std::size_t(block_bytes(b));
      const std::vector<uint8_t> first = llama2c::quantize(b, std::span<const float>(x).first(E));
      const std::vector<uint8_t> last = llama2c::quantize(b, std::span<const float>(x).subspan(2 * E));
      EXPECT_TRUE(std::equal(first.begin(), first.end(), q.begin())) << block_name(b) << " " << bad;
      EXPECT_TRUE(std::equal(last.begin(), last.end(), q.begin() + std::ptrdiff_t(2 * B))) << block_name(b) << " " << bad;
      (void)llama2c::dequant(b, q, int(x.size()));
    }
  }
}

TEST(BlockQuant, LengthMustBeWholeBlocks) {
  for (Block b : kAll) {
    const std::vector<float> x(std::size_t(block_elems(b)) + 16, 1.0f);
    EXPECT_THROW(llama2c::quantize(b, x), std::invalid_argument) << block_name(b);
    EXPECT_TRUE(llama2c::quantize(b, std::span<const float>()).empty()) << block_name(b);
  }
}

}  // namespace
}  // namespace nineml::ref
