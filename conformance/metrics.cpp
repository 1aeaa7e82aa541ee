#include "metrics.hpp"

#include <cmath>
#include <cstring>
#include <limits>

namespace nineml::conformance {

int64_t ordered_int(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  int64_t mag = b & 0x7fffffffu;
  return (b >> 31) ? -mag : mag;
}

double ulp_distance(float a, float b) {
  bool na = std::isnan(a), nb = std::isnan(b);
  if (na || nb) return (na && nb) ? 0.0 : std::numeric_limits<double>::infinity();
  int64_t d = ordered_int(a) - ordered_int(b);
  return static_cast<double>(d < 0 ? -d : d);
}

Metrics compute_metrics(std::span<const double> expected, std::span<const double> got) {
  Metrics m;
  double err2 = 0, ref2 = 0, dot = 0, got2 = 0;
  bool mismatch = false;
  for (size_t i = 0; i < expected.size() && i < got.size(); i++) {
    double e = expected[i], g = got[i];
    if (!std::isfinite(e)) {
      bool same = std::isnan(e) ? std::isnan(g) : g == e;
      if (!same) mismatch = true;
      continue;
    }
    double err = std::fabs(g - e);
    if (std::isnan(err)) err = std::numeric_limits<double>::infinity();
    m.max_abs = std::max(m.max_abs, err);
    if (e != 0) m.max_rel = std::max(m.max_rel, err / std::fabs(e));
    else if (err != 0) m.max_rel = std::numeric_limits<double>::infinity();
    m.max_ulp = std::max(m.max_ulp, ulp_distance(static_cast<float>(g), static_cast<float>(e)));
    err2 += err * err;
    ref2 += e * e;
    if (std::isfinite(g)) {
      dot += g * e;
      got2 += g * g;
    }
  }
  m.nmse = ref2 > 0 ? err2 / ref2 : (err2 > 0 ? std::numeric_limits<double>::infinity() : 0.0);
  if (ref2 > 0 && got2 > 0) m.cosine = dot / std::sqrt(ref2 * got2);
  else m.cosine = (ref2 == 0 && got2 == 0) ? 1.0 : 0.0;
  if (mismatch) {
    const double inf = std::numeric_limits<double>::infinity();
    m.max_abs = m.max_rel = m.max_ulp = m.nmse = inf;
    m.cosine = 0;
  }
  return m;
}

}  // namespace nineml::conformance
