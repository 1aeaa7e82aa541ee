// p9ml._core, the compiled part of the p9ml package: kernels, reference,
// comparator and reports, models. Each part registers itself from its own
// file; python/p9ml/ gives its functions Python signatures (docs/PYTHON.md).
#include <pybind11/pybind11.h>

#include "arrays.hpp"
#include "environment.hpp"

namespace p9ml {
void bind_kernels(py::module_& m);
void bind_reference(py::module_& m);
void bind_compare(py::module_& m);
void bind_model(py::module_& m);
}  // namespace p9ml

PYBIND11_MODULE(_core, m) {
  m.doc() = "9ml from Python: engine and reference kernels on NumPy arrays, the conformance "
            "comparator and reports, models (docs/PYTHON.md).";
  // CMake's project version and the build's commit (reports/environment.hpp).
  m.attr("__version__") = nineml::report::tool_version();
  m.attr("__commit__") = nineml::report::build_commit();
  p9ml::register_exception_translators();
  p9ml::bind_kernels(m);
  p9ml::bind_reference(m);
  p9ml::bind_compare(m);
  p9ml::bind_model(m);
}
