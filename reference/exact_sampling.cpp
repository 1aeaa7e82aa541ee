// exact mode sampler: the same algorithm as llama2c mode (and the same
// deterministic tie order) with probabilities, temperature scaling and
// cumulative sums in float64.
#include <algorithm>
#include <cmath>
#include <vector>

#include "internal/checks.hpp"
#include "internal/compensated.hpp"
#include "internal/exact_ops.hpp"
#include "reference.hpp"

namespace nineml::ref {

using internal::require;

namespace {

struct ProbIndex {
  double prob;
  int index;
};

// Probability descending, then index ascending, NaN last: a total order.
bool before(const ProbIndex& a, const ProbIndex& b) {
  const bool an = std::isnan(a.prob), bn = std::isnan(b.prob);
  if (an != bn) return bn;
  if (!an && a.prob != b.prob) return a.prob > b.prob;
  return a.index < b.index;
}

// First maximum; NaN never wins; all-NaN gives 0.
template <class T>
int argmax_of(std::span<const T> p) {
  require(!p.empty(), "argmax: empty input");
  std::size_t best = 0;
  bool have = false;
  for (std::size_t i = 0; i < p.size(); i++) {
    if (std::isnan(p[i])) continue;
    if (!have || p[i] > p[best]) {
      best = i;
      have = true;
    }
  }
  return static_cast<int>(best);
}

}  // namespace

namespace exact {

// run.c's sample() with temperature scaling and softmax in float64; the coin
// is the same 24-bit float draw as llama2c mode, widened.
template <class T>
static int sample_of(std::span<const T> logits, float temperature, float topp, Rng& rng) {
  require(!logits.empty(), "sample: empty logits");
  if (temperature == 0.0f) return argmax_of(logits);
  std::vector<double> z(logits.size());
  for (std::size_t i = 0; i < z.size(); i++) z[i] = double(logits[i]) / double(temperature);
  const std::vector<double> p = internal::exact_softmax<double>(z);
  const double coin = double(rng.next_f32());
  if (topp <= 0.0f || topp >= 1.0f) return sample_mult(p, coin);
  return sample_topp(p, double(topp), coin);
}

int argmax(std::span<const float> p) { return argmax_of(p); }

int sample_mult(std::span<const double> p, double coin) {
  require(!p.empty(), "sample_mult: empty input");
  internal::NeumaierSum cdf;
  for (std::size_t i = 0; i < p.size(); i++) {
    cdf.add(p[i]);
    if (coin < cdf.value()) return static_cast<int>(i);
  }
  return static_cast<int>(p.size()) - 1;
}

int sample_topp(std::span<const double> p, double topp, double coin) {
  require(!p.empty(), "sample_topp: empty input");
  const int n = static_cast<int>(p.size());
  std::vector<ProbIndex> cand;
  if (n > 1) {
    const double cutoff = (1.0 - topp) / double(n - 1);
    for (int i = 0; i < n; i++)
      if (p[static_cast<std::size_t>(i)] >= cutoff) cand.push_back({p[static_cast<std::size_t>(i)], i});
  }
  if (cand.empty())
    for (int i = 0; i < n; i++) cand.push_back({p[static_cast<std::size_t>(i)], i});
  std::sort(cand.begin(), cand.end(), before);

  internal::NeumaierSum cumulative;
  std::size_t last = cand.size() - 1;
  for (std::size_t i = 0; i < cand.size(); i++) {
    cumulative.add(cand[i].prob);
    if (cumulative.value() > topp) {
      last = i;
      break;
    }
  }
  const double r = coin * cumulative.value();
  internal::NeumaierSum cdf;
  for (std::size_t i = 0; i <= last; i++) {
    cdf.add(cand[i].prob);
    if (r < cdf.value()) return cand[i].index;
  }
  return cand[last].index;
}

int argmax(std::span<const double> p) { return argmax_of(p); }

int sample(std::span<const float> logits, float temperature, float topp, Rng& rng) {
  return sample_of(logits, temperature, topp, rng);
}

int sample(std::span<const double> logits, float temperature, float topp, Rng& rng) {
  return sample_of(logits, temperature, topp, rng);
}

}  // namespace exact
}  // namespace nineml::ref
