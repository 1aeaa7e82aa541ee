// Fault injection: NINEML_FAULT=KERNEL[:ULPS] perturbs the outputs of that
// kernel's engine implementations by ULPS (default 1) float32 ULPs in a few
// elements (integers by ULPS units), so that every gate can be shown to fail.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace nineml::conformance::fault {

struct Fault {
  std::string kernel;
  int ulps = 1;
};

// Read from the environment on every call (tests change it in-process).
// Throws std::runtime_error on a malformed value.
std::optional<Fault> from_env();

// Apply the fault, if it names `kernel`, to an output buffer. Elements
// 0, n/2 and n-1 move up (+inf down); NaNs are skipped (a NaN has no neighbour), and if
// every element is NaN the first becomes 0.
bool apply(const std::string& kernel, std::span<float> out);
bool apply(const std::string& kernel, std::span<int8_t> out);
bool apply(const std::string& kernel, std::span<uint32_t> out);
// An index result moves to the next index (mod n).
bool apply_index(const std::string& kernel, int& index, int n);

}  // namespace nineml::conformance::fault
