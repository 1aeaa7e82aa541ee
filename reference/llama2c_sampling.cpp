// llama2c mode sampler: run.c's sample(), argmax, multinomial and top-p, in
// float32. The one deliberate difference from upstream is top-p's sort: ties
// in probability go to the lower token id instead of qsort's libc-dependent
// order, which makes the choice identical on every platform.
#include <algorithm>
#include <cmath>
#include <vector>

#include "internal/checks.hpp"
#include "internal/llama2c_ops.hpp"
#include "reference.hpp"

namespace nineml::ref {

using internal::require;

namespace {

struct ProbIndex {
  float prob;
  int index;
};

// Probability descending, then index ascending; NaN sorts after every number
// so the order stays total (NaN only reaches here when every entry is NaN or
// when none passes the cutoff).
bool before(const ProbIndex& a, const ProbIndex& b) {
  const bool an = std::isnan(a.prob), bn = std::isnan(b.prob);
  if (an != bn) return bn;
  if (!an && a.prob != b.prob) return a.prob > b.prob;
  return a.index < b.index;
}

}  // namespace

namespace llama2c {

int argmax(std::span<const float> p) {
  require(!p.empty(), "argmax: empty input");
  int best = 0;
  bool have = false;
  for (std::size_t i = 0; i < p.size(); i++) {
    if (std::isnan(p[i])) continue;  // NaN never wins; all-NaN gives index 0
    if (!have || p[i] > p[static_cast<std::size_t>(best)]) {
      best = static_cast<int>(i);
      have = true;
    }
  }
  return best;
}

int sample_mult(std::span<const float> p, float coin) {
  require(!p.empty(), "sample_mult: empty input");
  float cdf = 0.0f;
  for (std::size_t i = 0; i < p.size(); i++) {
    cdf += p[i];
    if (coin < cdf) return static_cast<int>(i);
  }
  return static_cast<int>(p.size()) - 1;  // rounding left cdf below coin
}

int sample_topp(std::span<const float> p, float topp, float coin) {
  require(!p.empty(), "sample_topp: empty input");
  const int n = static_cast<int>(p.size());
  std::vector<ProbIndex> cand;
  if (n > 1) {
    // Entries below the cutoff cannot be in the nucleus; dropping them first
    // only shortens the sort (run.c's optimisation, kept for its rounding).
    const float cutoff = (1.0f - topp) / static_cast<float>(n - 1);
    for (int i = 0; i < n; i++)
      if (p[static_cast<std::size_t>(i)] >= cutoff) cand.push_back({p[static_cast<std::size_t>(i)], i});
  }
  if (cand.empty())
    for (int i = 0; i < n; i++) cand.push_back({p[static_cast<std::size_t>(i)], i});
  std::sort(cand.begin(), cand.end(), before);

  float cumulative = 0.0f;
  std::size_t last = cand.size() - 1;
  for (std::size_t i = 0; i < cand.size(); i++) {
    cumulative += cand[i].prob;
    if (cumulative > topp) {
      last = i;
      break;
    }
  }
  const float r = coin * cumulative;
  float cdf = 0.0f;
  for (std::size_t i = 0; i <= last; i++) {
    cdf += cand[i].prob;
    if (r < cdf) return cand[i].index;
  }
  return cand[last].index;
}

int sample(std::span<const float> logits, float temperature, float topp, Rng& rng) {
  require(!logits.empty(), "sample: empty logits");
  if (temperature == 0.0f) return argmax(logits);
  std::vector<float> p(logits.begin(), logits.end());
  for (float& v : p) v /= temperature;
  internal::llama2c_softmax_inplace(p.data(), p.size());
  const float coin = rng.next_f32();
  if (topp <= 0.0f || topp >= 1.0f) return sample_mult(p, coin);
  return sample_topp(p, topp, coin);
}

}  // namespace llama2c
}  // namespace nineml::ref
