// diff.html (`9ml report diff OLD NEW --html FILE`): what moved between two
// reports, for people, in index.html's style (html_page.hpp: one file,
// inline CSS, no scripts). Both runs' environments side by side with the
// differences marked, the counts, then the cases that moved, regressions
// first; unchanged cases are only counted. docs/REPORT_SCHEMA.md, "diff.html".
#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "detail.hpp"
#include "html_page.hpp"
#include "report.hpp"

namespace nineml::report {

namespace {

using detail::format_number;
using detail::xml_escape;

// Rows listed by a table of cases that did not get worse (removed, added,
// newly passing, shrank); its count stays complete. Newly failing cases and
// cases whose error grew are all listed, as index.html lists every failure.
constexpr size_t kListed = 100;

constexpr const char* kAbsent = "&#8212;";  // an em dash: not in that report

struct Category {
  CaseChange change;
  const char* id;         // the section's id and the table's class
  const char* row_class;  // "fail" (worse), "better" or ""
  bool worse;             // listed in full
};
constexpr std::array<Category, 6> kCategories{{
    {CaseChange::newly_failing, "newly-failing", "fail", true},
    {CaseChange::grew, "grew", "fail", true},
    {CaseChange::removed, "removed", "", false},
    {CaseChange::added, "added", "", false},
    {CaseChange::newly_passing, "newly-passing", "better", false},
    {CaseChange::shrank, "shrank", "better", false},
}};

std::string title_of(CaseChange c, double factor) {
  switch (c) {
    case CaseChange::newly_failing: return "Newly failing (passed in OLD)";
    case CaseChange::grew: return fmt::format("Error grew by more than x{}", format_number(factor));
    case CaseChange::removed: return "Removed (only in OLD)";
    case CaseChange::added: return "Added (only in NEW)";
    case CaseChange::newly_passing: return "Newly passing (failed in OLD)";
    case CaseChange::shrank: return fmt::format("Error shrank by more than x{}", format_number(factor));
    case CaseChange::unchanged: break;
  }
  return "Unchanged";
}

std::string verdict(const CaseResult* c) {
  if (c == nullptr) return kAbsent;
  if (xfailed(*c)) return "xfail";
  if (xpassed(*c)) return "XPASS";
  return c->passed ? "pass" : "FAIL";
}

std::string number(const CaseResult* c, double CaseResult::*field) {
  return c == nullptr ? kAbsent : format_number(c->*field);
}

// The case's error in the unit of its bound (report.hpp, error_text).
std::string error_of(const CaseResult* c) {
  return c == nullptr ? kAbsent : error_text(c->error_unit, c->max_ulp, c->max_abs);
}

std::string case_row(const CaseDiff& d, const char* row_class) {
  const CaseResult& c = d.new_case ? *d.new_case : *d.old_case;
  std::string v = verdict(d.old_case) + " &#8594; " + verdict(d.new_case);
  if (d.new_case && !d.new_case->passed && !d.new_case->failure.empty())
    v += "<br><small>" + xml_escape(d.new_case->failure) + "</small>";
  return fmt::format(
      "<tr{}><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td>"
      "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td><code>{}</code></td></tr>\n",
      *row_class ? fmt::format(" class=\"{}\"", row_class) : std::string(), xml_escape(c.kernel), xml_escape(c.impl),
      xml_escape(c.case_id), v, error_of(d.old_case), error_of(d.new_case),
      number(d.old_case, &CaseResult::bound_ratio), number(d.new_case, &CaseResult::bound_ratio),
      xml_escape(c.repro));
}

std::string category_section(const Category& cat, const std::vector<const CaseDiff*>& rows, double factor) {
  std::string s = fmt::format("<section id=\"{}\">\n<h2>{} ({})</h2>\n", cat.id, title_of(cat.change, factor),
                              rows.size());
  const size_t shown = cat.worse ? rows.size() : std::min(rows.size(), kListed);
  if (shown < rows.size())
    s += fmt::format("<p>The first {} in key order; every case is in the two report.json files.</p>\n", shown);
  s += fmt::format(
      "<table class=\"moved {}\">\n<tr><th>kernel</th><th>impl</th><th>case</th><th>verdict OLD &#8594; NEW</th>"
      "<th>max error OLD</th><th>max error NEW</th><th>bound ratio OLD</th><th>bound ratio NEW</th><th>repro</th></tr>\n",
      cat.id);
  for (size_t i = 0; i < shown; i++) s += case_row(*rows[i], cat.row_class);
  return s + "</table>\n</section>\n";
}

// Both runs' facts side by side: the report fields, then the environment
// (the keys people compare first, then the rest by name). A value that
// differs, or is in one report only, is highlighted; the file names, times
// and durations always differ and are not compared. The other environment
// values that are the same in both fold away, so that the first cases that
// moved are on the first screen.
std::string environment_table(const Report& a, const Report& b, const std::string& a_path, const std::string& b_path) {
  std::string rows, folded;
  int differ = 0, same = 0;
  const std::vector<std::string> first = {"commit", "cpu_model", "compiler", "simd_dispatched"};
  // compare: highlight a difference; env: an environment value (may fold).
  auto row = [&](const std::string& key, const std::string* x, const std::string* y, bool compare, bool env) {
    const bool changed = compare && (x == nullptr || y == nullptr || *x != *y);
    const bool fold = env && !changed && std::find(first.begin(), first.end(), key) == first.end();
    differ += changed;
    same += fold;
    (fold ? folded : rows) += fmt::format(
        "<tr{}><th>{}{}</th><td>{}</td><td>{}</td></tr>\n", changed ? " class=\"changed\"" : "", xml_escape(key),
        changed ? " <small>(differs)</small>" : "", x ? xml_escape(*x) : kAbsent, y ? xml_escape(*y) : kAbsent);
  };
  const std::string a_time = format_number(a.seconds) + " s", b_time = format_number(b.seconds) + " s";
  row("report", &a_path, &b_path, false, false);
  row("created", &a.created_utc, &b.created_utc, false, false);
  row("time", &a_time, &b_time, false, false);
  row("command", &a.command, &b.command, true, false);
  row("host", &a.host, &b.host, true, false);
  std::vector<std::string> keys = first;
  for (const auto* env : {&a.environment, &b.environment})
    for (const auto& [k, v] : *env)
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  std::sort(keys.begin() + first.size(), keys.end());
  for (const std::string& k : keys) {
    auto x = a.environment.find(k), y = b.environment.find(k);
    if (x == a.environment.end() && y == b.environment.end()) continue;
    row(k, x == a.environment.end() ? nullptr : &x->second, y == b.environment.end() ? nullptr : &y->second, true, true);
  }
  std::string s = fmt::format(
      "<table class=\"env sidebyside\">\n<caption>Where each ran: {} value(s) differ (highlighted)</caption>\n"
      "<tr><th></th><th>OLD</th><th>NEW</th></tr>\n{}</table>\n",
      differ, rows);
  if (same)
    s += fmt::format("<details><summary>{} more environment value(s), the same in both</summary>\n"
                     "<table class=\"env sidebyside\">\n{}</table>\n</details>\n",
                     same, folded);
  return s;
}

// Unchanged cases, counted per kernel x impl, folded away.
std::string unchanged_section(const std::vector<const CaseDiff*>& rows) {
  std::map<std::pair<std::string, std::string>, std::pair<int, int>> per;  // unchanged, failing in both
  int failing = 0;
  for (const CaseDiff* d : rows) {
    auto& [n, f] = per[{d->new_case->kernel, d->new_case->impl}];
    n++;
    f += !d->new_case->passed;
    failing += !d->new_case->passed;
  }
  std::string s = fmt::format(
      "<section id=\"unchanged\">\n<h2>Unchanged ({})</h2>\n<details><summary>{} cases with the same verdict and an "
      "error within the factor ({} failing in both), per kernel x impl</summary>\n",
      rows.size(), rows.size(), failing);
  s += "<table class=\"unchanged\">\n<tr><th>kernel</th><th>impl</th><th>unchanged</th><th>failing in both</th></tr>\n";
  for (const auto& [key, nf] : per)
    s += fmt::format("<tr{}><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                     nf.second ? " class=\"fail\"" : "", xml_escape(key.first), xml_escape(key.second), nf.first,
                     nf.second);
  return s + "</table>\n</details>\n</section>\n";
}

}  // namespace

void write_diff_html(const DiffResult& d, const Report& old_r, const Report& new_r, const DiffOptions& opt,
                     const std::string& old_path, const std::string& new_path, const std::string& path) {
  std::map<CaseChange, std::vector<const CaseDiff*>> by;
  size_t in_old = 0, in_new = 0;
  for (const CaseDiff& c : d.cases) {
    by[c.change].push_back(&c);
    in_old += c.old_case != nullptr;
    in_new += c.new_case != nullptr;
  }
  const size_t n = d.regressions.size();
  std::string out = detail::html_begin("9ml report diff");
  out += fmt::format("<p class=\"{}\">{}: {} regression(s) between OLD and NEW</p>\n", n ? "fail" : "pass",
                     n ? "REGRESSION" : "NO REGRESSION", n);
  if (auto it = old_r.environment.find("fault_injection"); it != old_r.environment.end())
    out += detail::fault_note(it->second, "OLD");
  if (auto it = new_r.environment.find("fault_injection"); it != new_r.environment.end())
    out += detail::fault_note(it->second, "NEW");
  out += environment_table(old_r, new_r, old_path, new_path);

  // The counts in one row, in the order of the sections below: regressions
  // first (the newly failing cases, then the kernel x impl maxima grown past
  // the factor: the two things the exit status counts), unchanged last.
  std::string kernels;
  size_t kernel_n = 0;
  for (const Regression& r : d.regressions) {
    if (!r.per_kernel) continue;
    kernels += "<li class=\"fail\">" + xml_escape(r.what) + "</li>\n";
    kernel_n++;
  }
  const std::string maxima = fmt::format("Kernel x impl maxima grown past x{}", format_number(opt.growth_factor));
  std::string heads, counts;
  auto count = [&](const char* id, const std::string& title, size_t k, const char* cls) {
    heads += fmt::format("<th><a href=\"#{}\">{}</a></th>", id, title);
    counts += fmt::format("<td class=\"num{}\">{}</td>", k && *cls ? std::string(" ") + cls : "", k);
  };
  for (const Category& cat : kCategories) {
    count(cat.id, title_of(cat.change, opt.growth_factor), by[cat.change].size(), cat.row_class);
    if (cat.change == CaseChange::newly_failing) count("kernel-maxima", maxima, kernel_n, "fail");
  }
  count("unchanged", "Unchanged", by[CaseChange::unchanged].size(), "");
  out += fmt::format("<section id=\"summary\">\n<h2>Summary</h2>\n<table class=\"counts\">\n<tr>{}</tr>\n<tr>{}</tr>\n"
                     "</table>\n",
                     heads, counts);
  if (old_r.cases.size() > in_old || new_r.cases.size() > in_new)
    out += fmt::format("<p>Repeated cases: {} in OLD, {} in NEW; only the first of each is compared.</p>\n",
                       old_r.cases.size() - in_old, new_r.cases.size() - in_new);
  out += "</section>\n";

  for (const Category& cat : kCategories) {
    if (!by[cat.change].empty()) out += category_section(cat, by[cat.change], opt.growth_factor);
    if (cat.change != CaseChange::newly_failing) continue;
    out += fmt::format("<section id=\"kernel-maxima\">\n<h2>{} ({})</h2>\n", maxima, kernel_n);
    out += kernel_n ? "<ul>\n" + kernels + "</ul>\n"
                    : "<p>None: no kernel x impl's max ULP or max bound ratio grew past the factor.</p>\n";
    out += "</section>\n";
  }
  out += unchanged_section(by[CaseChange::unchanged]);
  out += detail::html_end();
  detail::write_file(path, out);
}

}  // namespace nineml::report
