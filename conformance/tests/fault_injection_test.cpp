// Every gate can fail: with NINEML_FAULT naming a kernel, exactly that
// kernel's engine cases fail and every other kernel's still pass.
#include <gtest/gtest.h>

#include <cstdlib>

#include "fault.hpp"
#include "runner.hpp"

namespace nineml::conformance {

// GoogleTest shows a kernel parameter by its name.
void PrintTo(const Kernel* k, std::ostream* os) { *os << k->name(); }

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

// NINEML_FAULT reaches every engine implementation (SIMD levels, thread
// counts), not only engine-scalar: a one-ULP fault changes each one's raw
// output, and where the implementation has a bit-exact contract (the thread
// counts) the case fails. The SIMD levels have no contract, so for them the
// kernel's bound is the gate: the first test above shows the bound catches
// a fault on engine-scalar's identical path for the same kernels.
class TableFaultInjection : public testing::TestWithParam<const Kernel*> {};

TEST_P(TableFaultInjection, PerturbsEveryEngineImplementation) {
  const Kernel* target = GetParam();
  std::vector<CaseSpec> cases;
  for (const CaseSpec& c : small_cases(*target))
    if (c.dist == "normal" && cases.size() < 3) cases.push_back(c);
  ASSERT_FALSE(cases.empty()) << target->name();
  int checked = 0;
  for (const Impl& impl : impls()) {
    if (!impl.is_engine || impl.kind == ImplKind::engine_scalar) continue;
    if (!applies(impl.kind, target->table_use()) || !unavailable_reason(impl.kind).empty()) continue;
    for (const CaseSpec& c : cases) {
      Tensors in = target->inputs(c);
      unsetenv("NINEML_FAULT");
      Output clean = target->run(c, in, impl.kind);
      FaultEnv env(target->name());
      Output faulty = target->run(c, in, impl.kind);
      EXPECT_NE(clean.raw, faulty.raw) << "fault did not reach " << impl.name << ": " << c.key();
      if (!impl.contract.empty()) {
        auto r = run_case(*target, c, {&impl});
        ASSERT_EQ(r.size(), 1u);
        EXPECT_FALSE(r[0].passed) << "fault not caught on " << impl.name << ": " << r[0].repro;
      }
      checked++;
    }
  }
  EXPECT_GT(checked, 0) << "no engine implementation besides engine-scalar ran " << target->name();
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

// Only kernels with a kernel-table entry run on the SIMD levels and threads.
std::vector<const Kernel*> table_kernels() {
  std::vector<const Kernel*> out;
  for (const Kernel* k : kernels())
    if (k->table_use() != TableUse::none) out.push_back(k);
  return out;
}

INSTANTIATE_TEST_SUITE_P(TableKernels, TableFaultInjection, testing::ValuesIn(table_kernels()), kernel_name);

}  // namespace
}  // namespace nineml::conformance
