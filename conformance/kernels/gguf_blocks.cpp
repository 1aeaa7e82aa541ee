// GGUF block dequantization (Q8_0, Q4_0) and half/bfloat16 conversion.
#include "common.hpp"
#include "npy_out.hpp"
#include "kernels.h"
#include "reference.hpp"

namespace nineml::conformance::kern {
namespace {

// A 16-bit float of the case's distribution, built from its fields so that
// no float->half rounding is involved. exp_bits/mant_bits describe the format
// (f16: 5/10, bf16: 8/7); `center` is the unbiased exponent of typical values.
uint16_t make_small_float(const std::string& dist, fixtures::DataRng& rng, int exp_bits, int mant_bits,
                          int center, bool allow_negative) {
  const int bias = (1 << (exp_bits - 1)) - 1, max_exp = (1 << exp_bits) - 1;
  uint16_t sign = (allow_negative && rng.below(2)) ? static_cast<uint16_t>(1u << 15) : 0;
  uint16_t mant = static_cast<uint16_t>(rng.below(int64_t{1} << mant_bits));
  int e;
  if (dist == "zeros") return 0;
  if (dist == "tiny") e = 0;  // subnormals
  else if (dist == "heavy") e = 1 + static_cast<int>(rng.below(max_exp - 1));
  else if (dist == "special") return static_cast<uint16_t>(rng.next_u64());  // any pattern
  else e = std::clamp(bias + center + static_cast<int>(rng.below(5)) - 2, 1, max_exp - 1);
  return static_cast<uint16_t>(sign | (e << mant_bits) | mant);
}

std::vector<uint16_t> small_floats(const CaseSpec& c, int64_t n, int exp_bits, int mant_bits, int center,
                                   bool allow_negative) {
  auto rng = rng_for(c);
  std::vector<uint16_t> v(static_cast<size_t>(n));
  uint16_t first = make_small_float(c.dist, rng, exp_bits, mant_bits, center, allow_negative);
  for (auto& x : v) x = c.dist == "equal" ? first : make_small_float(c.dist, rng, exp_bits, mant_bits, center, allow_negative);
  return v;
}

// Blocks of `block_bytes`: fp16 scale d, then `payload` random bytes.
std::vector<uint8_t> blocks(const CaseSpec& c, int64_t nblocks, int payload, bool int8_payload) {
  auto d = small_floats(c, nblocks, 5, 10, -7, true);
  auto rng = rng_for(c);
  rng.next_u64();
  std::vector<uint8_t> out;
  for (int64_t b = 0; b < nblocks; b++) {
    out.push_back(static_cast<uint8_t>(d[static_cast<size_t>(b)] & 0xff));
    out.push_back(static_cast<uint8_t>(d[static_cast<size_t>(b)] >> 8));
    for (int i = 0; i < payload; i++) {
      uint8_t byte = static_cast<uint8_t>(rng.below(256));
      if (int8_payload && byte == 0x80) byte = 0x81;  // Q8_0 stores -127..127
      out.push_back(byte);
    }
  }
  return out;
}

const std::vector<std::string> kDists = {"normal", "heavy", "tiny", "equal", "zeros", "special"};

template <int kPayload, bool kInt8>
class BlockDequant final : public Kernel {
 public:
  explicit BlockDequant(std::string name) : name_(std::move(name)) {}
  std::string name() const override { return name_; }
  std::string tolerance_note() const override {
    return "fp16 scale decodes exactly; one rounding of d*q: u|x| + eta";
  }
  std::vector<CaseSpec> cases() const override {
    return grid(name(), kDists, [](CaseSpec& c, int64_t len, size_t) { c.set("blocks", len); });
  }
  Tensors inputs(const CaseSpec& c) const override {
    return {make_tensor("blocks", blocks(c, c.get_int("blocks"), kPayload, kInt8))};
  }
  Expected expected(const CaseSpec& c, const Tensors& in) const override {
    int n = static_cast<int>(c.get_int("blocks")) * 32;
    auto b = view<uint8_t>(in, "blocks");
    auto v = kInt8 ? ref::exact::dequant_q8_0(b, n) : ref::exact::dequant_q4_0(b, n);
    return {v, rounding_bounds(v, bounds::kU, bounds::kEta)};
  }
  Output decode(const CaseSpec& c, const Tensors&, const std::vector<fixtures::NpyArray>& outs) const override {
    return float_output(out_f32(outs, 0, c.get_int("blocks") * 32));
  }
  Output run(const CaseSpec& c, const Tensors& in, ImplKind impl) const override {
    int n = static_cast<int>(c.get_int("blocks")) * 32;
    auto b = view<uint8_t>(in, "blocks");
    if (!is_engine(impl))
      return float_output(kInt8 ? ref::llama2c::dequant_q8_0(b, n) : ref::llama2c::dequant_q4_0(b, n));
    Guarded<float> g(static_cast<size_t>(n));
    if (kInt8) nm_dequant_q8_0(g.data(), b.data(), n);
    else nm_dequant_q4_0(g.data(), b.data(), n);
    return engine_output(name(), g);
  }

 private:
  std::string name_;
};

template <bool kBf16>
class HalfConvert final : public Kernel {
 public:
  std::string name() const override { return kBf16 ? "bf16_to_f32" : "f16_to_f32"; }
  std::string tolerance_kind() const override { return "exact"; }
  std::string tolerance_note() const override {
    return "every 16-bit float is a float32: the conversion is exact (bound 0), NaN stays NaN";
  }
  std::vector<CaseSpec> cases() const override {
    return grid(name(), kDists, [](CaseSpec& c, int64_t len, size_t) { c.set("n", len); });
  }
  Tensors inputs(const CaseSpec& c) const override {
    return {make_tensor("x", kBf16 ? small_floats(c, c.get_int("n"), 8, 7, 0, true)
                                   : small_floats(c, c.get_int("n"), 5, 10, 0, true))};
  }
  Expected expected(const CaseSpec&, const Tensors& in) const override {
    auto x = view<uint16_t>(in, "x");
    auto v = kBf16 ? ref::exact::bf16_to_f64(x) : ref::exact::f16_to_f64(x);
    return {v, std::vector<double>(v.size(), 0.0)};
  }
  Output decode(const CaseSpec&, const Tensors& in, const std::vector<fixtures::NpyArray>& outs) const override {
    return float_output(out_f32(outs, 0, static_cast<int64_t>(view<uint16_t>(in, "x").size())));
  }
  Output run(const CaseSpec&, const Tensors& in, ImplKind impl) const override {
    auto x = view<uint16_t>(in, "x");
    if (!is_engine(impl)) return float_output(kBf16 ? ref::llama2c::bf16_to_f32(x) : ref::llama2c::f16_to_f32(x));
    Guarded<float> g(x.size());
    if (kBf16) nm_bf16_to_f32(g.data(), x.data(), static_cast<int>(x.size()));
    else nm_f16_to_f32(g.data(), x.data(), static_cast<int>(x.size()));
    return engine_output(name(), g);
  }
};

}  // namespace

const Kernel* dequant_q8_0_kernel() { static BlockDequant<32, true> k("dequant_q8_0"); return &k; }
const Kernel* dequant_q4_0_kernel() { static BlockDequant<16, false> k("dequant_q4_0"); return &k; }
const Kernel* f16_kernel() { static HalfConvert<false> k; return &k; }
const Kernel* bf16_kernel() { static HalfConvert<true> k; return &k; }

}  // namespace nineml::conformance::kern
