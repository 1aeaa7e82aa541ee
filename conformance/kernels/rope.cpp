// RoPE, pairwise layout, theta as a parameter.
#include "common.hpp"
#include "npy_out.hpp"
#include "kernels.h"
#include "reference.hpp"

namespace nineml::conformance::kern {
namespace {

// The nominal length is the number of rotated pairs. Positions and thetas
// are spread over the lengths so that small and large positions and both
// llama2 (1e4) and llama3 (5e5) thetas are met.
void rope_shape(CaseSpec& c, int64_t len, size_t index) {
  static const int64_t kPos[] = {0, 1, 17, 255, 1023, 4095};
  int64_t dim = 2 * len;
  int64_t hs = dim >= 64 ? 64 : dim;
  if (len == 288) hs = 48;
  c.set("dim", dim).set("head_size", hs).set("pos", kPos[index % 6]);
  c.set("theta", index % 2 ? "500000" : "10000");
}

class Rope final : public Kernel {
 public:
  std::string name() const override { return "rope"; }
  std::string tolerance_note() const override {
    return "angle error |pos*freq| (expm1(e ln(theta) u) + powf budget + 2u), plus sinf/cosf "
           "budget, propagated through the 2x2 rotation with gamma(2)";
  }
  std::vector<CaseSpec> cases() const override {
    return grid(name(), {"normal", "heavy", "tiny", "equal", "zeros"}, rope_shape);
  }
  Tensors inputs(const CaseSpec& c) const override {
    auto rng = rng_for(c);
    return {make_tensor("vec", fixtures::make_floats(c.dist, c.get_int("dim"), rng))};
  }
  Expected expected(const CaseSpec& c, const Tensors& in) const override {
    using namespace bounds;
    auto v = view<float>(in, "vec");
    int hs = static_cast<int>(c.get_int("head_size")), pos = static_cast<int>(c.get_int("pos"));
    float theta = static_cast<float>(c.get_double("theta"));
    Expected e{ref::exact::rope(v, hs, pos, theta), std::vector<double>(v.size())};
    for (size_t i = 0; i + 1 < v.size(); i += 2) {
      double ex = static_cast<double>(i % static_cast<size_t>(hs)) / hs;
      double angle = pos * std::pow(static_cast<double>(theta), -ex);
      double r_freq = compose({std::expm1(ex * std::log(static_cast<double>(theta)) * kU), kLibmRel, kU});
      double d_angle = std::fabs(angle) * compose(r_freq, kU);
      double dc = d_angle + kLibmRel;  // |cos|, |sin| <= 1
      double c0 = std::fabs(std::cos(angle)) + dc, s0 = std::fabs(std::sin(angle)) + dc;
      double a0 = std::fabs(v[i]), a1 = std::fabs(v[i + 1]);
      double b = (a0 + a1) * dc + gamma(2) * (a0 * c0 + a1 * s0 + a0 * s0 + a1 * c0) + 3 * kEta;
      e.bound[i] = e.bound[i + 1] = b;
    }
    return e;
  }
  TableUse table_use() const override { return TableUse::entry; }
  Output run(const CaseSpec& c, const Tensors& in, ImplKind impl) const override {
    auto v = view<float>(in, "vec");
    int hs = static_cast<int>(c.get_int("head_size")), pos = static_cast<int>(c.get_int("pos"));
    float theta = static_cast<float>(c.get_double("theta"));
    if (!is_engine(impl)) return float_output(ref::llama2c::rope(v, hs, pos, theta));
    Guarded<float> g(v.data(), v.size());
    exec_for(impl).table->rope(g.data(), static_cast<int>(v.size()), hs, pos, theta);
    return engine_output(name(), g);
  }
  Output decode(const CaseSpec&, const Tensors& in, const std::vector<fixtures::NpyArray>& outs) const override {
    return float_output(out_f32(outs, 0, static_cast<int64_t>(view<float>(in, "vec").size())));
  }
};

}  // namespace

const Kernel* rope_kernel() { static Rope k; return &k; }

}  // namespace nineml::conformance::kern
