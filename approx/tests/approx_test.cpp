// The approximate-math audit: the strided sweep against facts derived by
// hand, and the approx-* implementations against the kernels' bounds.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>

#include "audit.hpp"
#include "kernel.hpp"
#include "runner.hpp"

namespace nineml::approx {
namespace {

std::map<std::string, Sweep> subset() {
  static const auto all = [] {
    std::map<std::string, Sweep> m;
    for (auto& s : sweep_all(4096, 2)) m[s.name] = s;
    return m;
  }();
  return all;
}

TEST(ApproxAudit, ReferenceAgreesWithLibm) {
  // glibc's expf and 1/sqrtf are within 1 ULP: a reference (or ULP count)
  // that is off would show here first.
  EXPECT_LE(subset().at("exp-libm").max_ulp, 1u);
  EXPECT_LE(subset().at("rsqrt-libm").max_ulp, 1u);
  EXPECT_GT(subset().at("exp-libm").count, 270000u);  // [-103.97, 0] has ~1.12e9 floats
}

TEST(ApproxAudit, FastRsqrtErrorsAreTheKnownOnes) {
  // 0x5f3759df: 3.4375% worst relative error (Lomont 2003); a Newton step
  // turns e into about 1.5 e^2 (0.175%), the second into 4.6e-6 plus float
  // rounding.
  EXPECT_NEAR(subset().at("rsqrt-0nr").max_rel, 0.034375, 0.0002);
  EXPECT_NEAR(subset().at("rsqrt-1nr").max_rel, 0.001752, 0.00002);
  EXPECT_GT(subset().at("rsqrt-2nr").max_rel, 4.0e-6);
  EXPECT_LT(subset().at("rsqrt-2nr").max_rel, 5.5e-6);
}

TEST(ApproxAudit, ExpErrorsMatchTheirDerivation) {
  // Schraudolph: bits 2^k (1 + f) for 2^(k + f + s), s = 366393 / 2^23: the
  // error (1 + f) / 2^(f + s) - 1 peaks at f = 0 and f = 1/ln2 - 1 with equal
  // size (what s is chosen for). At the bottom the bits fall into the
  // subnormal encoding (f 2^-149, not (1 + f) 2^-127), a little worse.
  const double s = 366393.0 / 8388608.0;
  const double interior = 1 - std::exp2(-s);
  EXPECT_NEAR((1 / std::log(2.0)) / std::exp2(1 / std::log(2.0) - 1 + s) - 1, interior, 2e-4);
  EXPECT_GT(subset().at("exp-schraudolph").max_rel, interior - 1e-4);
  EXPECT_LT(subset().at("exp-schraudolph").max_rel, 0.033);
  // Taylor degree d on |r| <= ln2/2: remainder r^(d+1)/(d+1)! e^|r|, plus a
  // few float roundings (2^-24 each).
  const double r = std::log(2.0) / 2, u = std::ldexp(1.0, -24);
  const double rem5 = std::pow(r, 6) / 720 * std::exp(r), rem6 = std::pow(r, 7) / 5040 * std::exp(r);
  EXPECT_LT(subset().at("exp-poly5").max_rel, rem5 + 4 * u);
  EXPECT_GT(subset().at("exp-poly5").max_rel, rem5 / 2);
  EXPECT_LT(subset().at("exp-poly6").max_rel, rem6 + 4 * u);
  EXPECT_LE(subset().at("exp-poly6").max_ulp, 4u);
}

TEST(ApproxAudit, SiluApproximationsLoseTheNegativeTail) {
  // 1 + tanh(v/2) cancels below v = -17 (tanh's ULP at -1 is 2^-25 > sigmoid),
  // the Pade form clamps tanh to -1 below v = -6: both give 0 for a normal
  // silu, relative error 1, where the engine's formula still holds.
  EXPECT_EQ(subset().at("silu-tanh").max_rel, 1.0);
  EXPECT_LT(subset().at("silu-tanh").max_rel_x, -16.0f);
  EXPECT_EQ(subset().at("silu-rational").max_rel, 1.0);
  EXPECT_LT(subset().at("silu-rational").max_rel_x, -5.9f);
  // The engine's formula itself only fails where expf(-v) overflows.
  EXPECT_LT(subset().at("silu-libm").max_rel_x, -88.7f);
}

TEST(ApproxAudit, UlpBins) {
  EXPECT_EQ(ulp_bin(0), 0);
  EXPECT_EQ(ulp_bin(1), 1);
  EXPECT_EQ(ulp_bin(2), 2);
  EXPECT_EQ(ulp_bin(3), 3);
  EXPECT_EQ(ulp_bin(4), 3);
  EXPECT_EQ(ulp_bin(5), 4);
  EXPECT_EQ(bin_label(4), "5-8");
  EXPECT_EQ(ulp_bin(uint64_t{1} << 32), kBins - 1);
}

}  // namespace
}  // namespace nineml::approx

namespace nineml::conformance {
namespace {

// Bit equality (NaN == NaN: a vector compare would call every NaN case different).
bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

TEST(ApproxImpls, NeverInTheDefaultSelection) {
  for (const auto& i : impls()) EXPECT_NE(i.name.rfind("approx-", 0), 0u) << i.name;
  ASSERT_FALSE(audit_impls().empty());
  for (const auto& i : audit_impls()) EXPECT_EQ(find_impl(i.name), &i);
  Selection all;
  all.impls = {"*"};
  for (const Impl* i : select_impls(all)) EXPECT_NE(i->name.rfind("approx-", 0), 0u) << i->name;
  Selection approx;
  approx.impls = {"approx-*"};
  EXPECT_EQ(select_impls(approx).size(), audit_impls().size());
}

// Each approximation must change its kernels' outputs (an entry that fell
// back to the exact function would not) and fail their bounds where it is
// coarse; approx-exp-poly6 (Taylor degree 6, within 4 ULP) stays inside
// them, which is measured here too.
TEST(ApproxImpls, ChangeTheirKernelsAndFailWhereCoarse) {
  const std::map<std::string, bool> fails = {
      {"approx-exp-schraudolph", true}, {"approx-exp-poly5", true}, {"approx-exp-poly6", false},
      {"approx-rsqrt-0nr", true},       {"approx-rsqrt-1nr", true}, {"approx-rsqrt-2nr", true},
      {"approx-silu-tanh", true},       {"approx-silu-rational", true}};
  ASSERT_EQ(fails.size(), audit_impls().size());
  const Impl* scalar = find_impl("engine-scalar");
  for (const Impl& impl : audit_impls()) {
    for (const std::string& kname : impl.kernels) {
      const Kernel* k = find_kernel(kname);
      ASSERT_NE(k, nullptr) << kname;
      int failed = 0, differs = 0, cases = 0;
      for (CaseSpec c : k->cases()) {
        cases++;
        auto r = run_case(*k, c, {&impl, scalar});
        ASSERT_EQ(r.size(), 2u) << c.key();
        failed += r[0].passed ? 0 : 1;
        EXPECT_TRUE(r[1].passed) << c.key();
        auto in = k->inputs(c);
        differs += same_bits(k->run(c, in, impl.kind).raw, k->run(c, in, scalar->kind).raw) ? 0 : 1;
      }
      EXPECT_GT(differs, 0) << impl.name << " on " << kname << ": the same bits as engine-scalar in all " << cases
                            << " cases";
      if (fails.at(impl.name)) EXPECT_GT(failed, 0) << impl.name << " passes every " << kname << " case";
      else EXPECT_EQ(failed, 0) << impl.name << " fails " << failed << " " << kname << " cases";
    }
  }
}

}  // namespace
}  // namespace nineml::conformance
