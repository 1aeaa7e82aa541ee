// matmul with 16-bit float weights (GGUF/safetensors F16 and BF16 kept as
// stored): out_i = sum_j W_ij x_j with each W_ij widened exactly to float.
// The widening is exact, so this is the f32 product with those weights and
// its bound is matmul_f32's (docs/TOLERANCES.md). The distributions are the
// weights': tiny = subnormal 16-bit values, special = NaN, +-inf, large
// values (65504 for f16) and subnormals among normal weights; x is normal
// for those two, else of the distribution (as matmul_f32's x).
#include <algorithm>

#include "common.hpp"
#include "npy_out.hpp"
#include "kernels.h"
#include "reference.hpp"

namespace nineml::conformance::kern {
namespace {

template <bool kBf16>
class MatmulHalf final : public Kernel {
 public:
  std::string name() const override { return kBf16 ? "matmul_bf16" : "matmul_f16"; }
  std::string tolerance_note() const override {
    return "weights widen exactly: matmul_f32's gamma(n) sum|W_ij x_j| + 2n eta, per row";
  }
  std::vector<CaseSpec> cases() const override {
    return grid(name(), {"normal", "heavy", "tiny", "equal", "zeros", "special"}, matmul_shape);
  }
  Tensors inputs(const CaseSpec& c) const override {
    auto rng = rng_for(c);
    const int64_t n = c.get_int("n"), d = c.get_int("d");
    const bool plain_x = c.dist == "tiny" || c.dist == "special";
    auto x = fixtures::make_floats(plain_x ? "normal" : c.dist, n, rng);
    auto wf = fixtures::make_floats(plain_x ? "normal" : c.dist, n * d, rng, 1.0 / std::sqrt(static_cast<double>(n)));
    std::vector<uint16_t> w = kBf16 ? ref::f32_to_bf16(wf) : ref::f32_to_f16(wf);
    // 16-bit fields: exponent all ones is inf/NaN, subnormals have exponent
    // 0. Large: f16's largest finite value, 65504; for bf16, whose largest
    // (3.39e38) times |x| > 1 leaves float's range (no bound covers an
    // overflow), the largest value below 2^120.
    const uint16_t inf = kBf16 ? 0x7f80 : 0x7c00, mant = kBf16 ? 0x7f : 0x3ff;
    const uint16_t large = kBf16 ? 0x7b7f : 0x7bff;
    auto subnormal = [&] { return static_cast<uint16_t>((rng.below(2) ? 0x8000 : 0) | (1 + rng.below(mant))); };
    if (c.dist == "tiny")
      for (auto& v : w) v = subnormal();
    if (c.dist == "special") {
      auto at = [&] { return static_cast<size_t>(rng.below(n * d)); };
      for (int k = 0; k < 3; k++) {
        w[at()] = large;
        w[at()] = static_cast<uint16_t>(0x8000 | large);
        w[at()] = subnormal();
      }
      w[at()] = static_cast<uint16_t>(inf | 0x1);  // a NaN (signalling pattern)
      if (n * d > 2) {
        w[at()] = inf;
        w[at()] = static_cast<uint16_t>(0x8000 | inf);
      }
    }
    return {make_tensor("x", std::move(x)), make_tensor("w", std::move(w), {d, n})};
  }
  Expected expected(const CaseSpec& c, const Tensors& in) const override {
    auto x = view<float>(in, "x");
    auto w16 = view<uint16_t>(in, "w");
    const int n = static_cast<int>(c.get_int("n")), d = static_cast<int>(c.get_int("d"));
    Expected e{kBf16 ? ref::exact::matmul_bf16(x, w16, n, d) : ref::exact::matmul_f16(x, w16, n, d), {}};
    const std::vector<double> w = kBf16 ? ref::exact::bf16_to_f64(w16) : ref::exact::f16_to_f64(w16);
    const double g = bounds::gamma(n);
    for (int i = 0; i < d; i++) {
      double s = 0;
      for (int j = 0; j < n; j++) s += std::fabs(w[static_cast<size_t>(i) * n + j] * x[j]);
      e.bound.push_back(g * s + 2.0 * n * bounds::kEta);
    }
    return e;
  }
  TableUse table_use() const override { return TableUse::split; }
  Output run(const CaseSpec& c, const Tensors& in, ImplKind impl) const override {
    auto x = view<float>(in, "x");
    auto w = view<uint16_t>(in, "w");
    const int n = static_cast<int>(c.get_int("n")), d = static_cast<int>(c.get_int("d"));
    if (!is_engine(impl))
      return float_output(kBf16 ? ref::llama2c::matmul_bf16(x, w, n, d) : ref::llama2c::matmul_f16(x, w, n, d));
    auto ex = exec_for(impl);
    Guarded<float> g(static_cast<size_t>(d));
    if (kBf16) nm_par_matmul_bf16(ex.table, ex.pool, g.data(), x.data(), w.data(), n, d);
    else nm_par_matmul_f16(ex.table, ex.pool, g.data(), x.data(), w.data(), n, d);
    return engine_output(name(), g);
  }
  Output decode(const CaseSpec& c, const Tensors&, const std::vector<fixtures::NpyArray>& outs) const override {
    return float_output(out_f32(outs, 0, c.get_int("d")));
  }
};

}  // namespace

const Kernel* matmul_f16_kernel() { static MatmulHalf<false> k; return &k; }
const Kernel* matmul_bf16_kernel() { static MatmulHalf<true> k; return &k; }

}  // namespace nineml::conformance::kern
