// llama2c mode, GGUF Q4_0: the block quantizer (llama.cpp's reference rule)
// and the Q4_0 x Q8 matmul in runq's shape.
#include <math.h>  // fabsf

#include <cmath>

#include "internal/checks.hpp"
#include "internal/half_bits.hpp"
#include "internal/half_encode.hpp"
#include "reference.hpp"

namespace nineml::ref::llama2c {

using internal::require;
using internal::sz;

namespace {
constexpr std::size_t kBlock = 18;  // fp16 d + 16 bytes of nibbles

// min(15, (int)(x*id + 8.5f)): truncation toward zero after adding 8.5
// rounds half up around 8. llama.cpp leaves a NaN or out-of-range sum
// undefined (only possible when 1/d overflows for a subnormal d); here NaN
// gives 8 (zero) and the sum is clamped to [0, 15].
int nibble(float x, float id) {
  const float v = x * id + 8.5f;
  if (std::isnan(v)) return 8;
  if (v < 0.0f) return 0;
  if (v >= 15.0f) return 15;
  return static_cast<int>(v);
}
}

std::vector<uint8_t> q4_0_quantize(std::span<const float> x) {
  require(x.size() % 32 == 0, "q4_0_quantize: length must be a multiple of 32");
  std::vector<uint8_t> out(x.size() / 32 * kBlock);
  for (std::size_t b = 0; b < x.size() / 32; b++) {
    const float* xb = x.data() + b * 32;
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < 32; j++) {
      if (amax < fabsf(xb[j])) {  // the first element of largest magnitude, with its sign
        amax = fabsf(xb[j]);
        max = xb[j];
      }
    }
    const float d = max / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const uint16_t dh = internal::float_to_half(d);
    uint8_t* o = out.data() + b * kBlock;
    o[0] = static_cast<uint8_t>(dh & 0xff);
    o[1] = static_cast<uint8_t>(dh >> 8);
    for (int j = 0; j < 16; j++) o[2 + j] = static_cast<uint8_t>(nibble(xb[j], id) | (nibble(xb[16 + j], id) << 4));
  }
  return out;
}

std::vector<float> matmul_q4_0(const Q8Tensor& x, std::span<const uint8_t> blocks, int n, int d) {
  require(n > 0 && d > 0 && n % 32 == 0 && x.group_size == 32, "matmul_q4_0: x must be Q8 with group 32");
  require(x.q.size() == sz(n) && x.scales.size() == sz(n / 32) && blocks.size() == sz(d, n / 32) * kBlock,
          "matmul_q4_0: sizes");
  std::vector<float> out(sz(d));
  for (int i = 0; i < d; i++) {
    float val = 0.0f;
    for (int b = 0; b < n / 32; b++) {
      const uint8_t* blk = blocks.data() + (sz(i, n / 32) + sz(b)) * kBlock;
      const float dw = internal::half_to_float(static_cast<uint16_t>(blk[0] | (blk[1] << 8)));
      int32_t ival = 0;
      for (int j = 0; j < 32; j++) {
        const int nib = j < 16 ? (blk[2 + j] & 0x0f) : (blk[2 + j - 16] >> 4);
        ival += (nib - 8) * static_cast<int32_t>(x.q[sz(b * 32 + j)]);
      }
      val += (static_cast<float>(ival) * dw) * x.scales[sz(b)];
    }
    out[sz(i)] = val;
  }
  return out;
}

}  // namespace nineml::ref::llama2c
