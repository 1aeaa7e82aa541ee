// Q8_0 x Q8_0 matmul with runq semantics, judged against the exact float
// product of the unquantized operands.
#include "common.hpp"
#include "npy_out.hpp"
#include "kernels.h"
#include "q8_common.hpp"
#include "reference.hpp"

namespace nineml::conformance::kern {
namespace {

void q8_matmul_shape(CaseSpec& c, int64_t len, size_t) {
  int64_t n = len, d = 5;
  if (len == 288) d = 288;
  if (len == 768) d = 768;
  if (len == 2048) d = 256;
  if (len == 32000) { d = 32000; n = 288; }
  c.set("d", d).set("n", n).set("gs", exporter_group_size(n));
}

class MatmulQ8 final : public Kernel {
 public:
  std::string name() const override { return "matmul_q8_0"; }
  std::string error_unit() const override { return "abs"; }  // quantization steps
  std::string tolerance_note() const override {
    return "quantization of W (exporter, ties even) and x (runq, ties away): sum |w| e_x + |x| e_w + "
           "e_w e_x with e = s/2 + u|v|; accumulation gamma(groups+2) sum |w~ x~|";
  }
  std::vector<CaseSpec> cases() const override {
    return grid(name(), {"normal", "heavy", "tiny", "equal", "zeros"}, q8_matmul_shape);
  }
  Tensors inputs(const CaseSpec& c) const override {
    auto rng = rng_for(c);
    int64_t n = c.get_int("n"), d = c.get_int("d");
    auto x = fixtures::make_floats(c.dist, n, rng);
    auto w = fixtures::make_floats(c.dist, n * d, rng, 1.0 / std::sqrt(static_cast<double>(n)));
    return {make_tensor("x", std::move(x)), make_tensor("w", std::move(w), {d, n})};
  }
  Expected expected(const CaseSpec& c, const Tensors& in) const override {
    using namespace bounds;
    auto x = view<float>(in, "x"), w = view<float>(in, "w");
    int n = static_cast<int>(c.get_int("n")), d = static_cast<int>(c.get_int("d"));
    int gs = static_cast<int>(c.get_int("gs")), groups = n / gs;
    Expected e{ref::exact::matmul(x, w, n, d), {}};
    auto sx = ref::exact::q8_scales(x, gs);
    std::vector<double> ex(static_cast<size_t>(n));
    for (int j = 0; j < n; j++) ex[j] = q8_element_bound(x[j], sx[j / gs]);
    for (int i = 0; i < d; i++) {
      auto row = w.subspan(static_cast<size_t>(i) * n, static_cast<size_t>(n));
      auto sw = ref::exact::q8_scales(row, gs);
      double quant = 0, mag = 0;
      for (int j = 0; j < n; j++) {
        double ew = q8_element_bound(row[j], sw[j / gs]);
        double aw = std::fabs(row[j]), ax = std::fabs(x[j]);
        quant += aw * ex[j] + ax * ew + ew * ex[j];
        mag += (aw + ew) * (ax + ex[j]);
      }
      e.bound.push_back(quant + gamma(groups + 2) * mag + 3.0 * groups * kEta);
    }
    return e;
  }
  TableUse table_use() const override { return TableUse::split; }
  Output run(const CaseSpec& c, const Tensors& in, ImplKind impl) const override {
    auto x = view<float>(in, "x"), w = view<float>(in, "w");
    int n = static_cast<int>(c.get_int("n")), d = static_cast<int>(c.get_int("d"));
    int gs = static_cast<int>(c.get_int("gs"));
    if (!is_engine(impl)) {
      auto xq = ref::llama2c::q8_quantize(x, gs, ref::Rounding::away);
      auto wq = ref::llama2c::q8_quantize(w, gs, ref::Rounding::even);
      return float_output(ref::llama2c::matmul_q8(xq, wq, n, d));
    }
    std::vector<int8_t> xq(static_cast<size_t>(n)), wq(w.size());
    std::vector<float> xs(static_cast<size_t>(n / gs)), ws(w.size() / static_cast<size_t>(gs));
    nm_q8_quantize(xq.data(), xs.data(), x.data(), n, gs, NM_ROUND_AWAY);
    nm_q8_quantize(wq.data(), ws.data(), w.data(), n * d, gs, NM_ROUND_EVEN);
    Guarded<float> g(static_cast<size_t>(d));
    auto ex = exec_for(impl);
    nm_par_matmul_q8(ex.table, ex.pool, g.data(), xq.data(), xs.data(), wq.data(), ws.data(), n, d, gs);
    return engine_output(name(), g);
  }
  Output decode(const CaseSpec& c, const Tensors&, const std::vector<fixtures::NpyArray>& outs) const override {
    return float_output(out_f32(outs, 0, c.get_int("d")));
  }
};

}  // namespace

const Kernel* matmul_q8_kernel() { static MatmulQ8 k; return &k; }

}  // namespace nineml::conformance::kern
