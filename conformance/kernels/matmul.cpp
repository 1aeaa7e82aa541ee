// matmul f32: out_i = sum_j W_ij x_j, W row-major d x n.
#include "common.hpp"
#include "npy_out.hpp"
#include "kernels.h"
#include "reference.hpp"

namespace nineml::conformance::kern {

// Rows for a given number of columns: model sizes use real layer shapes
// (wq 288x288, wq 768x768, w2 768x2048, 4096 columns, the 32000 x 288
// classifier); other lengths use a few rows so odd row counts are covered.
void matmul_shape(CaseSpec& c, int64_t len, size_t) {
  int64_t n = len, d = 7;
  if (len == 64) d = 64;
  if (len == 288) d = 288;
  if (len == 768) d = 768;
  if (len == 2048) d = 768;
  if (len == 4096) d = 64;
  if (len == 32000) { d = 32000; n = 288; }
  c.set("d", d).set("n", n);
}

namespace {

class MatmulF32 final : public Kernel {
 public:
  std::string name() const override { return "matmul_f32"; }
  std::string tolerance_note() const override {
    return "dot product: gamma(n) sum|W_ij x_j| + 2n eta (underflow), per row";
  }
  std::vector<CaseSpec> cases() const override {
    return grid(name(), {"normal", "heavy", "tiny", "equal", "zeros", "special"}, matmul_shape);
  }
  Tensors inputs(const CaseSpec& c) const override {
    auto rng = rng_for(c);
    auto n = c.get_int("n"), d = c.get_int("d");
    auto x = fixtures::make_floats(c.dist, n, rng);
    auto w = fixtures::make_floats(c.dist == "special" ? "normal" : c.dist, n * d, rng,
                                   1.0 / std::sqrt(static_cast<double>(n)));
    return {make_tensor("x", std::move(x)), make_tensor("w", std::move(w), {d, n})};
  }
  Expected expected(const CaseSpec& c, const Tensors& in) const override {
    auto x = view<float>(in, "x"), w = view<float>(in, "w");
    int n = static_cast<int>(c.get_int("n")), d = static_cast<int>(c.get_int("d"));
    Expected e{ref::exact::matmul(x, w, n, d), {}};
    double g = bounds::gamma(n);
    for (int i = 0; i < d; i++) {
      double s = 0;
      for (int j = 0; j < n; j++) s += std::fabs(static_cast<double>(w[static_cast<size_t>(i) * n + j]) * x[j]);
      e.bound.push_back(g * s + 2.0 * n * bounds::kEta);
    }
    return e;
  }
  TableUse table_use() const override { return TableUse::split; }
  Output run(const CaseSpec& c, const Tensors& in, ImplKind impl) const override {
    auto x = view<float>(in, "x"), w = view<float>(in, "w");
    int n = static_cast<int>(c.get_int("n")), d = static_cast<int>(c.get_int("d"));
    if (!is_engine(impl)) return float_output(ref::llama2c::matmul(x, w, n, d));
    auto ex = exec_for(impl);
    Guarded<float> g(static_cast<size_t>(d));
    nm_par_matmul_f32(ex.table, ex.pool, g.data(), x.data(), w.data(), n, d);
    return engine_output(name(), g);
  }
  Output decode(const CaseSpec& c, const Tensors&, const std::vector<fixtures::NpyArray>& outs) const override {
    return float_output(out_f32(outs, 0, c.get_int("d")));
  }
};

}  // namespace

const Kernel* matmul_f32_kernel() { static MatmulF32 k; return &k; }

}  // namespace nineml::conformance::kern
