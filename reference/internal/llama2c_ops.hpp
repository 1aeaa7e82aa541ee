// In-place float32 helpers shared by the llama2c-mode files (kernels and
// sampler both need upstream's softmax on a raw buffer).
#pragma once

#include <cstddef>

namespace nineml::ref::internal {

// Upstream softmax with the documented special values (see llama2c_kernels.cpp).
void llama2c_softmax_inplace(float* x, std::size_t n);

}  // namespace nineml::ref::internal
