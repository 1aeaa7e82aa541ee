// report::CaseResult <-> Python dict, with the field names of report.json
// (docs/REPORT_SCHEMA.md), so a result looks the same from Python and on disk.
#pragma once

#include <pybind11/pybind11.h>

#include "report.hpp"

namespace p9ml {

namespace py = pybind11;

py::dict result_to_dict(const nineml::report::CaseResult& r);
// Missing keys keep their defaults; a key of the wrong type raises TypeError
// naming it; unknown keys raise ValueError (a typo must not vanish).
nineml::report::CaseResult result_from_dict(const py::dict& d);

}  // namespace p9ml
