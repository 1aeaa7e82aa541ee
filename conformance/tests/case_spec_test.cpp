#include <gtest/gtest.h>

#include "runner.hpp"

namespace nineml::conformance {
namespace {

TEST(CaseSpec, KeyRoundTrips) {
  CaseSpec c = CaseSpec::parse("matmul_f32/d=7,n=17/heavy/seed=42");
  EXPECT_EQ(c.kernel, "matmul_f32");
  EXPECT_EQ(c.get_int("d"), 7);
  EXPECT_EQ(c.get_int("n"), 17);
  EXPECT_EQ(c.dist, "heavy");
  EXPECT_EQ(c.seed, 42u);
  EXPECT_EQ(c.key(), "matmul_f32/d=7,n=17/heavy/seed=42");
}

TEST(CaseSpec, MalformedKeysNameTheProblem) {
  auto msg = [](const std::string& key) {
    try {
      CaseSpec::parse(key);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(msg("softmax/n=3/normal").find("wrong number"), std::string::npos);
  EXPECT_NE(msg("softmax/n=3/weird/seed=1").find("unknown distribution 'weird'"), std::string::npos);
  EXPECT_NE(msg("softmax/n3/normal/seed=1").find("not NAME=VALUE"), std::string::npos);
  EXPECT_NE(msg("softmax/n=3/normal/seed=x").find("seed=UNSIGNED"), std::string::npos);
}

TEST(CaseSpec, EveryRegisteredCaseReplaysFromItsKey) {
  Selection s;
  s.seed = 7;
  auto cases = select_cases(s);
  ASSERT_GT(cases.size(), 1000u);
  std::set<std::string> keys;
  for (const auto& c : cases) {
    EXPECT_TRUE(keys.insert(c.spec.key()).second) << "duplicate case " << c.spec.key();
    CaseSpec back = CaseSpec::parse(c.spec.key());
    EXPECT_EQ(back.key(), c.spec.key());
    EXPECT_EQ(back.data_seed(), c.spec.data_seed());
  }
}

TEST(CaseSpec, ReproRunsExactlyThatCase) {
  Selection all;
  auto cases = select_cases(all);
  const auto& pick = cases[cases.size() / 3];
  Selection one;
  one.case_keys = {pick.spec.key()};
  one.impls = {"engine-scalar"};
  report::Report r = run(one);
  ASSERT_EQ(r.cases.size(), 1u);
  EXPECT_EQ(r.cases[0].case_id, pick.spec.key());
  auto again = run_case(*pick.kernel, pick.spec, {find_impl("engine-scalar")});
  EXPECT_EQ(again[0].max_ulp, r.cases[0].max_ulp);
  EXPECT_EQ(again[0].bound_ratio, r.cases[0].bound_ratio);
}

TEST(CaseSpec, UnknownKernelAndImplAreErrors) {
  Selection s;
  s.kernels = {"nope"};
  EXPECT_THROW(select_cases(s), std::runtime_error);
  Selection t;
  t.impls = {"nope"};
  EXPECT_THROW(select_impls(t), std::runtime_error);
}

TEST(Registry, CoversAtLeastFifteenKernelsWithBoundsOrExactness) {
  EXPECT_GE(kernels().size(), 15u);
  for (const Kernel* k : kernels()) {
    EXPECT_TRUE(k->tolerance_kind() == "bound" || k->tolerance_kind() == "exact") << k->name();
    EXPECT_FALSE(k->tolerance_note().empty()) << k->name();
  }
}

}  // namespace
}  // namespace nineml::conformance
