// The kernel tables' exp entry (libm in scalar, simd/vexp.h in the SIMD
// levels) against exp in double rounded once to float: within one float
// ULP everywhere, the budget the bounds give expf (docs/TOLERANCES.md),
// and exact on the special values softmax and SwiGLU rely on.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernel_table.h"

namespace {

std::vector<const nm_kernel_table*> tables() {
  std::vector<const nm_kernel_table*> out;
  for (const char* level : {"scalar", "sse2", "avx2", "avx512"})
    if (const nm_kernel_table* t = nm_kernels_by_name(level)) out.push_back(t);
  return out;
}

int32_t ordered(float f) {
  int32_t i;
  std::memcpy(&i, &f, sizeof i);
  return i < 0 ? std::numeric_limits<int32_t>::min() - i : i;
}

// Distance in representable floats (0 and -0 count as one point).
int64_t ulps_apart(float a, float b) {
  return std::llabs(static_cast<int64_t>(ordered(a)) - static_cast<int64_t>(ordered(b)));
}

float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// Every 97th float in [-110, 100] (both signs' bit patterns), plus the
// thresholds: the largest finite result, the normal/subnormal edges.
std::vector<float> sweep() {
  std::vector<float> xs;
  for (uint32_t u = 0; u < 0x42c80000u; u += 97) xs.push_back(from_bits(u));                // [0, 100)
  for (uint32_t u = 0x80000000u; u < 0x80000000u + 0x42dc0000u; u += 97) xs.push_back(from_bits(u));  // (-110, -0]
  for (float edge : {88.72283935546875f, 88.7228394f, 88.72284f, -87.336544f, -87.33655f, -103.27893f,
                     -103.972084f, -103.97208f, -104.0f, 1e-10f, -1e-10f, 0.5f, -0.5f}) {
    xs.push_back(edge);
    xs.push_back(std::nextafter(edge, 1000.0f));
    xs.push_back(std::nextafter(edge, -1000.0f));
  }
  return xs;
}

TEST(TableExp, WithinOneUlpOfCorrectlyRounded) {
  const std::vector<float> xs = sweep();
  for (const nm_kernel_table* t : tables()) {
    std::vector<float> got = xs;
    t->exp(got.data(), static_cast<int>(got.size()));
    int64_t worst = 0;
    float worst_x = 0;
    for (size_t i = 0; i < xs.size(); i++) {
      float want = static_cast<float>(std::exp(static_cast<double>(xs[i])));
      int64_t d = ulps_apart(got[i], want);
      if (d > worst) {
        worst = d;
        worst_x = xs[i];
      }
    }
    EXPECT_LE(worst, 1) << t->name << ": " << worst << " ULPs at x = " << worst_x;
    std::printf("[ exp ] %s: %zu inputs, worst %lld ULP\n", t->name, xs.size(), static_cast<long long>(worst));
  }
}

TEST(TableExp, SpecialValuesAndEveryTailLength) {
  const float inf = std::numeric_limits<float>::infinity();
  for (const nm_kernel_table* t : tables()) {
    for (int n = 1; n <= 33; n++) {  // every remainder of every vector width
      std::vector<float> x(static_cast<size_t>(n));
      for (int i = 0; i < n; i++) x[static_cast<size_t>(i)] = (i % 4 == 0) ? -inf : (i % 4 == 1) ? inf : (i % 4 == 2) ? 0.0f : std::nanf("");
      t->exp(x.data(), n);
      for (int i = 0; i < n; i++) {
        float v = x[static_cast<size_t>(i)];
        switch (i % 4) {
          case 0: EXPECT_EQ(v, 0.0f) << t->name << " exp(-inf), n=" << n; break;
          case 1: EXPECT_EQ(v, inf) << t->name << " exp(inf), n=" << n; break;
          case 2: EXPECT_EQ(v, 1.0f) << t->name << " exp(0), n=" << n; break;
          default: EXPECT_TRUE(std::isnan(v)) << t->name << " exp(NaN), n=" << n; break;
        }
      }
    }
  }
}

// The test can fail: a deliberately 2-ULP-off result is caught by the same
// measure the sweep uses.
TEST(TableExp, UlpMeasureSeesTwoUlps) {
  float want = static_cast<float>(std::exp(1.0));
  float off = std::nextafter(std::nextafter(want, 10.0f), 10.0f);
  EXPECT_EQ(ulps_apart(off, want), 2);
  EXPECT_EQ(ulps_apart(0.0f, -0.0f), 0);
  EXPECT_EQ(ulps_apart(from_bits(1), 0.0f), 1);
}

}  // namespace
