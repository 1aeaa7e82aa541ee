// llama2c mode: GGUF Q5_0 and Q5_1 blocks by llama.cpp's reference rules
// (quantize_row_q5_0_ref / q5_1_ref). Layout: fp16 d (Q5_1: then fp16 m),
// qh (4 bytes, bit j = fifth bit of element j), qs[16] (element j in the low
// nibble of byte j, element 16+j in its high nibble).
#include <math.h>  // fabsf

#include <cmath>

#include "internal/block_quant.hpp"
#include "internal/half_bits.hpp"
#include "internal/half_encode.hpp"

namespace nineml::ref::internal {

void put_half(uint8_t* p, float f) {
  const uint16_t h = float_to_half(f);
  p[0] = static_cast<uint8_t>(h & 0xff);
  p[1] = static_cast<uint8_t>(h >> 8);
}

float get_half(const uint8_t* p) { return half_to_float(static_cast<uint16_t>(p[0] | (p[1] << 8))); }

namespace {

// llama.cpp truncates v toward zero into a byte (Q5_0: (int8_t), Q5_1:
// (uint8_t)) and caps it at 31; an out-of-range v (only when 1/d overflows
// or the range is inf) is undefined there. Here NaN gives `nan_level`
// and v is clamped to [0, 31] first.
int level(float v, int nan_level) {
  if (std::isnan(v)) return nan_level;
  if (v < 0.0f) return 0;
  if (v >= 31.0f) return 31;
  return static_cast<int>(v);
}

void pack(const int* q, uint8_t* qh, uint8_t* qs) {
  uint32_t bits = 0;
  for (int j = 0; j < 16; j++) {
    qs[j] = static_cast<uint8_t>((q[j] & 0x0f) | ((q[16 + j] & 0x0f) << 4));
    bits |= static_cast<uint32_t>((q[j] >> 4) & 1) << j;
    bits |= static_cast<uint32_t>((q[16 + j] >> 4) & 1) << (16 + j);
  }
  for (int k = 0; k < 4; k++) qh[k] = static_cast<uint8_t>(bits >> (8 * k));
}

}  // namespace

void quantize_q5_0_block(const float* x, uint8_t* out) {
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < 32; j++) {
    if (amax < fabsf(x[j])) {  // the first element of largest magnitude, with its sign
      amax = fabsf(x[j]);
      max = x[j];
    }
  }
  const float d = max / -16.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  int q[32];
  for (int j = 0; j < 32; j++) q[j] = level(x[j] * id + 16.5f, 16);  // +16.5 then truncation: half up around 16
  put_half(out, d);
  pack(q, out + 2, out + 6);
}

void quantize_q5_1_block(const float* x, uint8_t* out) {
  float min = x[0], max = x[0];
  for (int j = 1; j < 32; j++) {
    if (x[j] < min) min = x[j];
    if (x[j] > max) max = x[j];
  }
  const float d = (max - min) / 31.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  int q[32];
  for (int j = 0; j < 32; j++) q[j] = level((x[j] - min) * id + 0.5f, 0);
  put_half(out, d);
  put_half(out + 2, min);
  pack(q, out + 4, out + 8);
}

}  // namespace nineml::ref::internal
