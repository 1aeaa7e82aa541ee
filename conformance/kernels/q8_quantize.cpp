// Q8_0 quantization (llama2.c groups; exporter or runq rounding).
#include "common.hpp"
#include "npy_out.hpp"
#include "kernels.h"
#include "q8_common.hpp"
#include "reference.hpp"

namespace nineml::conformance::kern {
namespace {

class Q8Quantize final : public Kernel {
 public:
  std::string name() const override { return "q8_0_quantize"; }
  std::string error_unit() const override { return "abs"; }  // half a quantization step
  std::string tolerance_note() const override {
    return "scales: one rounding of max|x|/127; values: |q s - x| <= s/2 + u|x| (half a step plus "
           "the rounded quotient); subnormal scales: |x| + 127 s";
  }
  std::vector<CaseSpec> cases() const override {
    std::vector<CaseSpec> out;
    for (const char* r : {"even", "away"}) {
      auto g = grid(name(), {"normal", "heavy", "tiny", "equal", "zeros"},
                    [&](CaseSpec& c, int64_t len, size_t) {
                      c.set("n", len).set("gs", exporter_group_size(len)).set("round", r);
                    });
      out.insert(out.end(), g.begin(), g.end());
    }
    return out;
  }
  Tensors inputs(const CaseSpec& c) const override {
    auto rng = rng_for(c);
    return {make_tensor("x", fixtures::make_floats(c.dist, c.get_int("n"), rng))};
  }
  Expected expected(const CaseSpec& c, const Tensors& in) const override {
    auto x = view<float>(in, "x");
    int gs = static_cast<int>(c.get_int("gs"));
    Expected e;
    auto scales = ref::exact::q8_scales(x, gs);
    e.value = scales;
    for (double s : scales) e.bound.push_back(s * bounds::kU + bounds::kEta);
    for (size_t i = 0; i < x.size(); i++) {
      e.value.push_back(x[i]);
      e.bound.push_back(q8_element_bound(x[i], scales[i / static_cast<size_t>(gs)]));
    }
    return e;
  }
  Output decode(const CaseSpec& c, const Tensors& in, const std::vector<fixtures::NpyArray>& outs) const override {
    const int64_t n = static_cast<int64_t>(view<float>(in, "x").size()), gs = c.get_int("gs");
    auto q = out_array<int8_t>(outs, 0, "|i1", n);
    auto s = out_f32(outs, 1, n / gs);
    Output o;
    o.values.assign(s.begin(), s.end());
    for (size_t i = 0; i < q.size(); i++)
      o.values.push_back(static_cast<double>(q[i]) * s[i / static_cast<size_t>(gs)]);
    o.raw.assign(s.begin(), s.end());
    o.raw.insert(o.raw.end(), q.begin(), q.end());
    return o;
  }
  TableUse table_use() const override { return TableUse::entry; }
  Output run(const CaseSpec& c, const Tensors& in, ImplKind impl) const override {
    auto x = view<float>(in, "x");
    int n = static_cast<int>(x.size()), gs = static_cast<int>(c.get_int("gs"));
    bool away = c.get("round") == "away";
    std::vector<int8_t> q;
    std::vector<float> s;
    bool guards = true;
    if (!is_engine(impl)) {
      auto t = ref::llama2c::q8_quantize(x, gs, away ? ref::Rounding::away : ref::Rounding::even);
      q = t.q;
      s = t.scales;
    } else {
      Guarded<int8_t> gq(x.size());
      Guarded<float> gsc(x.size() / static_cast<size_t>(gs));
      exec_for(impl).table->q8_quantize(gq.data(), gsc.data(), x.data(), n, gs,
                                        away ? NM_ROUND_AWAY : NM_ROUND_EVEN);
      fault::apply(name(), std::span<int8_t>(gq.data(), gq.size()));
      guards = gq.intact() && gsc.intact();
      q = gq.values();
      s = gsc.values();
    }
    Output o;
    o.guards_ok = guards;
    o.values.assign(s.begin(), s.end());
    for (size_t i = 0; i < q.size(); i++)
      o.values.push_back(static_cast<double>(q[i]) * s[i / static_cast<size_t>(gs)]);
    o.raw.assign(s.begin(), s.end());
    o.raw.insert(o.raw.end(), q.begin(), q.end());
    return o;
  }
};

class Q8Dequantize final : public Kernel {
 public:
  std::string name() const override { return "q8_0_dequantize"; }
  std::string tolerance_note() const override { return "one rounding of q*s: u|q s| + eta"; }
  std::vector<CaseSpec> cases() const override {
    return grid(name(), {"normal", "heavy", "tiny", "equal", "zeros"}, [](CaseSpec& c, int64_t len, size_t) {
      c.set("n", len).set("gs", exporter_group_size(len));
    });
  }
  Tensors inputs(const CaseSpec& c) const override {
    auto rng = rng_for(c);
    int64_t n = c.get_int("n"), gs = c.get_int("gs");
    std::vector<int8_t> q(static_cast<size_t>(n));
    for (auto& v : q) v = static_cast<int8_t>(rng.below(255) - 127);
    auto s = fixtures::make_floats(c.dist, n / gs, rng, 0.01);
    for (auto& v : s) v = std::fabs(v);
    return {make_tensor("q", std::move(q)), make_tensor("scales", std::move(s))};
  }
  Expected expected(const CaseSpec& c, const Tensors& in) const override {
    auto v = ref::exact::q8_dequantize(view<int8_t>(in, "q"), view<float>(in, "scales"),
                                       static_cast<int>(c.get_int("gs")));
    return {v, rounding_bounds(v, bounds::kU, bounds::kEta)};
  }
  Output decode(const CaseSpec&, const Tensors& in, const std::vector<fixtures::NpyArray>& outs) const override {
    return float_output(out_f32(outs, 0, static_cast<int64_t>(view<int8_t>(in, "q").size())));
  }
  Output run(const CaseSpec& c, const Tensors& in, ImplKind impl) const override {
    auto q = view<int8_t>(in, "q");
    auto s = view<float>(in, "scales");
    int gs = static_cast<int>(c.get_int("gs"));
    if (!is_engine(impl)) {
      ref::Q8Tensor t{{q.begin(), q.end()}, {s.begin(), s.end()}, gs};
      return float_output(ref::llama2c::q8_dequantize(t));
    }
    Guarded<float> g(q.size());
    nm_q8_dequantize(g.data(), q.data(), s.data(), static_cast<int>(q.size()), gs);
    return engine_output(name(), g);
  }
};

}  // namespace

const Kernel* q8_quantize_kernel() { static Q8Quantize k; return &k; }
const Kernel* q8_dequantize_kernel() { static Q8Dequantize k; return &k; }

}  // namespace nineml::conformance::kern
