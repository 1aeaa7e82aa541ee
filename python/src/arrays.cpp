// Argument checks of the binding (arrays.hpp): nothing is converted, a
// mismatch is reported with the argument's name, the expectation and what
// was given.
#include "arrays.hpp"
#include "paths.hpp"

#include <climits>

namespace p9ml {

namespace {

constexpr int kNpyAligned = 0x0100;  // NPY_ARRAY_ALIGNED
constexpr int kNpyWriteable = 0x0400;  // NPY_ARRAY_WRITEABLE

std::string describe(const py::handle& obj) {
  if (py::isinstance<py::array>(obj)) {
    py::array a = py::reinterpret_borrow<py::array>(obj);
    std::vector<py::ssize_t> shape(a.shape(), a.shape() + a.ndim());
    return std::string(py::str(a.dtype())) + " array of shape " + shape_str(shape);
  }
  return "an object of type " + std::string(py::str(py::type::handle_of(obj).attr("__name__")));
}

}  // namespace

void register_exception_translators() {
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const TypeErr& e) {
      PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const ValueErr& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const IndexErr& e) {
      PyErr_SetString(PyExc_IndexError, e.what());
    } catch (const OsErr& e) {
      // OSError(errno, message, filename) is constructed as the errno's subclass.
      py::object err = py::reinterpret_steal<py::object>(
          PyObject_CallFunction(PyExc_OSError, "iss", e.err, e.msg.c_str(), e.path.c_str()));
      if (err) PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(err.ptr())), err.ptr());
    }
  });
}

std::string shape_str(const std::vector<py::ssize_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); i++) {
    if (i) s += ", ";
    s += shape[i] < 0 ? std::string("*") : std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

template <class T>
View<T> check_array(const py::handle& obj, const std::string& what, int ndim, bool writable) {
  std::string want = std::string("a C-contiguous numpy.ndarray of ") + dtype_name<T>();
  if (!py::isinstance<py::array>(obj))
    throw TypeErr(what + " must be " + want + ", got " + describe(obj));
  if (!py::isinstance<py::array_t<T>>(obj))
    throw TypeErr(what + " must be " + want + " (native byte order), got " + describe(obj) +
                  "; convert with numpy.ascontiguousarray(a, dtype=numpy." + dtype_name<T>() + ")");
  View<T> v;
  v.arr = py::reinterpret_borrow<py::array>(obj);
  v.shape.assign(v.arr.shape(), v.arr.shape() + v.arr.ndim());
  int flags = v.arr.flags();
  if (!(flags & py::array::c_style))
    throw ValueErr(what + " must be C-contiguous, got a non-contiguous " + describe(obj) +
                   "; pass numpy.ascontiguousarray(a)");
  if (!(flags & kNpyAligned)) throw ValueErr(what + " must be aligned, got an unaligned " + describe(obj));
  if (writable && !(flags & kNpyWriteable))
    throw ValueErr(what + " must be writable, got a read-only " + describe(obj));
  if (ndim >= 0 && v.arr.ndim() != ndim)
    throw ValueErr(what + " must have " + std::to_string(ndim) + " dimension" + (ndim == 1 ? "" : "s") +
                   ", got " + describe(obj));
  v.size = v.arr.size();
  v.ptr = static_cast<T*>(const_cast<void*>(v.arr.data()));
  return v;
}

template <class T>
void require_shape(const View<T>& v, const std::string& what, const std::vector<py::ssize_t>& want) {
  bool ok = v.shape.size() == want.size();
  for (size_t i = 0; ok && i < want.size(); i++) ok = want[i] < 0 || want[i] == v.shape[i];
  if (!ok) throw ValueErr(what + " must have shape " + shape_str(want) + ", got shape " + shape_str(v.shape));
}

int check_int(long long v, const std::string& what, long long lo, long long hi) {
  if (v < lo || v > hi)
    throw ValueErr(what + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " +
                   std::to_string(v));
  return static_cast<int>(v);
}

int as_int_size(py::ssize_t n, const std::string& what) {
  if (n > INT_MAX) throw ValueErr(what + " has " + std::to_string(n) + " elements, more than the kernels' limit " +
                                  std::to_string(INT_MAX));
  return static_cast<int>(n);
}

template <class T>
py::array_t<T> new_array(const std::vector<py::ssize_t>& shape) {
  return py::array_t<T>(shape);
}

template <class T>
View<T> output_array(const py::object& out, const std::string& what, const std::vector<py::ssize_t>& shape) {
  if (out.is_none()) {
    py::array_t<T> a = new_array<T>(shape);
    return check_array<T>(a, what, static_cast<int>(shape.size()), true);
  }
  View<T> v = check_array<T>(out, what, static_cast<int>(shape.size()), true);
  require_shape(v, what, shape);
  return v;
}

#define P9ML_INSTANTIATE(T)                                                                          \
  template View<T> check_array<T>(const py::handle&, const std::string&, int, bool);                 \
  template void require_shape<T>(const View<T>&, const std::string&, const std::vector<py::ssize_t>&); \
  template py::array_t<T> new_array<T>(const std::vector<py::ssize_t>&);                            \
  template View<T> output_array<T>(const py::object&, const std::string&, const std::vector<py::ssize_t>&);
P9ML_INSTANTIATE(float)
P9ML_INSTANTIATE(double)
P9ML_INSTANTIATE(int8_t)
P9ML_INSTANTIATE(uint8_t)
P9ML_INSTANTIATE(uint16_t)
P9ML_INSTANTIATE(uint32_t)
#undef P9ML_INSTANTIATE

}  // namespace p9ml
