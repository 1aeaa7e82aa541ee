// llama2c mode, quantized kernels: runq.c's Q8_0 quantizer and integer
// matmul, and the GGUF block formats (Q8_0, Q4_0) and f16/bf16 widening.
#include <math.h>  // fabsf, roundf, truncf

#include <cmath>

#include "internal/checks.hpp"
#include "internal/half_bits.hpp"
#include "reference.hpp"

namespace nineml::ref {

using internal::require;
using internal::sz;

namespace {

// Rounding written out rather than taken from the FP environment, so ties go
// where the caller says whatever fesetround() was called with.
float round_q(float v, Rounding r) {
  float rounded = roundf(v);  // ties away from zero
  if (r == Rounding::even && fabsf(v - truncf(v)) == 0.5f && std::fmod(rounded, 2.0f) != 0.0f)
    rounded -= std::copysign(1.0f, v);  // the tie went to the odd neighbour: take the even one
  return rounded;
}

constexpr std::size_t kQ8Block = 34;  // fp16 d + 32 int8
constexpr std::size_t kQ4Block = 18;  // fp16 d + 16 bytes of nibbles

uint16_t load_u16le(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

}  // namespace

namespace llama2c {

Q8Tensor q8_quantize(std::span<const float> x, int gs, Rounding r) {
  require(gs > 0 && x.size() % sz(gs) == 0, "q8_quantize: length must be a multiple of gs");
  Q8Tensor t;
  t.group_size = gs;
  t.q.assign(x.size(), 0);
  t.scales.assign(x.size() / sz(gs), 0.0f);
  for (std::size_t g = 0; g < t.scales.size(); g++) {
    const float* xg = x.data() + g * sz(gs);
    float wmax = 0.0f;
    for (int i = 0; i < gs; i++) {
      const float v = fabsf(xg[i]);
      if (v > wmax) wmax = v;  // a NaN never compares greater: ignored
    }
    const float scale = wmax / 127.0f;
    t.scales[g] = scale;
    if (wmax == 0.0f) continue;  // all-zero group: scale 0, q 0 (no 0/0)
    for (int i = 0; i < gs; i++) {
      const float quot = xg[i] / scale;
      float qv = std::isnan(quot) ? 0.0f : round_q(quot, r);
      qv = qv > 127.0f ? 127.0f : (qv < -127.0f ? -127.0f : qv);
      t.q[g * sz(gs) + sz(i)] = static_cast<int8_t>(qv);
    }
  }
  return t;
}

std::vector<float> q8_dequantize(const Q8Tensor& t) {
  require(t.group_size > 0 && t.q.size() == t.scales.size() * sz(t.group_size),
          "q8_dequantize: q and scales disagree");
  std::vector<float> out(t.q.size());
  for (std::size_t i = 0; i < out.size(); i++)
    out[i] = static_cast<float>(t.q[i]) * t.scales[i / sz(t.group_size)];
  return out;
}

std::vector<float> matmul_q8(const Q8Tensor& x, const Q8Tensor& w, int n, int d) {
  const int gs = x.group_size;
  require(gs > 0 && w.group_size == gs && n > 0 && d > 0 && n % gs == 0, "matmul_q8: group sizes");
  require(x.q.size() == sz(n) && x.scales.size() == sz(n / gs) && w.q.size() == sz(n, d) &&
              w.scales.size() == sz(d, n / gs),
          "matmul_q8: sizes");
  std::vector<float> out(sz(d));
  for (int i = 0; i < d; i++) {
    const std::size_t in = sz(i, n);
    float val = 0.0f;
    for (int j = 0; j <= n - gs; j += gs) {
      int32_t ival = 0;
      for (int k = 0; k < gs; k++)
        ival += static_cast<int32_t>(x.q[sz(j + k)]) * static_cast<int32_t>(w.q[in + sz(j + k)]);
      val += static_cast<float>(ival) * w.scales[(in + sz(j)) / sz(gs)] * x.scales[sz(j / gs)];
    }
    out[i] = val;
  }
  return out;
}

std::vector<float> dequant_q8_0(std::span<const uint8_t> blocks, int n) {
  require(n >= 0 && n % 32 == 0 && blocks.size() >= sz(n / 32) * kQ8Block, "dequant_q8_0: sizes");
  std::vector<float> out(sz(n));
  for (std::size_t b = 0; b < sz(n / 32); b++) {
    const uint8_t* blk = blocks.data() + b * kQ8Block;
    const float d = internal::half_to_float(load_u16le(blk));
    for (std::size_t j = 0; j < 32; j++)
      out[b * 32 + j] = d * static_cast<float>(static_cast<int8_t>(blk[2 + j]));
  }
  return out;
}

std::vector<float> dequant_q4_0(std::span<const uint8_t> blocks, int n) {
  require(n >= 0 && n % 32 == 0 && blocks.size() >= sz(n / 32) * kQ4Block, "dequant_q4_0: sizes");
  std::vector<float> out(sz(n));
  for (std::size_t b = 0; b < sz(n / 32); b++) {
    const uint8_t* blk = blocks.data() + b * kQ4Block;
    const float d = internal::half_to_float(load_u16le(blk));
    for (std::size_t j = 0; j < 16; j++) {
      out[b * 32 + j] = d * static_cast<float>((blk[2 + j] & 0x0f) - 8);
      out[b * 32 + 16 + j] = d * static_cast<float>((blk[2 + j] >> 4) - 8);
    }
  }
  return out;
}

std::vector<float> f16_to_f32(std::span<const uint16_t> in) {
  std::vector<float> out(in.size());
  for (std::size_t i = 0; i < in.size(); i++) out[i] = internal::half_to_float(in[i]);
  return out;
}

std::vector<float> bf16_to_f32(std::span<const uint16_t> in) {
  std::vector<float> out(in.size());
  for (std::size_t i = 0; i < in.size(); i++) out[i] = internal::bf16_to_float(in[i]);
  return out;
}

}  // namespace llama2c
}  // namespace nineml::ref
