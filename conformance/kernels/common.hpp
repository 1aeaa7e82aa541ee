// Helpers shared by the kernel plugins: the case grid, tensors, outputs.
#pragma once

#include <cmath>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "bounds.hpp"
#include "data_gen.hpp"
#include "fault.hpp"
#include "guard.hpp"
#include "kernel.hpp"
#include "parallel.h"

namespace nineml::conformance::kern {

// Lengths every kernel is tried at: around SIMD widths and block sizes, then
// the sizes of real models (dim 288/768/2048/4096, hidden, vocab 32000).
const std::vector<int64_t>& edge_lengths();   // 1 2 3 7 15 16 17 31 33 63 65 4095 4097
const std::vector<int64_t>& model_lengths();  // 64 288 768 2048 4096 32000
std::vector<int64_t> all_lengths();

// One case per (length, distribution); `shape` fills the shape parameters
// from the nominal length and its position in the list.
std::vector<CaseSpec> grid(const std::string& kernel, const std::vector<std::string>& dists,
                           const std::function<void(CaseSpec&, int64_t len, size_t index)>& shape);

// The shapes of the float matrix products (matmul_f32, matmul_f16/bf16):
// d x n with real layer shapes at the model lengths (matmul.cpp).
void matmul_shape(CaseSpec& c, int64_t len, size_t index);

// The kernel table and pool of an engine implementation; throws if the
// level is not available here (the runner does not run those).
inline EngineExec exec_for(ImplKind impl) {
  EngineExec ex = engine_exec(impl);
  if (!ex.table) throw std::runtime_error("implementation not available: " + unavailable_reason(impl));
  return ex;
}

// The data stream of a case.
inline fixtures::DataRng rng_for(const CaseSpec& c) { return fixtures::DataRng(c.data_seed()); }

inline std::vector<double> widen(std::span<const float> v) { return {v.begin(), v.end()}; }

// Output of a float kernel: values and raw are the same floats.
inline Output float_output(std::vector<float> v, bool guards_ok = true) {
  Output o;
  o.values = widen(v);
  o.raw = o.values;
  o.guards_ok = guards_ok;
  return o;
}

// Engine output taken from a guarded buffer, after fault injection.
inline Output engine_output(const std::string& kernel, Guarded<float>& g) {
  fault::apply(kernel, std::span<float>(g.data(), g.size()));
  return float_output(g.values(), g.intact());
}

// |x| * rel + abs, element-wise for results that are one rounding away
// from an exact value.
inline std::vector<double> rounding_bounds(std::span<const double> exact, double rel, double abs) {
  std::vector<double> b(exact.size());
  for (size_t i = 0; i < exact.size(); i++) b[i] = std::fabs(exact[i]) * rel + abs;
  return b;
}

}  // namespace nineml::conformance::kern
