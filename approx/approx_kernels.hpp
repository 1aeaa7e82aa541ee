// Kernel tables with one approximation swapped in (approx_math.hpp): the
// named implementations approx-* of the conformance suite (docs/ACCURACY.md).
// Each is the scalar table with the entries that use the approximated
// function replaced; every other entry is scalar's.
#pragma once

#include <string>
#include <vector>

#include "kernel_table.h"

namespace nineml::approx {

struct ApproxImpl {
  std::string name;                    // "approx-exp-schraudolph", ...
  std::string function;                // what is approximated: "exp", "rsqrt", "silu"
  std::vector<std::string> kernels;    // the conformance kernels it changes
  const nm_kernel_table* table;        // scalar's, with those entries replaced
  void (*silu)(float* x, int n);       // silu in place (silu has no table entry)
};

const std::vector<ApproxImpl>& approx_impls();
const ApproxImpl* find_approx(const std::string& name);  // nullptr if unknown

}  // namespace nineml::approx
