// Argument checking for the p9ml binding: every ndarray argument is checked
// for type, dtype, byte order, C-contiguity, rank and shape before a pointer
// is taken, and a mismatch raises TypeError/ValueError naming the argument,
// what was expected and what was given. Checked arrays are used in place
// (zero copy): nothing here converts or copies.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>
#include <vector>

namespace p9ml {

namespace py = pybind11;

// Raised as TypeError / ValueError / IndexError by pybind11's translators.
struct TypeErr : std::exception {
  std::string msg;
  explicit TypeErr(std::string m) : msg(std::move(m)) {}
  const char* what() const noexcept override { return msg.c_str(); }
};
struct ValueErr : std::exception {
  std::string msg;
  explicit ValueErr(std::string m) : msg(std::move(m)) {}
  const char* what() const noexcept override { return msg.c_str(); }
};
struct IndexErr : std::exception {
  std::string msg;
  explicit IndexErr(std::string m) : msg(std::move(m)) {}
  const char* what() const noexcept override { return msg.c_str(); }
};

void register_exception_translators();

// Dtype names as NumPy prints them.
template <class T> const char* dtype_name();
template <> inline const char* dtype_name<float>() { return "float32"; }
template <> inline const char* dtype_name<double>() { return "float64"; }
template <> inline const char* dtype_name<int8_t>() { return "int8"; }
template <> inline const char* dtype_name<uint8_t>() { return "uint8"; }
template <> inline const char* dtype_name<uint16_t>() { return "uint16"; }
template <> inline const char* dtype_name<uint32_t>() { return "uint32"; }

// "(3, 4)" for a shape.
std::string shape_str(const std::vector<py::ssize_t>& shape);

// A checked view of a C-contiguous ndarray of T (native byte order). `what`
// prefixes messages: "softmax: argument 'x'". ndim < 0 accepts any rank.
template <class T>
struct View {
  py::array arr;
  T* ptr = nullptr;
  py::ssize_t size = 0;
  std::vector<py::ssize_t> shape;
};

// Checks `obj` and returns the view; `writable` also requires the WRITEABLE flag.
template <class T>
View<T> check_array(const py::handle& obj, const std::string& what, int ndim, bool writable);

// Shape checks on a view; dim -1 means any.
template <class T>
void require_shape(const View<T>& v, const std::string& what, const std::vector<py::ssize_t>& want);

// Integer range checks: "softmax: argument 'n' must be in [1, 2147483647], got 0".
int check_int(long long v, const std::string& what, long long lo, long long hi);
// A size that the C kernels take as int.
int as_int_size(py::ssize_t n, const std::string& what);

// A new C-contiguous array of T with the given shape.
template <class T>
py::array_t<T> new_array(const std::vector<py::ssize_t>& shape);

// Output handling: `out` None gives a new array of `shape`; otherwise `out`
// is checked (dtype T, C-contiguous, writable, exactly `shape`) and used.
template <class T>
View<T> output_array(const py::object& out, const std::string& what,
                     const std::vector<py::ssize_t>& shape);

}  // namespace p9ml
