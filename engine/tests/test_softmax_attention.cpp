// Softmax special values, rmsnorm/matmul/rope order, attention windows and
// grouped-query head mapping.
#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "kernels.h"

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
const float kNan = std::numeric_limits<float>::quiet_NaN();

void expect_all_nan(const std::vector<float>& x) {
  for (size_t i = 0; i < x.size(); i++)
    EXPECT_TRUE(std::isnan(x[i])) << "i=" << i;
}

TEST(Softmax, MatchesUpstreamOrder) {
  std::vector<float> x = {1.0f, 3.0f, -2.0f, 0.5f};
  std::vector<float> want = x;
  float max = 3.0f, sum = 0.0f;
  for (float& v : want) {
    v = std::exp(v - max);
    sum += v;
  }
  for (float& v : want) v /= sum;
  nm_softmax(x.data(), 4);
  EXPECT_EQ(x, want);
}

TEST(Softmax, NanAnywhereMakesAllNan) {
  for (size_t pos = 0; pos < 4; pos++) {
    std::vector<float> x = {1.0f, 2.0f, 3.0f, 4.0f};
    x[pos] = kNan;
    nm_softmax(x.data(), 4);
    expect_all_nan(x);
  }
}

TEST(Softmax, PlusInfinityMakesAllNan) {
  std::vector<float> x = {1.0f, kInf, 3.0f};
  nm_softmax(x.data(), 3);
  expect_all_nan(x);
}

TEST(Softmax, MinusInfinityIsExactlyZero) {
  std::vector<float> x = {-kInf, 0.0f, -kInf, 0.0f};
  nm_softmax(x.data(), 4);
  EXPECT_EQ(x[0], 0.0f);
  EXPECT_FALSE(std::signbit(x[0]));
  EXPECT_EQ(x[1], 0.5f);
  EXPECT_EQ(x[2], 0.0f);
  EXPECT_EQ(x[3], 0.5f);
}

TEST(Softmax, AllMinusInfinityIsAllNan) {
  std::vector<float> x = {-kInf, -kInf, -kInf};
  nm_softmax(x.data(), 3);
  expect_all_nan(x);
}

TEST(Softmax, SingleEntryIsOne) {
  float x = -123.5f;
  nm_softmax(&x, 1);
  EXPECT_EQ(x, 1.0f);
}

TEST(Rmsnorm, UpstreamGrouping) {
  std::vector<float> x = {0.3f, -1.7f, 2.2f}, w = {0.9f, 1.1f, -0.4f}, out(3);
  float ss = 0.0f;
  for (float v : x) ss += v * v;
  ss /= 3;
  ss += 1e-5f;
  ss = 1.0f / std::sqrt(ss);
  nm_rmsnorm(out.data(), x.data(), w.data(), 3, 1e-5f);
  for (int j = 0; j < 3; j++) EXPECT_EQ(out[j], w[j] * (ss * x[j])) << j;
}

TEST(Matmul, RowMajorAscendingAccumulation) {
  std::vector<float> w = {1, 2, 3, 4, 5, 6}, x = {1, 0.5f, -1}, out(2);
  nm_matmul_f32(out.data(), x.data(), w.data(), 3, 2);
  EXPECT_EQ(out[0], 1.0f + 1.0f - 3.0f);
  EXPECT_EQ(out[1], 4.0f + 2.5f - 6.0f);
}

TEST(Rope, PositionZeroIsIdentityAndPairsRotate) {
  std::vector<float> v = {1, 2, 3, 4};
  std::vector<float> orig = v;
  nm_rope(v.data(), 4, 4, 0, 10000.0f);
  EXPECT_EQ(v, orig);

  // First pair of a head has freq 1: rotation by angle pos.
  std::vector<float> r = {1, 0};
  nm_rope(r.data(), 2, 2, 1, 10000.0f);
  EXPECT_EQ(r[0], std::cos(1.0f));
  EXPECT_EQ(r[1], std::sin(1.0f));
}

// Fills a cache with (pos+1) rows of kv_dim floats from a simple formula.
std::vector<float> make_cache(int rows, int kv_dim, float base) {
  std::vector<float> c(rows * kv_dim);
  for (int i = 0; i < rows * kv_dim; i++) c[i] = base + 0.01f * static_cast<float>((i * 7) % 13);
  return c;
}

TEST(Attention, PositionZeroCopiesValueOfMappedKvHead) {
  // 4 query heads over 2 kv heads: heads 0,1 read kv head 0; 2,3 read kv head 1.
  const int hs = 2, nh = 4, nkv = 2;
  std::vector<float> q(nh * hs, 1.0f), k = {1, 2, 3, 4}, v = {10, 11, 20, 21};
  std::vector<float> out(nh * hs), att(nh);
  nm_attention(out.data(), att.data(), q.data(), k.data(), v.data(), nh, nkv, hs, 0, 0);
  std::vector<float> want = {10, 11, 10, 11, 20, 21, 20, 21};
  EXPECT_EQ(out, want);
}

TEST(Attention, ScoreDividedAfterDotProduct) {
  const int hs = 3, pos = 1;
  std::vector<float> q = {0.3f, 0.7f, -0.2f};
  std::vector<float> k = {0.1f, 0.2f, 0.3f, -0.5f, 0.4f, 0.9f};
  std::vector<float> v = {1, 2, 3, 4, 5, 6};
  std::vector<float> out(hs), att(pos + 1);
  nm_attention(out.data(), att.data(), q.data(), k.data(), v.data(), 1, 1, hs, pos, 0);
  std::vector<float> s(2);
  for (int t = 0; t < 2; t++) {
    float score = 0.0f;
    for (int i = 0; i < hs; i++) score += q[i] * k[t * hs + i];
    s[t] = score / std::sqrt(3.0f);
  }
  nm_softmax(s.data(), 2);
  for (int i = 0; i < hs; i++) {
    float o = 0.0f;
    o += s[0] * v[i];
    o += s[1] * v[hs + i];
    EXPECT_EQ(out[i], o) << i;
  }
}

TEST(Attention, SlidingWindowIgnoresOldPositions) {
  const int hs = 4, nh = 2, nkv = 1, kv_dim = nkv * hs, pos = 5, window = 2;
  std::vector<float> q = {0.5f, -0.25f, 1.0f, 0.75f, -1.0f, 0.5f, 0.25f, 2.0f};
  auto k = make_cache(pos + 1, kv_dim, 0.1f);
  auto v = make_cache(pos + 1, kv_dim, -0.3f);
  // Positions before pos-window+1 must not be read at all: poison them.
  for (int t = 0; t <= pos - window; t++)
    for (int i = 0; i < kv_dim; i++) k[t * kv_dim + i] = v[t * kv_dim + i] = kNan;

  std::vector<float> out(nh * hs), att(nh * (pos + 1));
  nm_attention(out.data(), att.data(), q.data(), k.data(), v.data(), nh, nkv, hs, pos, window);

  // Attention has no positional term of its own, so the windowed result is
  // the full result over just the last `window` rows.
  std::vector<float> want(nh * hs), att2(nh * window);
  int first = pos - window + 1;
  nm_attention(want.data(), att2.data(), q.data(), k.data() + first * kv_dim,
               v.data() + first * kv_dim, nh, nkv, hs, window - 1, 0);
  EXPECT_EQ(out, want);
}

TEST(Attention, WindowLargerThanHistoryIsFullAttention) {
  const int hs = 2, pos = 2;
  std::vector<float> q = {0.5f, 1.5f};
  auto k = make_cache(pos + 1, hs, 0.2f);
  auto v = make_cache(pos + 1, hs, 1.0f);
  std::vector<float> a(hs), b(hs), att(pos + 1);
  nm_attention(a.data(), att.data(), q.data(), k.data(), v.data(), 1, 1, hs, pos, 0);
  nm_attention(b.data(), att.data(), q.data(), k.data(), v.data(), 1, 1, hs, pos, 10);
  EXPECT_EQ(a, b);
}

TEST(Activation, SiluSwigluResidual) {
  const std::vector<float> in = {-2.0f, 0.0f, 1.5f};
  std::vector<float> x = in, hb = in, hb2 = {3.0f, 2.0f, -1.0f};
  nm_silu(x.data(), 3);
  nm_swiglu(hb.data(), hb2.data(), 3);
  for (int i = 0; i < 3; i++) {
    float s = in[i] * (1.0f / (1.0f + std::exp(-in[i])));
    EXPECT_EQ(x[i], s) << i;
    EXPECT_EQ(hb[i], s * hb2[i]) << i;
  }
  std::vector<float> r = {1, 2}, y = {0.5f, -2};
  nm_residual_add(r.data(), y.data(), 2);
  EXPECT_EQ(r[0], 1.5f);
  EXPECT_EQ(r[1], 0.0f);
}

}  // namespace
