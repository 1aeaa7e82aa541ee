// The conformance suite as GoogleTest: one test per case x implementation,
// each failure message carrying the case's one-line repro.
#include <gtest/gtest.h>

#include <cctype>

#include "runner.hpp"

namespace nineml::conformance {
namespace {

struct Param {
  const Kernel* kernel;
  CaseSpec spec;
  const Impl* impl;
};

// Shown by GoogleTest as the parameter: the case's own repro line.
void PrintTo(const Param& p, std::ostream* os) { *os << repro_line(p.spec, p.impl->name); }

std::vector<Param> all_params() {
  std::vector<Param> out;
  for (const auto& c : select_cases(Selection{}))
    for (const auto& impl : impls())
      if (applies(impl.kind, c.kernel->table_use())) out.push_back({c.kernel, c.spec, &impl});
  return out;
}

std::string test_name(const testing::TestParamInfo<Param>& info) {
  std::string s = info.param.spec.key() + "_" + info.param.impl->name;
  for (char& ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s;
}

class Conformance : public testing::TestWithParam<Param> {};

TEST_P(Conformance, WithinBoundAndContract) {
  const Param& p = GetParam();
  // A SIMD level this CPU lacks is reported as skipped, never as a pass.
  std::string why = unavailable_reason(p.impl->kind);
  if (!why.empty()) GTEST_SKIP() << p.impl->name << " not run: " << why;
  auto results = run_case(*p.kernel, p.spec, {p.impl});
  ASSERT_EQ(results.size(), 1u);
  const auto& r = results[0];
  EXPECT_TRUE(r.passed) << r.failure << "\n  repro: " << r.repro << "\n  max ULP " << r.max_ulp
                        << ", bound ratio " << r.bound_ratio;
  EXPECT_LE(r.bound_ratio, 1.0) << r.repro;
}

INSTANTIATE_TEST_SUITE_P(Registry, Conformance, testing::ValuesIn(all_params()), test_name);

}  // namespace
}  // namespace nineml::conformance
