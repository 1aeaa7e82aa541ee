// Each llama2c kernel against the exact one. The bounds here are sanity
// checks derived loosely from float32 rounding (u = 2^-24); the tight,
// reported bounds live in conformance/.
#include <cmath>

#include <gtest/gtest.h>

#include "reference.hpp"
#include "test_util.hpp"

namespace nineml::ref {
namespace {

using test::gamma;
using test::Inputs;

constexpr double u = 0x1.0p-24;

TEST(Kernels, MatmulWithinDotProductBound) {
  Inputs in(1);
  const int n = 67, d = 13;
  const auto x = in.vec(n), w = in.vec(std::size_t(n) * d);
  const auto got = llama2c::matmul(x, w, n, d);
  const auto want = exact::matmul(x, w, n, d);
  for (int i = 0; i < d; i++) {
    double mag = 0;
    for (int j = 0; j < n; j++) mag += std::fabs(double(w[std::size_t(i) * n + j]) * x[j]);
    EXPECT_LE(std::fabs(got[i] - want[i]), gamma(n) * mag) << "row " << i;
  }
}

TEST(Kernels, MatmulIsAscendingFloatAccumulation) {
  // The llama2c order, spelled out: one row, j ascending, float accumulator.
  const std::vector<float> x = {1e8f, 1.0f, -1e8f, 1.0f};
  const std::vector<float> w = {1.0f, 1.0f, 1.0f, 1.0f};
  EXPECT_EQ(llama2c::matmul(x, w, 4, 1)[0], 1.0f);  // (1e8 + 1) rounds to 1e8, then 0, then 1
  EXPECT_EQ(exact::matmul(x, w, 4, 1)[0], 2.0);
}

TEST(Kernels, RmsnormClose) {
  Inputs in(2);
  const int n = 96;
  const auto x = in.vec(n, -3, 3), w = in.vec(n, 0.5f, 1.5f);
  const auto got = llama2c::rmsnorm(x, w, 1e-5f);
  const auto want = exact::rmsnorm(x, w, 1e-5f);
  for (int j = 0; j < n; j++) EXPECT_LE(std::fabs(got[j] - want[j]), (n + 10) * u * std::fabs(want[j])) << j;
}

TEST(Kernels, SoftmaxClose) {
  Inputs in(3);
  const int n = 50;
  const auto x = in.vec(n, -8, 8);
  const auto got = llama2c::softmax(x);
  const auto want = exact::softmax(x);
  double total = 0;
  for (int i = 0; i < n; i++) {
    EXPECT_LE(std::fabs(got[i] - want[i]), (n + 10) * u * want[i]) << i;
    total += want[i];
  }
  EXPECT_NEAR(total, 1.0, 1e-15);
}

TEST(Kernels, RopeClose) {
  Inputs in(4);
  const int head_size = 16;
  const auto v = in.vec(64);
  for (int pos : {0, 1, 7, 100, 1000}) {
    const auto got = llama2c::rope(v, head_size, pos, 10000.0f);
    const auto want = exact::rope(v, head_size, pos, 10000.0f);
    for (std::size_t i = 0; i < v.size(); i += 2) {
      // The angle pos*freq carries a few roundings relative to its size.
      const double tol = 8 * u * (pos + 1) * (std::fabs(v[i]) + std::fabs(v[i + 1]));
      EXPECT_LE(std::fabs(got[i] - want[i]), tol) << "pos " << pos << " i " << i;
      EXPECT_LE(std::fabs(got[i + 1] - want[i + 1]), tol) << "pos " << pos << " i " << i;
    }
  }
}

TEST(Kernels, RopeAtPositionZeroIsIdentity) {
  Inputs in(5);
  const auto v = in.vec(32);
  EXPECT_EQ(llama2c::rope(v, 8, 0, 10000.0f), v);
  const auto e = exact::rope(v, 8, 0, 500000.0f);
  for (std::size_t i = 0; i < v.size(); i++) EXPECT_EQ(e[i], double(v[i]));
}

TEST(Kernels, AttentionClose) {
  Inputs in(6);
  const int n_heads = 4, n_kv = 2, hs = 8, pos = 9;
  const std::size_t kv_dim = std::size_t(n_kv) * hs;
  const auto q = in.vec(std::size_t(n_heads) * hs, -2, 2);
  const auto k = in.vec((pos + 1) * kv_dim, -2, 2), v = in.vec((pos + 1) * kv_dim);
  for (int window : {0, 3}) {
    const auto got = llama2c::attention(q, k, v, n_heads, n_kv, hs, pos, window);
    const auto want = exact::attention(q, k, v, n_heads, n_kv, hs, pos, window);
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); i++) EXPECT_NEAR(got[i], want[i], 1e-5) << "window " << window;
  }
}

TEST(Kernels, AttentionHeadUsesItsKvGroup) {
  // With GQA, head h must equal a one-head attention against kv head h/kv_mul.
  Inputs in(7);
  const int n_heads = 4, n_kv = 2, hs = 4, pos = 5;
  const std::size_t kv_dim = std::size_t(n_kv) * hs;
  const auto q = in.vec(std::size_t(n_heads) * hs);
  const auto k = in.vec((pos + 1) * kv_dim), v = in.vec((pos + 1) * kv_dim);
  const auto all = llama2c::attention(q, k, v, n_heads, n_kv, hs, pos, 0);
  for (int h = 0; h < n_heads; h++) {
    const int g = h / (n_heads / n_kv);
    std::vector<float> qh(q.begin() + h * hs, q.begin() + (h + 1) * hs), kg, vg;
    for (int t = 0; t <= pos; t++)
      for (int i = 0; i < hs; i++) {
        kg.push_back(k[t * kv_dim + g * hs + i]);
        vg.push_back(v[t * kv_dim + g * hs + i]);
      }
    const auto one = llama2c::attention(qh, kg, vg, 1, 1, hs, pos, 0);
    for (int i = 0; i < hs; i++) EXPECT_EQ(all[h * hs + i], one[i]) << "head " << h;
  }
}

TEST(Kernels, AttentionWindowOfOneReturnsCurrentValue) {
  Inputs in(8);
  const int hs = 8, pos = 6;
  const auto q = in.vec(hs), k = in.vec((pos + 1) * hs), v = in.vec((pos + 1) * hs);
  const std::vector<float> last(v.end() - hs, v.end());
  EXPECT_EQ(llama2c::attention(q, k, v, 1, 1, hs, pos, 1), last);
  const auto e = exact::attention(q, k, v, 1, 1, hs, pos, 1);
  for (int i = 0; i < hs; i++) EXPECT_EQ(e[i], double(last[i]));
  // A window covering everything is full causal attention.
  EXPECT_EQ(llama2c::attention(q, k, v, 1, 1, hs, pos, pos + 1), llama2c::attention(q, k, v, 1, 1, hs, pos, 0));
}

TEST(Kernels, SiluSwigluClose) {
  Inputs in(9);
  const auto a = in.vec(200, -20, 20), b = in.vec(200, -2, 2);
  const auto s = llama2c::silu(a);
  const auto se = exact::silu(a);
  const auto g = llama2c::swiglu(a, b);
  const auto ge = exact::swiglu(a, b);
  for (std::size_t i = 0; i < a.size(); i++) {
    EXPECT_LE(std::fabs(s[i] - se[i]), 8 * u * std::fabs(se[i]) + 1e-30) << a[i];
    EXPECT_LE(std::fabs(g[i] - ge[i]), 8 * u * std::fabs(ge[i]) + 1e-30) << a[i];
  }
}

TEST(Kernels, ResidualAddIsCorrectlyRounded) {
  Inputs in(10);
  const auto a = in.vec(100, -1e3f, 1e3f), b = in.vec(100, -1, 1);
  const auto got = llama2c::residual_add(a, b);
  const auto want = exact::residual_add(a, b);
  for (std::size_t i = 0; i < a.size(); i++) EXPECT_EQ(got[i], static_cast<float>(want[i]));
}

TEST(Kernels, SizeMismatchThrows) {
  const std::vector<float> x(4), w(7);
  EXPECT_THROW(llama2c::matmul(x, w, 4, 2), std::invalid_argument);
  EXPECT_THROW(exact::matmul(x, w, 4, 2), std::invalid_argument);
  EXPECT_THROW(llama2c::rmsnorm(x, w, 1e-5f), std::invalid_argument);
}

}  // namespace
}  // namespace nineml::ref
