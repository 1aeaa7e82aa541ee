// Host vs guest: the same cases run by two implementations, compared kernel
// by kernel (bits where both runs recorded output digests).
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string>

#include "detail.hpp"
#include "report.hpp"

namespace nineml::report {

namespace {

using Key = std::pair<std::string, std::string>;  // kernel, case_id

std::map<Key, const CaseResult*> cases_of(const Report& r, const std::string& impl) {
  std::map<Key, const CaseResult*> m;
  for (const CaseResult& c : r.cases)
    if (c.impl == impl) m.try_emplace({c.kernel, c.case_id}, &c);
  return m;
}

bool same_metrics(const CaseResult& a, const CaseResult& b) {
  auto eq = [](double x, double y) { return x == y || (x != x && y != y); };
  return a.passed == b.passed && a.elements == b.elements && eq(a.max_abs, b.max_abs) && eq(a.max_rel, b.max_rel) &&
         eq(a.max_ulp, b.max_ulp) && eq(a.nmse, b.nmse);
}

}  // namespace

AcrossResult diff_across(const Report& old_r, const Report& new_r, std::string old_impl, std::string new_impl) {
  AcrossResult out;
  out.old_impl = old_impl.empty() ? old_r.host : old_impl;
  out.new_impl = new_impl.empty() ? new_r.host : new_impl;
  auto a = cases_of(old_r, out.old_impl), b = cases_of(new_r, out.new_impl);
  std::map<std::string, AcrossRow> rows;
  for (const auto& [key, oc] : a) {
    auto it = b.find(key);
    if (it == b.end()) {
      out.only_one.push_back(fmt::format("{} [{}]: not in the {} run", key.second, out.old_impl, out.new_impl));
      continue;
    }
    const CaseResult& nc = *it->second;
    AcrossRow& row = rows[key.first];
    row.kernel = key.first;
    row.cases++;
    bool bits = !oc->output_digest.empty() && !nc.output_digest.empty();
    row.by_bits = row.by_bits && bits;
    bool same = bits ? oc->output_digest == nc.output_digest : same_metrics(*oc, nc);
    if (same) {
      row.identical++;
    } else {
      row.differ++;
      if (row.examples.size() < 3) row.examples.push_back(key.second);
    }
    row.old_max_ulp = std::max(row.old_max_ulp, oc->max_ulp);
    row.new_max_ulp = std::max(row.new_max_ulp, nc.max_ulp);
    if (oc->passed && !nc.passed)
      out.regressions.push_back({fmt::format("{} [{}]: passed on {}, fails: {}", key.second, out.new_impl, out.old_impl,
                                             nc.failure.empty() ? "failed" : nc.failure)});
  }
  for (const auto& [key, nc] : b)
    if (!a.count(key))
      out.only_one.push_back(fmt::format("{} [{}]: not in the {} run", key.second, out.new_impl, out.old_impl));
  for (auto& [k, row] : rows) out.rows.push_back(std::move(row));
  return out;
}

// Every name, path and message from the reports goes through md_cell or
// md_code: they are text, never Markdown or HTML.
std::string across_markdown(const AcrossResult& r, const std::string& old_path, const std::string& new_path) {
  using detail::md_cell;
  using detail::md_code;
  std::string s = fmt::format("# {} vs {}, kernel by kernel\n\nOLD {}, NEW {}. \"Differ\" counts the cases whose "
                              "outputs are not bit-identical (compared by output digest; by every error metric where "
                              "a run has no digests).\n\n",
                              md_cell(r.old_impl), md_cell(r.new_impl), md_code(old_path), md_code(new_path));
  s += fmt::format("| kernel | cases | identical | differ | compared by | max ULP {} | max ULP {} | e.g. |\n",
                   md_cell(r.old_impl), md_cell(r.new_impl));
  s += "| --- | ---: | ---: | ---: | --- | ---: | ---: | --- |\n";
  for (const AcrossRow& row : r.rows) {
    std::string eg;
    for (const auto& e : row.examples) eg += (eg.empty() ? "" : ", ") + md_cell(e);
    s += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", md_cell(row.kernel), row.cases, row.identical, row.differ,
                     row.by_bits ? "bits" : "metrics", detail::format_number(row.old_max_ulp),
                     detail::format_number(row.new_max_ulp), eg);
  }
  if (!r.only_one.empty()) {
    s += fmt::format("\n{} case(s) in one run only:\n\n", r.only_one.size());
    for (size_t i = 0; i < r.only_one.size() && i < 20; i++) s += "- " + md_cell(r.only_one[i]) + "\n";
  }
  s += fmt::format("\n{} regression(s) (passed on {}, fail on {})\n", r.regressions.size(), md_cell(r.old_impl),
                   md_cell(r.new_impl));
  for (const auto& g : r.regressions) s += "- " + md_cell(g.what) + "\n";
  return s;
}

}  // namespace nineml::report
