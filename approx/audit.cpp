#include "audit.hpp"

#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <thread>

#include "approx_math.hpp"

namespace nineml::approx {
namespace {

using Unary = float (*)(float);

struct Fn {
  std::string name, function;
  Unary f;
};

// What the engine's scalar kernels compute, as baselines: an
// approximation's error beyond these is its own; silu's formula alone
// loses v << 0, where expf(-v) overflows and the sigmoid becomes 0.
float libm_exp(float x) { return std::exp(x); }
float libm_rsqrt(float x) { return 1.0f / std::sqrt(x); }

const std::vector<Fn>& fns() {
  static const std::vector<Fn> all = {
      {"exp-libm", "exp", libm_exp},
      {"exp-schraudolph", "exp", exp_schraudolph},
      {"exp-poly5", "exp", exp_poly<5>},
      {"exp-poly6", "exp", exp_poly<6>},
      {"rsqrt-libm", "rsqrt", libm_rsqrt},
      {"rsqrt-0nr", "rsqrt", rsqrt_fast<0>},
      {"rsqrt-1nr", "rsqrt", rsqrt_fast<1>},
      {"rsqrt-2nr", "rsqrt", rsqrt_fast<2>},
      {"silu-libm", "silu", silu_with<libm_exp>},
      {"silu-tanh", "silu", silu_tanh},
      {"silu-rational", "silu", silu_rational},
      {"silu-exp-schraudolph", "silu", silu_with<exp_schraudolph>},
      {"silu-exp-poly5", "silu", silu_with<exp_poly<5>>},
      {"silu-exp-poly6", "silu", silu_with<exp_poly<6>>},
  };
  return all;
}

// The exact value in double: glibc's exp is within 1 double ULP and sqrt is
// correctly rounded, so rounding these to float gives the correctly rounded
// float except within 2^-29 relative of a float midpoint (a 1-ULP question
// next to the errors measured here).
double exact(const std::string& function, float x) {
  const double d = x;
  if (function == "exp") return std::exp(d);
  if (function == "rsqrt") return 1.0 / std::sqrt(d);
  return d / (1.0 + std::exp(-d));
}

// Floats as integers ordered like their values, so ULP distance is a difference.
int64_t ordered(float f) {
  const uint32_t u = to_bits(f);
  return (u & 0x80000000u) ? -static_cast<int64_t>(u & 0x7fffffffu) : static_cast<int64_t>(u);
}

struct Domain {
  uint32_t lo, hi;  // bit patterns [lo, hi], walked as integers
  std::string words;
};

Domain domain_of(const std::string& function) {
  // expf(x) rounds to 0 below ln(2^-150): the last float it does not is the
  // largest-magnitude x with exp(x) >= 2^-150.
  if (function == "exp") {
    float x = -103.0f;
    while (std::exp(static_cast<double>(std::nextafter(x, -INFINITY))) > std::ldexp(1.0, -150))
      x = std::nextafter(x, -INFINITY);
    return {0x80000000u, to_bits(x), "x in [" + std::to_string(x) + ", -0] (softmax after max subtraction)"};
  }
  if (function == "rsqrt") return {0x00800000u, 0x7f7fffffu, "positive normal floats"};
  return {0u, 0xffffffffu, "all finite floats"};
}

void merge(Sweep& into, const Sweep& s) {
  into.count += s.count;
  if (s.max_ulp > into.max_ulp) into.max_ulp = s.max_ulp, into.max_ulp_x = s.max_ulp_x;
  if (s.max_ulp_normal > into.max_ulp_normal) into.max_ulp_normal = s.max_ulp_normal;
  if (s.max_rel > into.max_rel) into.max_rel = s.max_rel, into.max_rel_x = s.max_rel_x;
  for (int b = 0; b < kBins; b++) into.hist[b] += s.hist[b];
}

// The functions of one family share a domain and the exact value.
std::vector<Sweep> sweep_family(const std::vector<const Fn*>& fs, uint64_t stride, int threads) {
  const std::string function = fs[0]->function;
  const Domain d = domain_of(function);
  const uint64_t n = (static_cast<uint64_t>(d.hi) - d.lo) / stride + 1;
  std::vector<std::vector<Sweep>> parts(threads, std::vector<Sweep>(fs.size()));
  auto work = [&](int t) {
    auto& out = parts[t];
    for (uint64_t k = n * t / threads; k < n * (t + 1) / threads; k++) {
      const float x = from_bits(static_cast<uint32_t>(d.lo + k * stride));
      if (!std::isfinite(x)) continue;
      const double e = exact(function, x);
      const float want = static_cast<float>(e);
      const bool normal = std::fabs(e) >= std::numeric_limits<float>::min();
      for (size_t i = 0; i < fs.size(); i++) {
        const float got = fs[i]->f(x);
        Sweep& s = out[i];
        s.count++;
        uint64_t ulp;
        if (std::isnan(got) || std::isinf(got) != std::isinf(want)) ulp = uint64_t{1} << 32;
        else ulp = static_cast<uint64_t>(std::llabs(ordered(got) - ordered(want)));
        s.hist[ulp_bin(ulp)]++;
        if (ulp > s.max_ulp) s.max_ulp = ulp, s.max_ulp_x = x;
        if (normal && std::isfinite(want)) {
          if (ulp > s.max_ulp_normal) s.max_ulp_normal = ulp;
          const double rel = std::fabs(static_cast<double>(got) - e) / std::fabs(e);
          if (rel > s.max_rel || std::isnan(rel)) s.max_rel = rel, s.max_rel_x = x;
        }
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; t++) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  std::vector<Sweep> out;
  for (size_t i = 0; i < fs.size(); i++) {
    Sweep s;
    s.name = fs[i]->name;
    s.function = function;
    s.domain = d.words;
    for (int t = 0; t < threads; t++) merge(s, parts[t][i]);
    out.push_back(s);
  }
  return out;
}

}  // namespace

int ulp_bin(uint64_t ulp) {
  if (ulp <= 1) return static_cast<int>(ulp);
  int b = 2;
  uint64_t top = 2;
  while (ulp > top && b < kBins - 1) top *= 2, b++;
  return b;
}

std::string bin_label(int b) {
  if (b <= 1) return std::to_string(b);
  if (b == kBins - 1) return "> 2^31";
  const uint64_t hi = uint64_t{1} << (b - 1), lo = (hi >> 1) + 1;
  return lo == hi ? std::to_string(hi) : std::to_string(lo) + "-" + std::to_string(hi);
}

std::vector<std::string> sweep_names() {
  std::vector<std::string> out;
  for (const auto& f : fns()) out.push_back(f.name);
  return out;
}

std::vector<Sweep> sweep_all(uint64_t stride, int threads) {
  std::vector<Sweep> out;
  for (const char* family : {"exp", "rsqrt", "silu"}) {
    std::vector<const Fn*> fs;
    for (const auto& f : fns())
      if (f.function == family) fs.push_back(&f);
    for (auto& s : sweep_family(fs, stride, threads)) out.push_back(std::move(s));
  }
  return out;
}

Sweep sweep_one(const std::string& name, uint64_t stride, int threads) {
  for (const auto& f : fns())
    if (f.name == name) return sweep_family({&f}, stride, threads)[0];
  throw std::runtime_error("no such approximation: " + name);
}

}  // namespace nineml::approx
