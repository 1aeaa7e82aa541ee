// Sampling: argmax, multinomial, top-p, and run.c's whole sample().
#include <algorithm>
#include <numeric>

#include "common.hpp"
#include "npy_out.hpp"
#include "kernels.h"
#include "reference.hpp"

namespace nineml::conformance::kern {
namespace {

// A coin in [0,1) as random_f32 makes them (24-bit resolution).
float make_coin(fixtures::DataRng& rng) { return static_cast<float>(rng.next_u64() >> 40) / 16777216.0f; }

// Probabilities as the kernels receive them: a float softmax of logits.
std::vector<float> make_probs(const CaseSpec& c, fixtures::DataRng& rng) {
  return ref::llama2c::softmax(fixtures::make_floats(c.dist, c.get_int("n"), rng, 2.0));
}

Output index_output(int index) {
  Output o;
  o.values = {static_cast<double>(index)};
  o.raw = o.values;
  return o;
}

// How far `coin` lies outside [lo, hi) (0 inside).
double outside(double coin, double lo, double hi) {
  if (coin < lo) return lo - coin;
  if (coin >= hi) return coin - hi;
  return 0;
}

// The order the top-p sampler walks: candidates by probability descending,
// ties by lower index; all entries when none passes the cutoff or n == 1.
std::vector<int> topp_order(std::span<const double> p, double topp) {
  const size_t n = p.size();
  std::vector<int> idx;
  double cutoff = n > 1 ? (1.0 - topp) / static_cast<double>(n - 1) : 0;
  for (size_t i = 0; i < n; i++)
    if (n == 1 || p[i] >= cutoff) idx.push_back(static_cast<int>(i));
  if (idx.empty()) {
    idx.resize(n);
    std::iota(idx.begin(), idx.end(), 0);
  }
  std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return p[a] > p[b]; });
  return idx;
}

// Error of a chosen index g for a cumulative-sum sampler over `order` (the
// walk order) with probabilities `p`: the float sampler may differ from exact
// cumulative sums by `delta`; top-p also truncates the walk at the first
// prefix whose sum exceeds topp (topp <= 0 means no truncation) and scales
// the coin by that prefix sum. Every truncation point the float sums may
// choose is tried; the error is the smallest distance of the (scaled) coin
// from g's cdf interval, infinity if g cannot be reached.
double walk_error(std::span<const double> p, const std::vector<int>& order, int g, double coin,
                  double topp, double delta) {
  auto it = std::find(order.begin(), order.end(), g);
  if (it == order.end()) return INFINITY;
  size_t k = static_cast<size_t>(it - order.begin());
  std::vector<double> cum(order.size());
  double s = 0;
  for (size_t i = 0; i < order.size(); i++) cum[i] = (s += p[static_cast<size_t>(order[i])]);
  size_t first = order.size() - 1, last = order.size() - 1;  // possible truncation points
  if (topp > 0) {
    for (size_t i = order.size(); i-- > 0;) {
      if (cum[i] + delta > topp) first = i;
      if (cum[i] - delta > topp) last = i;
    }
    if (last < first) last = first;
  }
  double best = INFINITY;
  for (size_t L = first; L <= last && L < order.size(); L++) {
    if (k > L) continue;
    double r = topp > 0 ? coin * cum[L] : coin;
    double lo = k == 0 ? -INFINITY : cum[k - 1];
    double hi = k == L ? INFINITY : cum[k];
    best = std::min(best, outside(r, lo, hi));
    if (topp <= 0) break;
  }
  return best;
}

class Argmax final : public Kernel {
 public:
  std::string name() const override { return "sample_argmax"; }
  std::string tolerance_kind() const override { return "exact"; }
  std::string tolerance_note() const override {
    return "comparisons are exact: the first maximum, NaN never wins (bound 0)";
  }
  // The kernel table's argmax: every SIMD level's vector search is its own
  // implementation.
  TableUse table_use() const override { return TableUse::entry; }
  std::vector<CaseSpec> cases() const override {
    return grid(name(),
                {"normal", "heavy", "tiny", "equal", "zeros", "masked", "allmasked", "special", "nans"},
                [](CaseSpec& c, int64_t len, size_t) { c.set("n", len); });
  }
  Tensors inputs(const CaseSpec& c) const override {
    auto rng = rng_for(c);
    return {make_tensor("x", fixtures::make_floats(c.dist, c.get_int("n"), rng))};
  }
  Expected expected(const CaseSpec&, const Tensors& in) const override {
    return {{static_cast<double>(ref::exact::argmax(view<float>(in, "x")))}, {0.0}};
  }
  Output decode(const CaseSpec&, const Tensors&, const std::vector<fixtures::NpyArray>& outs) const override {
    return index_output(out_array<int32_t>(outs, 0, "<i4", 1)[0]);
  }
  Output run(const CaseSpec&, const Tensors& in, ImplKind impl) const override {
    auto x = view<float>(in, "x");
    if (!is_engine(impl)) return index_output(ref::llama2c::argmax(x));
    int g = exec_for(impl).table->argmax(x.data(), static_cast<int>(x.size()));
    fault::apply_index(name(), g, static_cast<int>(x.size()));
    return index_output(g);
  }
};

class Multinomial final : public Kernel {
 public:
  std::string name() const override { return "sample_mult"; }
  std::string tolerance_note() const override {
    return "the coin must fall in the chosen index's cdf interval, widened by gamma(n) for the "
           "float running sum";
  }
  std::vector<CaseSpec> cases() const override {
    return grid(name(), {"normal", "heavy", "equal", "masked"},
                [](CaseSpec& c, int64_t len, size_t) { c.set("n", len); });
  }
  Tensors inputs(const CaseSpec& c) const override {
    auto rng = rng_for(c);
    auto p = make_probs(c, rng);
    return {make_tensor("p", std::move(p)), make_tensor("coin", std::vector<float>{make_coin(rng)})};
  }
  Expected expected(const CaseSpec&, const Tensors& in) const override {
    auto p = widen(view<float>(in, "p"));
    return {{static_cast<double>(ref::exact::sample_mult(p, view<float>(in, "coin")[0]))},
            {bounds::gamma(static_cast<int64_t>(p.size()) + 1)}};
  }
  Output decode(const CaseSpec&, const Tensors&, const std::vector<fixtures::NpyArray>& outs) const override {
    return index_output(out_array<int32_t>(outs, 0, "<i4", 1)[0]);
  }
  Output run(const CaseSpec&, const Tensors& in, ImplKind impl) const override {
    auto p = view<float>(in, "p");
    float coin = view<float>(in, "coin")[0];
    if (!is_engine(impl)) return index_output(ref::llama2c::sample_mult(p, coin));
    int g = nm_sample_mult(p.data(), static_cast<int>(p.size()), coin);
    fault::apply_index(name(), g, static_cast<int>(p.size()));
    return index_output(g);
  }
  Comparison compare(const CaseSpec&, const Tensors& in, const Expected& e, const Output& got) const override {
    auto p = widen(view<float>(in, "p"));
    std::vector<int> order(p.size());
    std::iota(order.begin(), order.end(), 0);
    double err = walk_error(p, order, static_cast<int>(got.values.at(0)), view<float>(in, "coin")[0], 0, e.bound[0]);
    return {e.value, got.values, e.bound, {err}};
  }
};

class TopP final : public Kernel {
 public:
  std::string name() const override { return "sample_topp"; }
  std::string tolerance_note() const override {
    return "exact candidate order; every truncation point within gamma(n) of topp is tried; the "
           "scaled coin must fall in the chosen index's interval widened by 2 gamma(n+1)";
  }
  std::vector<CaseSpec> cases() const override {
    return grid(name(), {"normal", "heavy", "equal", "masked"}, [](CaseSpec& c, int64_t len, size_t i) {
      c.set("n", len).set("topp", i % 2 ? "0.5" : "0.9");
    });
  }
  Tensors inputs(const CaseSpec& c) const override {
    auto rng = rng_for(c);
    auto p = make_probs(c, rng);
    return {make_tensor("p", std::move(p)), make_tensor("coin", std::vector<float>{make_coin(rng)})};
  }
  Expected expected(const CaseSpec& c, const Tensors& in) const override {
    auto p = widen(view<float>(in, "p"));
    double topp = static_cast<double>(static_cast<float>(c.get_double("topp")));
    return {{static_cast<double>(ref::exact::sample_topp(p, topp, view<float>(in, "coin")[0]))},
            {2 * bounds::gamma(static_cast<int64_t>(p.size()) + 1)}};
  }
  Output decode(const CaseSpec&, const Tensors&, const std::vector<fixtures::NpyArray>& outs) const override {
    return index_output(out_array<int32_t>(outs, 0, "<i4", 1)[0]);
  }
  Output run(const CaseSpec& c, const Tensors& in, ImplKind impl) const override {
    auto p = view<float>(in, "p");
    float coin = view<float>(in, "coin")[0], topp = static_cast<float>(c.get_double("topp"));
    if (!is_engine(impl)) return index_output(ref::llama2c::sample_topp(p, topp, coin));
    std::vector<nm_prob_index> scratch(p.size());
    int g = nm_sample_topp(p.data(), static_cast<int>(p.size()), topp, scratch.data(), coin);
    fault::apply_index(name(), g, static_cast<int>(p.size()));
    return index_output(g);
  }
  Comparison compare(const CaseSpec& c, const Tensors& in, const Expected& e, const Output& got) const override {
    auto p = widen(view<float>(in, "p"));
    double topp = static_cast<double>(static_cast<float>(c.get_double("topp")));
    double err = walk_error(p, topp_order(p, topp), static_cast<int>(got.values.at(0)),
                            view<float>(in, "coin")[0], topp, e.bound[0] / 2);
    return {e.value, got.values, e.bound, {err}};
  }
};

// run.c's sample(): temperature, softmax, coin from the RNG, then argmax,
// multinomial or top-p.
class Sample final : public Kernel {
 public:
  std::string name() const override { return "sample"; }
  std::string tolerance_note() const override {
    return "temperature 0 exact; otherwise softmax bound on logits/T (rounded, u|l/T|) summed into "
           "the cdf, plus gamma(n+1), then as sample_mult / sample_topp";
  }
  std::vector<CaseSpec> cases() const override {
    static const char* kTemp[] = {"0", "1", "0.8"};
    static const char* kTopp[] = {"0.9", "1", "0.9"};
    return grid(name(), {"normal", "heavy", "equal"}, [](CaseSpec& c, int64_t len, size_t i) {
      c.set("n", len).set("temperature", kTemp[i % 3]).set("topp", kTopp[(i / 3) % 3]);
    });
  }
  Tensors inputs(const CaseSpec& c) const override {
    auto rng = rng_for(c);
    auto logits = fixtures::make_floats(c.dist, c.get_int("n"), rng, 2.0);
    uint64_t seed = rng.next_u64() | 1;
    return {make_tensor("logits", std::move(logits)), make_tensor("rng_state", std::vector<uint64_t>{seed})};
  }
  Expected expected(const CaseSpec& c, const Tensors& in) const override {
    ref::Rng rng{view<uint64_t>(in, "rng_state")[0]};
    auto l = view<float>(in, "logits");
    int g = ref::exact::sample(l, temperature(c), topp(c), rng);
    return {{static_cast<double>(g)}, {cdf_delta(c, l)}};
  }
  Output decode(const CaseSpec&, const Tensors&, const std::vector<fixtures::NpyArray>& outs) const override {
    return index_output(out_array<int32_t>(outs, 0, "<i4", 1)[0]);
  }
  Output run(const CaseSpec& c, const Tensors& in, ImplKind impl) const override {
    auto l = view<float>(in, "logits");
    uint64_t seed = view<uint64_t>(in, "rng_state")[0];
    if (!is_engine(impl)) {
      ref::Rng rng{seed};
      return index_output(ref::llama2c::sample(l, temperature(c), topp(c), rng));
    }
    std::vector<float> logits(l.begin(), l.end());
    std::vector<nm_prob_index> scratch(l.size());
    nm_u64 state = seed;
    int g = nm_sample(logits.data(), static_cast<int>(l.size()), temperature(c), topp(c), &state, scratch.data());
    fault::apply_index(name(), g, static_cast<int>(l.size()));
    return index_output(g);
  }
  Comparison compare(const CaseSpec& c, const Tensors& in, const Expected& e, const Output& got) const override {
    int g = static_cast<int>(got.values.at(0));
    if (temperature(c) == 0) return {e.value, got.values, {0.0}, {}};
    auto p = exact_probs(c, view<float>(in, "logits"));
    ref::Rng rng{view<uint64_t>(in, "rng_state")[0]};
    double coin = rng.next_f32();
    double tp = topp(c);
    bool nucleus = tp > 0 && tp < 1;
    std::vector<int> order;
    if (nucleus) order = topp_order(p, tp);
    else {
      order.resize(p.size());
      std::iota(order.begin(), order.end(), 0);
    }
    double err = walk_error(p, order, g, coin, nucleus ? tp : 0, e.bound[0] / 2);
    return {e.value, got.values, e.bound, {err}};
  }

 private:
  static float temperature(const CaseSpec& c) { return static_cast<float>(c.get_double("temperature")); }
  static float topp(const CaseSpec& c) { return static_cast<float>(c.get_double("topp")); }
  static std::vector<double> exact_probs(const CaseSpec& c, std::span<const float> l) {
    std::vector<double> x(l.size());
    for (size_t i = 0; i < l.size(); i++) x[i] = static_cast<double>(l[i]) / temperature(c);
    double m = *std::max_element(x.begin(), x.end()), s = 0;
    std::vector<double> p(x.size());
    for (size_t i = 0; i < x.size(); i++) s += (p[i] = std::exp(x[i] - m));
    for (double& v : p) v /= s;
    return p;
  }
  // Twice the bound on a float cdf entry: softmax errors summed, plus the sum.
  static double cdf_delta(const CaseSpec& c, std::span<const float> l) {
    if (temperature(c) == 0) return 0;
    auto p = exact_probs(c, l);
    std::vector<double> x(l.size()), dx(l.size());
    for (size_t i = 0; i < l.size(); i++) {
      x[i] = static_cast<double>(l[i]) / temperature(c);
      dx[i] = std::fabs(x[i]) * bounds::kU;
    }
    auto b = bounds::softmax(x, p, dx);
    double sum_b = std::accumulate(b.begin(), b.end(), 0.0);
    return 2 * (sum_b + bounds::gamma(static_cast<int64_t>(l.size()) + 1) * (1 + sum_b));
  }
};

}  // namespace

const Kernel* argmax_kernel() { static Argmax k; return &k; }
const Kernel* multinomial_kernel() { static Multinomial k; return &k; }
const Kernel* topp_kernel() { static TopP k; return &k; }
const Kernel* sample_kernel() { static Sample k; return &k; }

}  // namespace nineml::conformance::kern
