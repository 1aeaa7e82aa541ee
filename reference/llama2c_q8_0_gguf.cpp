// GGUF Q8_0 weights as llama.cpp's reference quantizer makes them: per block
// of 32, d = max|x| / 127, q = roundf(x * (1/d)) (ties away), d stored as
// fp16. Returned as a Q8 tensor of group 32 whose scales are the fp16 d
// widened to float, which is how the engine holds a GGUF Q8_0 tensor.
#include <math.h>  // fabsf, roundf

#include <stdexcept>

#include "internal/half_bits.hpp"
#include "internal/half_encode.hpp"
#include "reference.hpp"

namespace nineml::ref::llama2c {

Q8Tensor q8_0_gguf_quantize(std::span<const float> x) {
  if (x.size() % 32 != 0) throw std::invalid_argument("q8_0_gguf_quantize: length must be a multiple of 32");
  Q8Tensor t;
  t.group_size = 32;
  t.q.resize(x.size());
  for (std::size_t b = 0; b < x.size() / 32; b++) {
    const float* xb = x.data() + b * 32;
    float amax = 0.0f;
    for (int j = 0; j < 32; j++)
      if (amax < fabsf(xb[j])) amax = fabsf(xb[j]);  // NaN never wins
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    t.scales.push_back(internal::half_to_float(internal::float_to_half(d)));
    for (int j = 0; j < 32; j++) {
      const float v = xb[j] * id;
      int q = 0;
      if (v >= 127.0f) q = 127;
      else if (v <= -127.0f) q = -127;
      else if (v == v) q = static_cast<int>(roundf(v));  // NaN quotient: 0
      t.q[b * 32 + std::size_t(j)] = static_cast<int8_t>(q);
    }
  }
  return t;
}

}  // namespace nineml::ref::llama2c
