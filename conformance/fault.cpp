#include "fault.hpp"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <vector>

namespace nineml::conformance::fault {

std::optional<Fault> from_env() {
  const char* v = std::getenv("NINEML_FAULT");
  if (!v || !*v) return std::nullopt;
  std::string s(v);
  Fault f;
  size_t colon = s.find(':');
  f.kernel = s.substr(0, colon);
  if (colon != std::string::npos) {
    std::string n = s.substr(colon + 1);
    char* end = nullptr;
    long u = std::strtol(n.c_str(), &end, 10);
    if (n.empty() || *end || u < 1 || u > 1000000)
      throw std::runtime_error("NINEML_FAULT='" + s + "': ULPS must be an integer in 1..1000000");
    f.ulps = static_cast<int>(u);
  }
  if (f.kernel.empty()) throw std::runtime_error("NINEML_FAULT='" + s + "': empty kernel name");
  return f;
}

namespace {
std::optional<Fault> active_for(const std::string& kernel) {
  auto f = from_env();
  if (f && f->kernel == kernel) return f;
  return std::nullopt;
}

// `ulps` steps up the ordered-integer line; +inf, which has no upper
// neighbour, moves down instead.
float step(float v, int ulps) {
  const float inf = std::numeric_limits<float>::infinity();
  const float toward = v == inf ? -inf : inf;
  for (int k = 0; k < ulps; k++) v = std::nextafter(v, toward);
  return v;
}

std::vector<size_t> targets(size_t n) {
  std::vector<size_t> t;
  for (size_t i : {size_t{0}, n / 2, n - 1})
    if (n > 0 && (t.empty() || t.back() != i)) t.push_back(i);
  return t;
}
}  // namespace

bool apply(const std::string& kernel, std::span<float> out) {
  auto f = active_for(kernel);
  if (!f || out.empty()) return false;
  bool moved = false;
  // NaN outputs are left alone (a NaN has no neighbour that stays NaN);
  // when every element is NaN, element 0 becomes 0.0 instead, so that the
  // self-test still changes the output and the case must fail.
  for (size_t i : targets(out.size())) {
    if (std::isnan(out[i])) continue;
    out[i] = step(out[i], f->ulps);
    moved = true;
  }
  if (!moved) {
    for (size_t i = 0; i < out.size() && !moved; i++)
      if (!std::isnan(out[i])) {
        out[i] = step(out[i], f->ulps);
        moved = true;
      }
    if (!moved) out[0] = 0.0f;
  }
  return true;
}

bool apply(const std::string& kernel, std::span<int8_t> out) {
  auto f = active_for(kernel);
  if (!f || out.empty()) return false;
  for (size_t i : targets(out.size())) {
    int v = out[i] + f->ulps;
    out[i] = static_cast<int8_t>(v > 127 ? out[i] - f->ulps : v);
  }
  return true;
}

bool apply(const std::string& kernel, std::span<uint32_t> out) {
  auto f = active_for(kernel);
  if (!f || out.empty()) return false;
  for (size_t i : targets(out.size())) out[i] += static_cast<uint32_t>(f->ulps);
  return true;
}

bool apply_index(const std::string& kernel, int& index, int n) {
  auto f = active_for(kernel);
  if (!f || n <= 0) return false;
  index = (index + f->ulps) % n;
  if (n == 1) index = -1;  // the only index there is: report an impossible one
  return true;
}

}  // namespace nineml::conformance::fault
