// A real in the JSON files 9ml writes (report.json, accuracy --json): a JSON
// number when finite, else the string "nan", "inf" or "-inf"
// (docs/REPORT_SCHEMA.md, "Numbers that may be non-finite": nlohmann::json
// would otherwise write null, and no standard JSON number can hold them).
#pragma once

#include <cmath>

#include <nlohmann/json.hpp>

namespace nineml::report {

inline nlohmann::ordered_json json_real(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

}  // namespace nineml::report
