// softmax, in place, max subtracted first.
#include "common.hpp"
#include "npy_out.hpp"
#include "kernels.h"
#include "reference.hpp"

namespace nineml::conformance::kern {
namespace {

class Softmax final : public Kernel {
 public:
  std::string name() const override { return "softmax"; }
  std::string tolerance_note() const override {
    return "per element: expm1(|x-max| u) from the rounded subtraction, expf libm budget, "
           "gamma(n-1) for the sum (>= 1), one rounding for the division";
  }
  std::vector<CaseSpec> cases() const override {
    return grid(name(), {"normal", "heavy", "tiny", "equal", "zeros", "masked", "allmasked", "special"},
                [](CaseSpec& c, int64_t len, size_t) { c.set("n", len); });
  }
  Tensors inputs(const CaseSpec& c) const override {
    auto rng = rng_for(c);
    return {make_tensor("x", fixtures::make_floats(c.dist, c.get_int("n"), rng, 3.0))};
  }
  Expected expected(const CaseSpec&, const Tensors& in) const override {
    auto x = view<float>(in, "x");
    Expected e{ref::exact::softmax(x), {}};
    e.bound = bounds::softmax(widen(x), e.value, {});
    return e;
  }
  TableUse table_use() const override { return TableUse::entry; }
  Output run(const CaseSpec&, const Tensors& in, ImplKind impl) const override {
    auto x = view<float>(in, "x");
    if (!is_engine(impl)) return float_output(ref::llama2c::softmax(x));
    Guarded<float> g(x.data(), x.size());
    exec_for(impl).table->softmax(g.data(), static_cast<int>(x.size()));
    return engine_output(name(), g);
  }
  Output decode(const CaseSpec&, const Tensors& in, const std::vector<fixtures::NpyArray>& outs) const override {
    return float_output(out_f32(outs, 0, static_cast<int64_t>(view<float>(in, "x").size())));
  }
};

}  // namespace

const Kernel* softmax_kernel() { static Softmax k; return &k; }

}  // namespace nineml::conformance::kern
