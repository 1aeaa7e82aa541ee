#include "tensor.hpp"

#include <cstring>
#include <stdexcept>

namespace nineml::conformance {

namespace {
template <class T>
const char* dtype_of();
template <> const char* dtype_of<float>() { return "<f4"; }
template <> const char* dtype_of<int8_t>() { return "|i1"; }
template <> const char* dtype_of<uint8_t>() { return "|u1"; }
template <> const char* dtype_of<uint16_t>() { return "<u2"; }
template <> const char* dtype_of<uint64_t>() { return "<u8"; }

template <class T>
Tensor make(std::string name, std::vector<T> v, std::vector<int64_t> shape) {
  Tensor t;
  t.name = std::move(name);
  t.shape = shape.empty() ? std::vector<int64_t>{static_cast<int64_t>(v.size())} : std::move(shape);
  t.data = std::move(v);
  return t;
}
}  // namespace

fixtures::NpyArray Tensor::to_npy() const {
  fixtures::NpyArray a;
  a.shape = shape;
  std::visit(
      [&](const auto& v) {
        using T = typename std::decay_t<decltype(v)>::value_type;
        a.dtype = dtype_of<T>();
        a.data.resize(v.size() * sizeof(T));
        if (!v.empty()) std::memcpy(a.data.data(), v.data(), a.data.size());
      },
      data);
  return a;
}

template <class T>
std::span<const T> view(const Tensors& ts, const std::string& name) {
  for (const auto& t : ts)
    if (t.name == name) {
      if (const auto* v = std::get_if<std::vector<T>>(&t.data)) return {v->data(), v->size()};
      throw std::runtime_error("input '" + name + "' has another element type");
    }
  throw std::runtime_error("case has no input '" + name + "'");
}
template std::span<const float> view<float>(const Tensors&, const std::string&);
template std::span<const int8_t> view<int8_t>(const Tensors&, const std::string&);
template std::span<const uint8_t> view<uint8_t>(const Tensors&, const std::string&);
template std::span<const uint16_t> view<uint16_t>(const Tensors&, const std::string&);
template std::span<const uint64_t> view<uint64_t>(const Tensors&, const std::string&);

Tensor make_tensor(std::string name, std::vector<float> v) { return make(std::move(name), std::move(v), {}); }
Tensor make_tensor(std::string name, std::vector<float> v, std::vector<int64_t> shape) {
  return make(std::move(name), std::move(v), std::move(shape));
}
Tensor make_tensor(std::string name, std::vector<int8_t> v) { return make(std::move(name), std::move(v), {}); }
Tensor make_tensor(std::string name, std::vector<uint8_t> v) { return make(std::move(name), std::move(v), {}); }
Tensor make_tensor(std::string name, std::vector<uint16_t> v) { return make(std::move(name), std::move(v), {}); }
Tensor make_tensor(std::string name, std::vector<uint16_t> v, std::vector<int64_t> shape) {
  return make(std::move(name), std::move(v), std::move(shape));
}
Tensor make_tensor(std::string name, std::vector<uint64_t> v) { return make(std::move(name), std::move(v), {}); }

}  // namespace nineml::conformance
