// Small helpers shared by the reference tests: a deterministic input
// generator and the float32 rounding error bound gamma(n).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace nineml::ref::test {

// Inputs from a 64-bit LCG: the same on every platform, no std:: distributions.
class Inputs {
 public:
  explicit Inputs(uint64_t seed) : s_(seed) {}
  // Uniform in [lo, hi).
  float uniform(float lo, float hi) {
    s_ = s_ * 6364136223846793005ull + 1442695040888963407ull;
    const double u = double(s_ >> 11) * 0x1.0p-53;
    return static_cast<float>(lo + (hi - lo) * u);
  }
  std::vector<float> vec(std::size_t n, float lo = -1.0f, float hi = 1.0f) {
    std::vector<float> v(n);
    for (float& x : v) x = uniform(lo, hi);
    return v;
  }

 private:
  uint64_t s_;
};

// gamma(n) = n*u/(1-n*u), u = 2^-24: the float32 bound for n roundings.
inline double gamma(int n) {
  const double u = 0x1.0p-24;
  return n * u / (1.0 - n * u);
}

// A fresh path in the test temp directory, unique per test.
inline std::string temp_path(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return (std::filesystem::path(::testing::TempDir()) /
          (std::string("nineml_ref_") + info->test_suite_name() + "_" + info->name() + "_" + name))
      .string();
}

}  // namespace nineml::ref::test
