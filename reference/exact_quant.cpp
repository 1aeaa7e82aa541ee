// exact mode, quantization: true Q8_0 scales and dequantized values in
// float64. Products of a half/float scale and a small integer are exact in
// double, so these are the true values of what the formats encode.
#include <cmath>

#include "internal/checks.hpp"
#include "internal/half_bits.hpp"
#include "reference.hpp"

namespace nineml::ref {

using internal::require;
using internal::sz;

namespace {

constexpr std::size_t kQ8Block = 34;  // fp16 d + 32 int8
constexpr std::size_t kQ4Block = 18;  // fp16 d + 16 bytes of nibbles

double load_half(const uint8_t* p) {
  return double(internal::half_to_float(static_cast<uint16_t>(p[0] | (p[1] << 8))));
}

}  // namespace

namespace exact {

std::vector<double> q8_scales(std::span<const float> x, int gs) {
  require(gs > 0 && x.size() % sz(gs) == 0, "q8_scales: length must be a multiple of gs");
  std::vector<double> scales(x.size() / sz(gs));
  for (std::size_t g = 0; g < scales.size(); g++) {
    double wmax = 0.0;
    for (std::size_t i = 0; i < sz(gs); i++) {
      const double v = std::fabs(double(x[g * sz(gs) + i]));
      if (v > wmax) wmax = v;  // NaN ignored, as in the quantizer
    }
    scales[g] = wmax / 127.0;
  }
  return scales;
}

std::vector<double> q8_dequantize(std::span<const int8_t> q, std::span<const float> scales, int gs) {
  require(gs > 0 && q.size() == scales.size() * sz(gs), "q8_dequantize: q and scales disagree");
  std::vector<double> out(q.size());
  for (std::size_t i = 0; i < q.size(); i++) out[i] = double(q[i]) * double(scales[i / sz(gs)]);
  return out;
}

std::vector<double> dequant_q8_0(std::span<const uint8_t> blocks, int n) {
  require(n >= 0 && n % 32 == 0 && blocks.size() >= sz(n / 32) * kQ8Block, "dequant_q8_0: sizes");
  std::vector<double> out(sz(n));
  for (std::size_t b = 0; b < sz(n / 32); b++) {
    const uint8_t* blk = blocks.data() + b * kQ8Block;
    const double d = load_half(blk);
    for (std::size_t j = 0; j < 32; j++) out[b * 32 + j] = d * double(static_cast<int8_t>(blk[2 + j]));
  }
  return out;
}

std::vector<double> dequant_q4_0(std::span<const uint8_t> blocks, int n) {
  require(n >= 0 && n % 32 == 0 && blocks.size() >= sz(n / 32) * kQ4Block, "dequant_q4_0: sizes");
  std::vector<double> out(sz(n));
  for (std::size_t b = 0; b < sz(n / 32); b++) {
    const uint8_t* blk = blocks.data() + b * kQ4Block;
    const double d = load_half(blk);
    for (std::size_t j = 0; j < 16; j++) {
      out[b * 32 + j] = d * double((blk[2 + j] & 0x0f) - 8);
      out[b * 32 + 16 + j] = d * double((blk[2 + j] >> 4) - 8);
    }
  }
  return out;
}

std::vector<double> f16_to_f64(std::span<const uint16_t> in) {
  std::vector<double> out(in.size());
  for (std::size_t i = 0; i < in.size(); i++) out[i] = double(internal::half_to_float(in[i]));
  return out;
}

std::vector<double> bf16_to_f64(std::span<const uint16_t> in) {
  std::vector<double> out(in.size());
  for (std::size_t i = 0; i < in.size(); i++) out[i] = double(internal::bf16_to_float(in[i]));
  return out;
}

}  // namespace exact
}  // namespace nineml::ref
