// Reading a component-test program's output arrays for Kernel::decode():
// each checks the dtype and element count and throws std::runtime_error
// naming the output otherwise.
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "npy.hpp"

namespace nineml::conformance::kern {

template <class T>
std::vector<T> out_array(const std::vector<fixtures::NpyArray>& outs, size_t index, const std::string& dtype,
                         int64_t count) {
  const std::string what = "output " + std::to_string(index);
  if (index >= outs.size())
    throw std::runtime_error(what + " is missing (" + std::to_string(outs.size()) + " outputs)");
  const fixtures::NpyArray& a = outs[index];
  if (a.dtype != dtype) throw std::runtime_error(what + " has dtype " + a.dtype + ", expected " + dtype);
  if (a.count() != count || a.data.size() != static_cast<size_t>(count) * sizeof(T))
    throw std::runtime_error(what + " has " + std::to_string(a.count()) + " elements, expected " +
                             std::to_string(count));
  std::vector<T> v(static_cast<size_t>(count));
  if (count > 0) std::memcpy(v.data(), a.data.data(), a.data.size());
  return v;
}

inline std::vector<float> out_f32(const std::vector<fixtures::NpyArray>& outs, size_t index, int64_t count) {
  return out_array<float>(outs, index, "<f4", count);
}

}  // namespace nineml::conformance::kern
