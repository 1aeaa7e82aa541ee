// ULP-histogram bins and the per kernel x impl aggregate.
#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "report.hpp"

namespace nineml::report {

int ulp_bin(double ulp) {
  if (std::isnan(ulp)) return kUlpBins - 1;
  double u = std::fabs(ulp);  // a distance; a sign would be a caller's slip
  if (u == 0) return 0;
  if (u <= 1) return 1;
  if (std::isinf(u)) return kUlpBins - 1;
  // u = m * 2^e with m in [0.5, 1): ceil(log2 u) is e, or e - 1 when m is 0.5.
  int e = 0;
  double m = std::frexp(u, &e);
  int ceil_log2 = (m == 0.5) ? e - 1 : e;
  int bin = ceil_log2 + 1;
  return bin < kUlpBins - 1 ? bin : kUlpBins - 1;
}

namespace {

// Powers of two as people read them: plain below 1024, then 2^k.
std::string power_of_two(int k) {
  if (k < 10) return std::to_string(1 << k);
  return fmt::format("2^{}", k);
}

// NaN is worse than any number, so it wins the maximum.
double worst_of(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::nan("");
  return a > b ? a : b;
}

// Whether a ", "-separated list of tolerance kinds already holds `kind`.
bool lists_kind(const std::string& list, const std::string& kind) {
  return fmt::format(", {}, ", list).find(fmt::format(", {}, ", kind)) != std::string::npos;
}

}  // namespace

std::string ulp_bin_label(int bin) {
  if (bin <= 0) return "0";
  if (bin == 1) return "(0,1]";
  if (bin >= kUlpBins - 1) return fmt::format(">{},nan", power_of_two(kUlpBins - 3));
  return fmt::format("({},{}]", power_of_two(bin - 2), power_of_two(bin - 1));
}

Totals totals(const std::vector<CaseResult>& cases) {
  Totals t;
  t.runs = cases.size();
  for (const CaseResult& c : cases) {
    t.failed += !c.passed && c.xfail.empty();
    t.xfailed += xfailed(c);
    t.xpassed += xpassed(c);
  }
  t.passed = t.runs - t.failed - t.xfailed - t.xpassed;
  return t;
}

std::string error_text(const std::string& unit, double ulp, double abs) {
  if (unit == "abs") {
    if (!std::isfinite(abs) || abs == 0) return fmt::format("{} abs", abs);
    return fmt::format("{:.2e} abs", abs);
  }
  if (!std::isfinite(ulp) || ulp < 1e6) return fmt::format("{} ULP", ulp);
  return fmt::format("{:.2e} ULP", ulp);
}

std::string max_error_text(const KernelSummary& s) { return error_text(s.error_unit, s.max_ulp, s.max_abs); }

std::string summary_table(const std::vector<KernelSummary>& sums) {
  size_t kw = 6, iw = 4, ew = 9;
  for (const auto& k : sums) {
    kw = std::max(kw, k.kernel.size());
    iw = std::max(iw, k.impl.size());
    ew = std::max(ew, max_error_text(k).size());
  }
  std::string out = fmt::format("{:<{}}  {:<{}}  {:>6}  {:>6}  {:>{}}  {:>11}  {}\n", "kernel", kw, "impl", iw, "cases",
                                "failed", "max error", ew, "max err/bnd", "tolerance");
  for (const auto& k : sums)
    out += fmt::format("{:<{}}  {:<{}}  {:>6}  {:>6}  {:>{}}  {:>11.4g}  {}\n", k.kernel, kw, k.impl, iw, k.cases,
                       k.failed, max_error_text(k), ew, k.max_bound_ratio, k.tolerance_kind);
  return out;
}

std::vector<KernelSummary> summarize(const Report& r) {
  std::map<std::pair<std::string, std::string>, KernelSummary> by_key;
  for (const CaseResult& c : r.cases) {
    auto [it, fresh] = by_key.try_emplace({c.kernel, c.impl});
    KernelSummary& s = it->second;
    if (fresh) {
      s.kernel = c.kernel;
      s.impl = c.impl;
      s.ulp_histogram.assign(kUlpBins, 0);
    }
    s.cases++;
    if (!c.passed) s.failed++;
    s.max_ulp = worst_of(s.max_ulp, c.max_ulp);
    s.max_bound_ratio = worst_of(s.max_bound_ratio, c.bound_ratio);
    s.max_rel = worst_of(s.max_rel, c.max_rel);
    s.max_abs = worst_of(s.max_abs, c.max_abs);
    if (c.error_unit == "abs") s.error_unit = "abs";
    // Several kinds in one kernel x impl are listed in first-seen order.
    if (s.tolerance_kind.empty()) {
      s.tolerance_kind = c.tolerance_kind;
    } else if (!c.tolerance_kind.empty() && !lists_kind(s.tolerance_kind, c.tolerance_kind)) {
      s.tolerance_kind += fmt::format(", {}", c.tolerance_kind);
    }
    for (size_t b = 0; b < c.ulp_histogram.size() && b < s.ulp_histogram.size(); b++)
      s.ulp_histogram[b] += c.ulp_histogram[b];
  }
  std::vector<KernelSummary> out;
  out.reserve(by_key.size());
  for (auto& [key, s] : by_key) out.push_back(std::move(s));
  return out;
}

}  // namespace nineml::report
