// residual_add, silu, swiglu: element-wise kernels.
#include "common.hpp"
#include "npy_out.hpp"
#include "kernels.h"
#include "reference.hpp"

namespace nineml::conformance::kern {
namespace {

const std::vector<std::string> kDists = {"normal", "heavy", "tiny", "equal", "zeros", "special"};

void by_length(CaseSpec& c, int64_t len, size_t) { c.set("n", len); }

// Error of silu(v) = v * (1/(1+expf(-v))) against the exact value `s`:
// expf adds kLibmRel relative (its argument -v is exact); 1+t, the
// reciprocal and the product add u each. When expf(-v) overflows (v < -88.7),
// the computed sigmoid is 0 and the exact one is below 1/FLT_MAX: the error
// is the whole |s|. Results in the subnormal range add kEta per rounding.
double silu_bound(float v, double s) {
  double t = std::exp(-static_cast<double>(v));
  if (!(t < 3.4028234663852886e38)) return std::fabs(s) + 2 * bounds::kEta;
  double sig = 1.0 / (1.0 + t);
  double rel = bounds::compose({bounds::kLibmRel, bounds::kU, bounds::kU, bounds::kU});
  return std::fabs(s) * rel + std::fabs(v) * (bounds::kSubUlp + bounds::kEta) * (sig < 1e-30 ? 1 : 0) +
         2 * bounds::kEta;
}

class ResidualAdd final : public Kernel {
 public:
  std::string name() const override { return "residual_add"; }
  std::string tolerance_note() const override {
    return "one rounding: |x+y| u (sums in the subnormal range are exact)";
  }
  std::vector<CaseSpec> cases() const override { return grid(name(), kDists, by_length); }
  Tensors inputs(const CaseSpec& c) const override {
    auto rng = rng_for(c);
    auto n = c.get_int("n");
    auto x = fixtures::make_floats(c.dist, n, rng);
    auto y = fixtures::make_floats(c.dist == "special" ? "normal" : c.dist, n, rng);
    return {make_tensor("x", std::move(x)), make_tensor("y", std::move(y))};
  }
  Expected expected(const CaseSpec&, const Tensors& in) const override {
    auto v = ref::exact::residual_add(view<float>(in, "x"), view<float>(in, "y"));
    return {v, rounding_bounds(v, bounds::kU, 0)};
  }
  Output decode(const CaseSpec&, const Tensors& in, const std::vector<fixtures::NpyArray>& outs) const override {
    return float_output(out_f32(outs, 0, static_cast<int64_t>(view<float>(in, "x").size())));
  }
  TableUse table_use() const override { return TableUse::entry; }
  Output run(const CaseSpec&, const Tensors& in, ImplKind impl) const override {
    auto x = view<float>(in, "x"), y = view<float>(in, "y");
    if (!is_engine(impl)) return float_output(ref::llama2c::residual_add(x, y));
    Guarded<float> g(x.data(), x.size());
    exec_for(impl).table->residual_add(g.data(), y.data(), static_cast<int>(x.size()));
    return engine_output(name(), g);
  }
};

class Silu final : public Kernel {
 public:
  std::string name() const override { return "silu"; }
  std::string tolerance_note() const override {
    return "expf libm budget + 3 roundings, relative; exp overflow bounded by |silu| itself";
  }
  std::vector<CaseSpec> cases() const override { return grid(name(), kDists, by_length); }
  Tensors inputs(const CaseSpec& c) const override {
    auto rng = rng_for(c);
    return {make_tensor("x", fixtures::make_floats(c.dist, c.get_int("n"), rng, 4.0))};
  }
  Expected expected(const CaseSpec&, const Tensors& in) const override {
    auto x = view<float>(in, "x");
    Expected e{ref::exact::silu(x), {}};
    for (size_t i = 0; i < x.size(); i++) e.bound.push_back(silu_bound(x[i], e.value[i]));
    return e;
  }
  Output decode(const CaseSpec&, const Tensors& in, const std::vector<fixtures::NpyArray>& outs) const override {
    return float_output(out_f32(outs, 0, static_cast<int64_t>(view<float>(in, "x").size())));
  }
  Output run(const CaseSpec&, const Tensors& in, ImplKind impl) const override {
    auto x = view<float>(in, "x");
    if (!is_engine(impl)) return float_output(ref::llama2c::silu(x));
    Guarded<float> g(x.data(), x.size());
    exec_for(impl).silu(g.data(), static_cast<int>(x.size()));
    return engine_output(name(), g);
  }
};

class Swiglu final : public Kernel {
 public:
  std::string name() const override { return "swiglu"; }
  std::string tolerance_note() const override {
    return "silu bound scaled by |hb2| plus one rounding of the product";
  }
  std::vector<CaseSpec> cases() const override { return grid(name(), kDists, by_length); }
  Tensors inputs(const CaseSpec& c) const override {
    auto rng = rng_for(c);
    auto n = c.get_int("n");
    auto hb = fixtures::make_floats(c.dist, n, rng, 4.0);
    auto hb2 = fixtures::make_floats(c.dist == "special" ? "normal" : c.dist, n, rng);
    return {make_tensor("hb", std::move(hb)), make_tensor("hb2", std::move(hb2))};
  }
  Expected expected(const CaseSpec&, const Tensors& in) const override {
    auto hb = view<float>(in, "hb"), hb2 = view<float>(in, "hb2");
    Expected e{ref::exact::swiglu(hb, hb2), {}};
    auto s = ref::exact::silu(hb);
    for (size_t i = 0; i < hb.size(); i++)
      e.bound.push_back(std::fabs(hb2[i]) * silu_bound(hb[i], s[i]) * (1 + bounds::kU) +
                        std::fabs(e.value[i]) * bounds::kU + bounds::kEta);
    return e;
  }
  Output decode(const CaseSpec&, const Tensors& in, const std::vector<fixtures::NpyArray>& outs) const override {
    return float_output(out_f32(outs, 0, static_cast<int64_t>(view<float>(in, "hb").size())));
  }
  TableUse table_use() const override { return TableUse::entry; }
  Output run(const CaseSpec&, const Tensors& in, ImplKind impl) const override {
    auto hb = view<float>(in, "hb"), hb2 = view<float>(in, "hb2");
    if (!is_engine(impl)) return float_output(ref::llama2c::swiglu(hb, hb2));
    Guarded<float> g(hb.data(), hb.size());
    exec_for(impl).table->swiglu(g.data(), hb2.data(), static_cast<int>(hb.size()));
    return engine_output(name(), g);
  }
};

}  // namespace

const Kernel* residual_add_kernel() { static ResidualAdd k; return &k; }
const Kernel* silu_kernel() { static Silu k; return &k; }
const Kernel* swiglu_kernel() { static Swiglu k; return &k; }

}  // namespace nineml::conformance::kern
