// A named input tensor of a case, typed, convertible to .npy.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "npy.hpp"

namespace nineml::conformance {

struct Tensor {
  using Data = std::variant<std::vector<float>, std::vector<int8_t>, std::vector<uint8_t>,
                            std::vector<uint16_t>, std::vector<uint64_t>>;
  std::string name;
  std::vector<int64_t> shape;
  Data data;

  fixtures::NpyArray to_npy() const;
};

using Tensors = std::vector<Tensor>;

// Typed access by name; throws std::runtime_error if missing or of another type.
template <class T>
std::span<const T> view(const Tensors& ts, const std::string& name);

Tensor make_tensor(std::string name, std::vector<float> v);
Tensor make_tensor(std::string name, std::vector<float> v, std::vector<int64_t> shape);
Tensor make_tensor(std::string name, std::vector<int8_t> v);
Tensor make_tensor(std::string name, std::vector<uint8_t> v);
Tensor make_tensor(std::string name, std::vector<uint16_t> v);
Tensor make_tensor(std::string name, std::vector<uint16_t> v, std::vector<int64_t> shape);
Tensor make_tensor(std::string name, std::vector<uint64_t> v);

}  // namespace nineml::conformance
