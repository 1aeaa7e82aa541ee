// GGUF Q4_0 weights times a Q8 activation (group 32, runq rounding), judged
// against the exact product of the dequantized Q4_0 weights (exact inputs)
// with the unquantized float x.
#include "common.hpp"
#include "npy_out.hpp"
#include "kernels.h"
#include "q8_common.hpp"
#include "reference.hpp"

namespace nineml::conformance::kern {
namespace {

void q4_matmul_shape(CaseSpec& c, int64_t len, size_t) {
  // Rows must hold whole blocks: short lengths count blocks, longer ones
  // round up to a block (every case keeps a distinct shape).
  int64_t n = len <= 65 ? 32 * len : (len + 31) / 32 * 32, d = 5;
  if (len == 64) { d = 64; n = 64; }
  if (len == 4096) d = 8;
  if (len == 288) d = 288;
  if (len == 768) d = 768;
  if (len == 2048) d = 256;
  if (len == 32000) { d = 32000; n = 288; }
  c.set("d", d).set("n", n);
}

class MatmulQ4_0 final : public Kernel {
 public:
  std::string name() const override { return "matmul_q4_0"; }
  std::string error_unit() const override { return "abs"; }  // quantization steps
  std::string tolerance_note() const override {
    return "weights exact (dequantized Q4_0); x quantized Q8/32 (runq, ties away): sum |w| e_x with "
           "e = s/2 + u|x|; accumulation gamma(blocks+2) sum |w| (|x| + e_x)";
  }
  std::vector<CaseSpec> cases() const override {
    return grid(name(), {"normal", "heavy", "tiny", "equal", "zeros"}, q4_matmul_shape);
  }
  Tensors inputs(const CaseSpec& c) const override {
    auto rng = rng_for(c);
    int64_t n = c.get_int("n"), d = c.get_int("d");
    auto x = fixtures::make_floats(c.dist, n, rng);
    auto w = fixtures::make_floats(c.dist, n * d, rng, 1.0 / std::sqrt(static_cast<double>(n)));
    return {make_tensor("x", std::move(x)), make_tensor("w", ref::llama2c::q4_0_quantize(w))};
  }
  Expected expected(const CaseSpec& c, const Tensors& in) const override {
    using namespace bounds;
    auto x = view<float>(in, "x");
    auto w = view<uint8_t>(in, "w");
    int n = static_cast<int>(c.get_int("n")), d = static_cast<int>(c.get_int("d")), blocks = n / 32;
    Expected e{ref::exact::matmul_q4_0(x, w, n, d), {}};
    const std::vector<double> wd = ref::exact::dequant_q4_0(w, n * d);
    auto sx = ref::exact::q8_scales(x, 32);
    std::vector<double> ex(static_cast<size_t>(n));
    for (int j = 0; j < n; j++) ex[j] = q8_element_bound(x[j], sx[j / 32]);
    for (int i = 0; i < d; i++) {
      double quant = 0, mag = 0;
      for (int j = 0; j < n; j++) {
        double aw = std::fabs(wd[static_cast<size_t>(i) * n + j]);
        quant += aw * ex[j];
        mag += aw * (std::fabs(x[j]) + ex[j]);
      }
      e.bound.push_back(quant + gamma(blocks + 2) * mag + 3.0 * blocks * kEta);
    }
    return e;
  }
  TableUse table_use() const override { return TableUse::split; }
  Output run(const CaseSpec& c, const Tensors& in, ImplKind impl) const override {
    auto x = view<float>(in, "x");
    auto w = view<uint8_t>(in, "w");
    int n = static_cast<int>(c.get_int("n")), d = static_cast<int>(c.get_int("d"));
    if (!is_engine(impl))
      return float_output(ref::llama2c::matmul_q4_0(ref::llama2c::q8_quantize(x, 32, ref::Rounding::away), w, n, d));
    std::vector<int8_t> xq(static_cast<size_t>(n));
    std::vector<float> xs(static_cast<size_t>(n / 32));
    nm_q8_quantize(xq.data(), xs.data(), x.data(), n, 32, NM_ROUND_AWAY);
    Guarded<float> g(static_cast<size_t>(d));
    auto ex = exec_for(impl);
    nm_par_matmul_q4_0(ex.table, ex.pool, g.data(), xq.data(), xs.data(), w.data(), n, d);
    return engine_output(name(), g);
  }
  Output decode(const CaseSpec& c, const Tensors&, const std::vector<fixtures::NpyArray>& outs) const override {
    return float_output(out_f32(outs, 0, c.get_int("d")));
  }
};

}  // namespace

const Kernel* matmul_q4_0_kernel() { static MatmulQ4_0 k; return &k; }

}  // namespace nineml::conformance::kern
