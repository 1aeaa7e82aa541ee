// Baseline comparison: what got worse between an old and a new report.
#include <cmath>
#include <map>
#include <string>
#include <tuple>

#include <fmt/format.h>

#include "detail.hpp"
#include "report.hpp"

namespace nineml::report {

namespace {

using detail::format_number;
using CaseKey = std::tuple<std::string, std::string, std::string>;  // kernel, impl, case_id

std::string case_name(const CaseResult& c) { return fmt::format("{} [{}]", c.case_id, c.impl); }

// First occurrence of every case; repeats are noted since only one is compared.
std::map<CaseKey, const CaseResult*> index_cases(const Report& r, const char* which, std::vector<std::string>& notes) {
  std::map<CaseKey, const CaseResult*> idx;
  for (const CaseResult& c : r.cases) {
    if (!idx.try_emplace({c.kernel, c.impl, c.case_id}, &c).second)
      notes.push_back(fmt::format("{}: repeated in the {} report; only the first is compared", case_name(c), which));
  }
  return idx;
}

// NaN counts as worse than any number; growth to at most `floor` never counts.
bool grew(double old_v, double new_v, double factor, double floor) {
  if (std::isnan(new_v)) return !std::isnan(old_v);
  if (std::isnan(old_v) || new_v <= floor) return false;
  return new_v > old_v * factor;
}

std::string growth_message(const KernelSummary& s, const char* metric, double old_v, double new_v, double limit) {
  std::string factor;
  if (std::isnan(new_v)) factor = "became nan";
  else if (old_v > 0) factor = fmt::format("x{}", format_number(new_v / old_v));
  else factor = "x inf, was 0";
  return fmt::format("{} [{}]: {} {} -> {} ({}, limit x{})", s.kernel, s.impl, metric, format_number(old_v),
                     format_number(new_v), factor, format_number(limit));
}

// A case found in both reports: its verdict moved, or its error did (by the
// kernel-level rule applied to the case's own max ULP and bound ratio).
CaseChange change_of(const CaseResult& oc, const CaseResult& nc, const DiffOptions& opt) {
  if (oc.passed != nc.passed) return oc.passed ? CaseChange::newly_failing : CaseChange::newly_passing;
  auto moved = [&](const CaseResult& from, const CaseResult& to) {
    return grew(from.max_ulp, to.max_ulp, opt.growth_factor, opt.ulp_floor) ||
           grew(from.bound_ratio, to.bound_ratio, opt.growth_factor, opt.bound_ratio_floor);
  };
  if (moved(oc, nc)) return CaseChange::grew;
  if (moved(nc, oc)) return CaseChange::shrank;
  return CaseChange::unchanged;
}

}  // namespace

DiffResult diff_reports(const Report& old_r, const Report& new_r, const DiffOptions& opt) {
  DiffResult out;
  auto old_idx = index_cases(old_r, "old", out.notes);
  auto new_idx = index_cases(new_r, "new", out.notes);

  for (const auto& [key, nc] : new_idx) {
    auto it = old_idx.find(key);
    if (it == old_idx.end()) {
      out.notes.push_back(case_name(*nc) + ": new case, not in the old report");
      out.cases.push_back({CaseChange::added, nullptr, nc});
      continue;
    }
    const CaseResult& oc = *it->second;
    out.cases.push_back({change_of(oc, *nc, opt), &oc, nc});
    if (oc.passed && !nc->passed) {
      out.regressions.push_back(
          {fmt::format("{}: passed, now fails: {}", case_name(*nc), nc->failure.empty() ? "failed" : nc->failure)});
    } else if (!oc.passed && nc->passed) {
      out.notes.push_back(case_name(*nc) + ": failed, now passes");
    }
  }
  for (const auto& [key, oc] : old_idx) {
    if (new_idx.count(key)) continue;
    out.notes.push_back(case_name(*oc) + ": gone, not in the new report");
    out.cases.push_back({CaseChange::removed, oc, nullptr});
  }

  std::map<std::pair<std::string, std::string>, KernelSummary> old_sums;
  for (KernelSummary& s : summarize(old_r)) old_sums.emplace(std::pair{s.kernel, s.impl}, std::move(s));
  for (const KernelSummary& ns : summarize(new_r)) {
    auto it = old_sums.find({ns.kernel, ns.impl});
    if (it == old_sums.end()) continue;  // its cases were already noted as new
    const KernelSummary& os = it->second;
    if (grew(os.max_ulp, ns.max_ulp, opt.growth_factor, opt.ulp_floor))
      out.regressions.push_back({growth_message(ns, "max ULP", os.max_ulp, ns.max_ulp, opt.growth_factor), true});
    if (grew(os.max_bound_ratio, ns.max_bound_ratio, opt.growth_factor, opt.bound_ratio_floor))
      out.regressions.push_back(
          {growth_message(ns, "max bound ratio", os.max_bound_ratio, ns.max_bound_ratio, opt.growth_factor), true});
  }
  return out;
}

std::vector<Regression> diff(const Report& old_r, const Report& new_r, const DiffOptions& opt) {
  return diff_reports(old_r, new_r, opt).regressions;
}

}  // namespace nineml::report
