// ULP bins, their labels, and the kernel x impl aggregate.
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "report.hpp"
#include "sample.hpp"

namespace nineml::report {
namespace {

TEST(UlpBin, BoundariesFollowTheDefinition) {
  EXPECT_EQ(ulp_bin(0), 0);
  EXPECT_EQ(ulp_bin(-0.0), 0);
  EXPECT_EQ(ulp_bin(0.25), 1);
  EXPECT_EQ(ulp_bin(1), 1);
  EXPECT_EQ(ulp_bin(1.5), 2);
  EXPECT_EQ(ulp_bin(2), 2);
  EXPECT_EQ(ulp_bin(3), 3);
  EXPECT_EQ(ulp_bin(4), 3);
  EXPECT_EQ(ulp_bin(5), 4);
  EXPECT_EQ(ulp_bin(8), 4);
  EXPECT_EQ(ulp_bin(9), 5);
  // bin k holds (2^(k-2), 2^(k-1)] for every k up to the last bin.
  for (int k = 2; k < kUlpBins - 1; k++) {
    EXPECT_EQ(ulp_bin(std::ldexp(1.0, k - 1)), k) << k;
    EXPECT_EQ(ulp_bin(std::nextafter(std::ldexp(1.0, k - 2), 1e300)), k) << k;
  }
  EXPECT_EQ(ulp_bin(std::ldexp(1.0, 31)), kUlpBins - 2);
  EXPECT_EQ(ulp_bin(std::ldexp(1.0, 31) + 1), kUlpBins - 1);
  EXPECT_EQ(ulp_bin(1e300), kUlpBins - 1);
  EXPECT_EQ(ulp_bin(std::numeric_limits<double>::infinity()), kUlpBins - 1);
  EXPECT_EQ(ulp_bin(std::numeric_limits<double>::quiet_NaN()), kUlpBins - 1);
  EXPECT_EQ(ulp_bin(-3), 3);
}

TEST(UlpBin, Labels) {
  EXPECT_EQ(ulp_bin_label(0), "0");
  EXPECT_EQ(ulp_bin_label(1), "(0,1]");
  EXPECT_EQ(ulp_bin_label(2), "(1,2]");
  EXPECT_EQ(ulp_bin_label(3), "(2,4]");
  EXPECT_EQ(ulp_bin_label(11), "(512,2^10]");
  EXPECT_EQ(ulp_bin_label(kUlpBins - 2), "(2^30,2^31]");
  EXPECT_EQ(ulp_bin_label(kUlpBins - 1), ">2^31,nan");
}

TEST(Summarize, AggregatesPerKernelAndImplInStableOrder) {
  Report r = testing::make_report();
  r.cases[1].tolerance_kind = "exact";
  auto s = summarize(r);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].kernel, "rmsnorm");
  EXPECT_EQ(s[1].kernel, "softmax");
  EXPECT_EQ(s[1].impl, "engine-avx2");
  EXPECT_EQ(s[2].impl, "engine-scalar");
  EXPECT_EQ(s[2].cases, 2);
  EXPECT_EQ(s[2].failed, 0);
  EXPECT_EQ(s[1].failed, 1);
  EXPECT_EQ(s[2].max_ulp, 2);
  EXPECT_EQ(s[2].max_bound_ratio, 2.0 / 64);
  EXPECT_EQ(s[2].tolerance_kind, "bound, exact");
  ASSERT_EQ(s[2].ulp_histogram.size(), static_cast<size_t>(kUlpBins));
  EXPECT_EQ(s[2].ulp_histogram[0], 20);
  EXPECT_EQ(s[2].ulp_histogram[1], 7);
  EXPECT_EQ(s[2].ulp_histogram[2], 7);
}

TEST(Summarize, NanIsTheWorstValue) {
  Report r = testing::make_report();
  r.cases[0].max_ulp = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(std::isnan(summarize(r)[2].max_ulp));
}

}  // namespace
}  // namespace nineml::report
