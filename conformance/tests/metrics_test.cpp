#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "bounds.hpp"
#include "guard.hpp"
#include "metrics.hpp"

namespace nineml::conformance {
namespace {

TEST(Metrics, UlpDistanceOnOrderedIntegers) {
  EXPECT_EQ(ulp_distance(1.0f, 1.0f), 0);
  EXPECT_EQ(ulp_distance(1.0f, std::nextafter(1.0f, 2.0f)), 1);
  EXPECT_EQ(ulp_distance(0.0f, -0.0f), 0);
  // Across zero: the smallest subnormals on either side are 2 apart.
  float tiny = std::numeric_limits<float>::denorm_min();
  EXPECT_EQ(ulp_distance(tiny, -tiny), 2);
  EXPECT_EQ(ulp_distance(NAN, NAN), 0);
  EXPECT_TRUE(std::isinf(ulp_distance(NAN, 1.0f)));
  EXPECT_EQ(ulp_distance(std::numeric_limits<float>::max(), INFINITY), 1);
}

TEST(Metrics, AggregatesOverFiniteExpectedValues) {
  std::vector<double> e = {1.0, 2.0, NAN, 4.0}, g = {1.0, 2.5, NAN, 4.0};
  Metrics m = compute_metrics(e, g);
  EXPECT_DOUBLE_EQ(m.max_abs, 0.5);
  EXPECT_DOUBLE_EQ(m.max_rel, 0.25);
  EXPECT_NEAR(m.nmse, 0.25 / 21.0, 1e-15);
  EXPECT_LT(m.cosine, 1.0);
  EXPECT_GT(m.cosine, 0.99);
}

TEST(Metrics, AMismatchedNonFiniteElementIsNeverAPerfectSummary) {
  const double inf = std::numeric_limits<double>::infinity();
  // NaN expected, 1.5 got: the judge fails it, so the metrics must not say 0 ULP and cosine 1.
  std::vector<double> e = {1.0, NAN}, g = {1.0, 1.5};
  Metrics m = compute_metrics(e, g);
  EXPECT_EQ(m.max_abs, inf);
  EXPECT_EQ(m.max_ulp, inf);
  EXPECT_EQ(m.max_rel, inf);
  EXPECT_EQ(m.nmse, inf);
  EXPECT_EQ(m.cosine, 0);
  // The wrong infinity is a mismatch too; the same one is not.
  std::vector<double> ei = {1.0, inf}, gi = {1.0, -inf}, gs = {1.0, inf};
  EXPECT_EQ(compute_metrics(ei, gi).max_ulp, inf);
  Metrics same = compute_metrics(ei, gs);
  EXPECT_EQ(same.max_ulp, 0);
  EXPECT_EQ(same.cosine, 1);
}

TEST(Bounds, GammaMatchesDefinition) {
  EXPECT_DOUBLE_EQ(bounds::gamma(1), bounds::kU / (1 - bounds::kU));
  EXPECT_TRUE(std::isinf(bounds::gamma(int64_t{1} << 24)));
  EXPECT_DOUBLE_EQ(bounds::compose(0.5, 0.5), 1.25);
}

TEST(Guard, DetectsOverrunOnEitherSide) {
  Guarded<float> g(8);
  EXPECT_TRUE(g.intact());
  g.data()[8] = 1.0f;  // one past the end: inside the guard zone
  EXPECT_FALSE(g.intact());
  Guarded<float> h(8);
  h.data()[-1] = 1.0f;
  EXPECT_FALSE(h.intact());
  Guarded<float> k(8);
  for (int i = 0; i < 8; i++) k.data()[i] = 3.0f;
  EXPECT_TRUE(k.intact());
}

}  // namespace
}  // namespace nineml::conformance
