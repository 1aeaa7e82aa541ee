// A conformance case: kernel, shape parameters, input distribution and seed.
// Its key is also its one-line repro: `9ml conform --case KEY --impl IMPL`.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace nineml::conformance {

struct CaseSpec {
  std::string kernel;
  std::vector<std::pair<std::string, std::string>> params;  // ordered, e.g. n=17
  std::string dist;
  uint64_t seed = 1;

  // "softmax/n=17/normal/seed=1"
  std::string key() const;
  std::string shape() const;  // "n=17" or "d=4,n=17"
  // Throws std::runtime_error naming the key and the problem.
  static CaseSpec parse(const std::string& key);

  bool has(const std::string& name) const;
  int64_t get_int(const std::string& name) const;   // throws if missing/not an integer
  double get_double(const std::string& name) const;
  std::string get(const std::string& name) const;
  CaseSpec& set(const std::string& name, const std::string& value);
  CaseSpec& set(const std::string& name, int64_t value);
  // Seed of this case's data stream: the global seed mixed with the key.
  uint64_t data_seed() const;
};

std::string repro_line(const CaseSpec& c, const std::string& impl);

}  // namespace nineml::conformance
