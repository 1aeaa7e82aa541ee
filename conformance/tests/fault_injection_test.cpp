// Every gate can fail: with NINEML_FAULT naming a kernel, exactly that
// kernel's engine cases fail and every other kernel's still pass.
#include <gtest/gtest.h>

#include <cstdlib>

#include "fault.hpp"
#include "runner.hpp"

namespace nineml::conformance {
namespace {

class FaultEnv {
 public:
  explicit FaultEnv(const std::string& value) { setenv("NINEML_FAULT", value.c_str(), 1); }
  ~FaultEnv() { unsetenv("NINEML_FAULT"); }
};

// The smaller cases of a kernel (nominal length up to 288), enough to cover
// every distribution and shape family while keeping the test quick.
std::vector<CaseSpec> small_cases(const Kernel& k) {
  std::vector<CaseSpec> out;
  for (const CaseSpec& c : k.cases()) {
    bool small = true;
    for (const auto& [name, value] : c.params)
      if ((name == "n" || name == "blocks" || name == "dim" || name == "pos" || name == "d") &&
          std::stoll(value) > 288)
        small = false;
    if (small) out.push_back(c);
  }
  return out;
}

class FaultInjection : public testing::TestWithParam<const Kernel*> {};

TEST_P(FaultInjection, FailsExactlyTheNamedKernel) {
  const Kernel* target = GetParam();
  const Impl* engine = find_impl("engine-scalar");
  ASSERT_NE(engine, nullptr);
  FaultEnv env(target->name());
  for (const Kernel* k : kernels()) {
    auto cases = small_cases(*k);
    ASSERT_FALSE(cases.empty()) << k->name();
    if (k != target) cases.resize(std::min<size_t>(cases.size(), 4));
    for (const CaseSpec& c : cases) {
      auto r = run_case(*k, c, {engine}).at(0);
      if (k == target)
        EXPECT_FALSE(r.passed) << "fault in " << target->name() << " not caught: " << r.repro;
      else
        EXPECT_TRUE(r.passed) << "fault in " << target->name() << " leaked into " << r.repro << ": " << r.failure;
    }
  }
}

TEST(FaultInjection, UnsetMeansNoFault) {
  unsetenv("NINEML_FAULT");
  EXPECT_FALSE(fault::from_env().has_value());
}

TEST(FaultInjection, MalformedValueIsAnError) {
  FaultEnv f("softmax:zero");
  EXPECT_THROW(fault::from_env(), std::runtime_error);
}

std::string kernel_name(const testing::TestParamInfo<const Kernel*>& info) { return info.param->name(); }

INSTANTIATE_TEST_SUITE_P(EveryKernel, FaultInjection, testing::ValuesIn(kernels()), kernel_name);

}  // namespace
}  // namespace nineml::conformance
