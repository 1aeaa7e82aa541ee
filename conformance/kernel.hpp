// The conformance plugin interface: one Kernel per file in conformance/kernels/,
// listed in kernel_registry.cpp. A kernel makes its cases' inputs, computes
// the exact expectation and its per-element error bound, and runs any
// implementation on the inputs.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "case_spec.hpp"
#include "impl.hpp"
#include "npy.hpp"
#include "tensor.hpp"

namespace nineml::conformance {

// Exact values and per-element forward error bounds.
struct Expected {
  std::vector<double> value;
  std::vector<double> bound;
};

// An implementation's result. `values` line up with Expected::value; `raw` are
// the outputs as produced (all output buffers, widened to double), which the
// bit-exact contract compares.
struct Output {
  std::vector<double> values;
  std::vector<double> raw;
  bool guards_ok = true;
};

// What the comparator judges: per element expected/got/bound, and optionally
// an error measure other than |got - expected| (sampling kernels measure how
// far the coin lies outside the chosen index's probability interval).
struct Comparison {
  std::vector<double> expected, got, bound, error;
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual std::string name() const = 0;
  // "bound" (derived forward error bound), "exact" (bound 0: the operation is
  // exact) or "fixed-epsilon" (with the reason in tolerance_note()).
  virtual std::string tolerance_kind() const { return "bound"; }
  // What reports measure the error in: "ulp" (float kernels, where the ULP
  // distance says how far off an output is) or "abs" (|got - exact|: the
  // bound is absolute, set by quantization steps, and a ULP distance next to
  // a near-zero output says nothing).
  virtual std::string error_unit() const { return "ulp"; }
  // How the bound is derived, one line (shown in reports).
  virtual std::string tolerance_note() const = 0;
  // The built-in cases (seed 1; the runner substitutes the run's seed).
  virtual std::vector<CaseSpec> cases() const = 0;
  virtual Tensors inputs(const CaseSpec& c) const = 0;
  virtual Expected expected(const CaseSpec& c, const Tensors& in) const = 0;
  // Runs any implementation. Engine kinds other than engine-scalar reach the
  // kernel through engine_exec(impl) (impl.hpp), as table_use() declares.
  virtual Output run(const CaseSpec& c, const Tensors& in, ImplKind impl) const = 0;
  // Whether run() uses a kernel-table entry (SIMD levels apply) or a split
  // row/head range (thread implementations apply too); default none.
  virtual TableUse table_use() const { return TableUse::none; }
  virtual Comparison compare(const CaseSpec& c, const Tensors& in, const Expected& e,
                             const Output& got) const;
  // The Output that run() would give, rebuilt from a component-test
  // program's output arrays (trailers already verified; docs/VMHARNESS.md
  // lists each kernel's outputs). Throws std::runtime_error naming a missing
  // output or a wrong dtype or size, which the harness reports as a failure.
  virtual Output decode(const CaseSpec& c, const Tensors& in,
                        const std::vector<fixtures::NpyArray>& outs) const {
    (void)c, (void)in, (void)outs;
    throw std::runtime_error(name() + ": no component-test program decodes this kernel");
  }
};

const std::vector<const Kernel*>& kernels();
const Kernel* find_kernel(const std::string& name);  // nullptr if unknown

}  // namespace nineml::conformance
