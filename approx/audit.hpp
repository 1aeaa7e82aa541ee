// The unary-function audit of the approximations (docs/ACCURACY.md): every
// float of the range the kernel meets (or every stride-th), the approximation
// against the correctly rounded float result.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace nineml::approx {

// ULP bins: 0, 1, 2, 3-4, 5-8, ..., 2^31+: bin b >= 2 holds (2^(b-2), 2^(b-1)].
constexpr int kBins = 34;
int ulp_bin(uint64_t ulp);
std::string bin_label(int b);

struct Sweep {
  std::string name;      // "exp-schraudolph", "rsqrt-1nr", "silu-tanh", ...
  std::string function;  // "exp", "rsqrt", "silu"
  std::string domain;    // the float range swept, in words
  uint64_t count = 0;    // floats evaluated
  uint64_t max_ulp = 0;  // over the whole domain (non-finite got vs finite want: 2^32)
  float max_ulp_x = 0;
  uint64_t max_ulp_normal = 0;  // where the correctly rounded result is a normal float
  double max_rel = 0;           // |got - exact| / |exact| where exact is a normal float
  float max_rel_x = 0;
  std::array<uint64_t, kBins> hist{};
};

// Every stride-th float of each function's domain (stride 1: all of them),
// over `threads` threads. Exp: [x where expf underflows to 0, -0], as
// softmax meets it after the max is subtracted; rsqrt: the positive normal
// floats; silu: every finite float.
std::vector<Sweep> sweep_all(uint64_t stride, int threads);
// One approximation's sweep (name as in Sweep::name); throws on an unknown name.
Sweep sweep_one(const std::string& name, uint64_t stride, int threads);
std::vector<std::string> sweep_names();

}  // namespace nineml::approx
