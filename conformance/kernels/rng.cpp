// llama2.c's xorshift* RNG: random_u32 then random_f32 from one state.
#include "common.hpp"
#include "npy_out.hpp"
#include "kernels.h"
#include "reference.hpp"

namespace nineml::conformance::kern {
namespace {

class RngKernel final : public Kernel {
 public:
  std::string name() const override { return "rng"; }
  std::string tolerance_kind() const override { return "exact"; }
  std::string tolerance_note() const override {
    return "integer arithmetic and an exact u32->float scaling: bound 0";
  }
  std::vector<CaseSpec> cases() const override {
    return grid(name(), {"normal"}, [](CaseSpec& c, int64_t len, size_t) { c.set("n", len); });
  }
  Tensors inputs(const CaseSpec& c) const override {
    auto rng = rng_for(c);
    uint64_t seed = rng.next_u64();
    if (seed == 0) seed = 1;  // xorshift's fixed point
    return {make_tensor("seed", std::vector<uint64_t>{seed})};
  }
  // n u32 values followed by n f32 values, continuing the same state.
  Expected expected(const CaseSpec& c, const Tensors& in) const override {
    ref::Rng r{view<uint64_t>(in, "seed")[0]};
    int64_t n = c.get_int("n");
    Expected e;
    for (int64_t i = 0; i < n; i++) e.value.push_back(r.next_u32());
    for (int64_t i = 0; i < n; i++) e.value.push_back(r.next_f32());
    e.bound.assign(e.value.size(), 0.0);
    return e;
  }
  Output decode(const CaseSpec& c, const Tensors&, const std::vector<fixtures::NpyArray>& outs) const override {
    const int64_t n = c.get_int("n");
    Output o;
    for (uint32_t v : out_array<uint32_t>(outs, 0, "<u4", n)) o.values.push_back(v);
    for (float v : out_f32(outs, 1, n)) o.values.push_back(v);
    o.raw = o.values;
    return o;
  }
  Output run(const CaseSpec& c, const Tensors& in, ImplKind impl) const override {
    int64_t n = c.get_int("n");
    uint64_t seed = view<uint64_t>(in, "seed")[0];
    Output o;
    if (!is_engine(impl)) {
      ref::Rng r{seed};
      for (int64_t i = 0; i < n; i++) o.values.push_back(r.next_u32());
      for (int64_t i = 0; i < n; i++) o.values.push_back(r.next_f32());
    } else {
      nm_u64 state = seed;
      Guarded<uint32_t> u(static_cast<size_t>(n));
      Guarded<float> f(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; i++) u.data()[i] = nm_random_u32(&state);
      for (int64_t i = 0; i < n; i++) f.data()[i] = nm_random_f32(&state);
      fault::apply(name(), std::span<uint32_t>(u.data(), u.size()));
      for (uint32_t v : u.values()) o.values.push_back(v);
      for (float v : f.values()) o.values.push_back(v);
    }
    o.raw = o.values;
    return o;
  }
};

}  // namespace

const Kernel* rng_kernel() { static RngKernel k; return &k; }

}  // namespace nineml::conformance::kern
