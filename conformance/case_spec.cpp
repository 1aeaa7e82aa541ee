#include "case_spec.hpp"

#include <charconv>
#include <stdexcept>

#include "data_gen.hpp"

namespace nineml::conformance {

std::string CaseSpec::shape() const {
  std::string s;
  for (const auto& [k, v] : params) {
    if (!s.empty()) s += ',';
    s += k + "=" + v;
  }
  return s;
}

std::string CaseSpec::key() const {
  return kernel + "/" + shape() + "/" + dist + "/seed=" + std::to_string(seed);
}

namespace {
std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) return out;
    start = p + 1;
  }
}

bool parse_u64(const std::string& s, uint64_t& out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty();
}
}  // namespace

CaseSpec CaseSpec::parse(const std::string& key) {
  auto bad = [&](const std::string& why) {
    return std::runtime_error("case '" + key + "': " + why +
                              " (expected KERNEL/NAME=V,NAME=V/DISTRIBUTION/seed=S)");
  };
  auto parts = split(key, '/');
  if (parts.size() != 4) throw bad("wrong number of '/'-separated fields");
  CaseSpec c;
  c.kernel = parts[0];
  if (c.kernel.empty()) throw bad("empty kernel name");
  if (!parts[1].empty()) {
    for (const auto& kv : split(parts[1], ',')) {
      size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == kv.size())
        throw bad("shape parameter '" + kv + "' is not NAME=VALUE");
      c.params.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    }
  }
  c.dist = parts[2];
  if (!fixtures::is_distribution(c.dist)) throw bad("unknown distribution '" + c.dist + "'");
  if (parts[3].rfind("seed=", 0) != 0 || !parse_u64(parts[3].substr(5), c.seed))
    throw bad("last field must be seed=UNSIGNED");
  return c;
}

bool CaseSpec::has(const std::string& name) const {
  for (const auto& [k, v] : params)
    if (k == name) return true;
  return false;
}

std::string CaseSpec::get(const std::string& name) const {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  throw std::runtime_error("case '" + key() + "': missing shape parameter '" + name + "'");
}

int64_t CaseSpec::get_int(const std::string& name) const {
  std::string v = get(name);
  int64_t out = 0;
  auto r = std::from_chars(v.data(), v.data() + v.size(), out);
  if (r.ec != std::errc() || r.ptr != v.data() + v.size())
    throw std::runtime_error("case '" + key() + "': parameter " + name + "='" + v +
                             "' is not an integer");
  return out;
}

double CaseSpec::get_double(const std::string& name) const {
  std::string v = get(name);
  try {
    size_t used = 0;
    double d = std::stod(v, &used);
    if (used == v.size()) return d;
  } catch (const std::exception&) {
  }
  throw std::runtime_error("case '" + key() + "': parameter " + name + "='" + v +
                           "' is not a number");
}

CaseSpec& CaseSpec::set(const std::string& name, const std::string& value) {
  for (auto& [k, v] : params)
    if (k == name) {
      v = value;
      return *this;
    }
  params.emplace_back(name, value);
  return *this;
}

CaseSpec& CaseSpec::set(const std::string& name, int64_t value) {
  return set(name, std::to_string(value));
}

uint64_t CaseSpec::data_seed() const {
  return fixtures::hash64(kernel + "/" + shape() + "/" + dist) ^ (seed * 0x9E3779B97F4A7C15ull);
}

std::string repro_line(const CaseSpec& c, const std::string& impl) {
  return "9ml conform --case " + c.key() + " --impl " + impl;
}

}  // namespace nineml::conformance
