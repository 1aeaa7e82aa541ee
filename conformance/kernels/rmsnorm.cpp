// rmsnorm: out_j = w_j * (ss * x_j), ss = 1/sqrtf(sum x^2 / n + eps).
#include "common.hpp"
#include "npy_out.hpp"
#include "kernels.h"
#include "reference.hpp"

namespace nineml::conformance::kern {
namespace {

constexpr float kEps = 1e-5f;

class Rmsnorm final : public Kernel {
 public:
  std::string name() const override { return "rmsnorm"; }
  std::string tolerance_note() const override {
    return "sum of squares gamma(n) (+n eta underflow) relative to D = S/n + eps, two roundings "
           "for /n and +eps, halved by sqrtf, then u each for sqrtf, 1/x, ss*x, w*()";
  }
  std::vector<CaseSpec> cases() const override {
    return grid(name(), {"normal", "heavy", "tiny", "equal", "zeros", "special"},
                [](CaseSpec& c, int64_t len, size_t) { c.set("n", len); });
  }
  Tensors inputs(const CaseSpec& c) const override {
    auto rng = rng_for(c);
    auto n = c.get_int("n");
    auto x = fixtures::make_floats(c.dist, n, rng);
    std::vector<float> w(static_cast<size_t>(n));
    for (auto& v : w) v = static_cast<float>(1.0 + 0.1 * rng.normal());
    return {make_tensor("x", std::move(x)), make_tensor("w", std::move(w))};
  }
  // A case may name its eps (a model's: `9ml diff-layers`); the suite's use kEps.
  Expected expected(const CaseSpec& c, const Tensors& in) const override {
    using namespace bounds;
    auto x = view<float>(in, "x"), w = view<float>(in, "w");
    const float eps = c.has("eps") ? static_cast<float>(c.get_double("eps")) : kEps;
    Expected e{ref::exact::rmsnorm(x, w, eps), {}};
    const double n = static_cast<double>(x.size());
    double s = 0;
    for (float v : x) s += static_cast<double>(v) * v;
    double d = s / n + static_cast<double>(eps);
    double theta_d = compose((gamma(static_cast<int64_t>(x.size())) * s + n * kEta) / n / d, gamma(2));
    double theta_sqrt = theta_d < 1 ? 0.5 * theta_d / (1 - theta_d) : INFINITY;
    double rel = compose({theta_sqrt, kU, kU, kU, kU});
    for (size_t j = 0; j < x.size(); j++) e.bound.push_back(std::fabs(e.value[j]) * rel + 2 * kEta);
    return e;
  }
  TableUse table_use() const override { return TableUse::entry; }
  Output run(const CaseSpec&, const Tensors& in, ImplKind impl) const override {
    auto x = view<float>(in, "x"), w = view<float>(in, "w");
    if (!is_engine(impl)) return float_output(ref::llama2c::rmsnorm(x, w, kEps));
    Guarded<float> g(x.size());
    exec_for(impl).table->rmsnorm(g.data(), x.data(), w.data(), static_cast<int>(x.size()), kEps);
    return engine_output(name(), g);
  }
  Output decode(const CaseSpec&, const Tensors& in, const std::vector<fixtures::NpyArray>& outs) const override {
    return float_output(out_f32(outs, 0, static_cast<int64_t>(view<float>(in, "x").size())));
  }
};

}  // namespace

const Kernel* rmsnorm_kernel() { static Rmsnorm k; return &k; }

}  // namespace nineml::conformance::kern
