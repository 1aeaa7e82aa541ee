// Argument checks shared by the reference's public functions: a wrong size is
// a caller bug, reported as std::invalid_argument rather than read out of bounds.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace nineml::ref::internal {

inline void require(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(std::string("nineml::ref: ") + what);
}

// a * b as size_t, for sizes already known to be non-negative ints.
inline std::size_t sz(long long a, long long b = 1) {
  return static_cast<std::size_t>(a) * static_cast<std::size_t>(b);
}

}  // namespace nineml::ref::internal
