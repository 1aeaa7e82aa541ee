// Products with 16-bit float weights (IEEE half, bfloat16) in both modes:
// every 16-bit float widens to float32 exactly (internal/half_bits.hpp), so
// each mode is its f32 matmul on the widened matrix. Also the float32 ->
// 16-bit roundings that make such weights (Storage::f16 / bf16).
#include <bit>

#include "internal/half_bits.hpp"
#include "internal/half_encode.hpp"
#include "reference.hpp"

namespace nineml::ref {

namespace {

std::vector<float> widen(std::span<const uint16_t> w, bool bf16) {
  std::vector<float> out(w.size());
  for (std::size_t i = 0; i < w.size(); i++)
    out[i] = bf16 ? internal::bf16_to_float(w[i]) : internal::half_to_float(w[i]);
  return out;
}

}  // namespace

std::vector<uint16_t> f32_to_f16(std::span<const float> x) {
  std::vector<uint16_t> out(x.size());
  for (std::size_t i = 0; i < x.size(); i++) out[i] = internal::float_to_half(x[i]);
  return out;
}

std::vector<uint16_t> f32_to_bf16(std::span<const float> x) {
  std::vector<uint16_t> out(x.size());
  for (std::size_t i = 0; i < x.size(); i++) {
    const uint32_t b = std::bit_cast<uint32_t>(x[i]);
    if ((b & 0x7fffffffu) > 0x7f800000u) {
      out[i] = static_cast<uint16_t>((b >> 16) | 0x40u);  // NaN stays NaN (quiet)
      continue;
    }
    // nearest even at 8 significant bits; a carry moves into the exponent
    // (and past the largest finite value to inf), as it should
    out[i] = static_cast<uint16_t>((b + 0x7fffu + ((b >> 16) & 1u)) >> 16);
  }
  return out;
}

namespace exact {
std::vector<double> matmul_f16(std::span<const float> x, std::span<const uint16_t> w, int n, int d) {
  return matmul(x, widen(w, false), n, d);
}
std::vector<double> matmul_bf16(std::span<const float> x, std::span<const uint16_t> w, int n, int d) {
  return matmul(x, widen(w, true), n, d);
}
}  // namespace exact

namespace llama2c {
std::vector<float> matmul_f16(std::span<const float> x, std::span<const uint16_t> w, int n, int d) {
  return matmul(x, widen(w, false), n, d);
}
std::vector<float> matmul_bf16(std::span<const float> x, std::span<const uint16_t> w, int n, int d) {
  return matmul(x, widen(w, true), n, d);
}
}  // namespace llama2c

}  // namespace nineml::ref
