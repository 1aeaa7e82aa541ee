// summary.md: totals, a row per kernel x impl, failed cases, fixed epsilons.
#include <set>
#include <string>
#include <tuple>

#include <fmt/format.h>

#include "detail.hpp"
#include "report.hpp"

namespace nineml::report {

using detail::format_number;
using detail::md_cell;
using detail::md_code;

void write_markdown(const Report& r, const std::string& path) {
  const Totals t = totals(r.cases);

  std::string out = "# 9ml conformance report\n\n";
  out += fmt::format("**{}**: {} cases, {} passed, {} failed", t.ok() ? "PASS" : "FAIL", t.runs, t.passed, t.failed);
  // Known deviations (conform --xfail): only when the run had any.
  if (t.xfailed || t.xpassed) out += fmt::format(", {} xfailed, {} xpassed", t.xfailed, t.xpassed);
  out += "\n\n";
  out += fmt::format("- time: {} s\n", format_number(r.seconds));
  out += fmt::format("- command: {}\n", md_code(r.command));
  out += fmt::format("- host: {}\n", md_code(r.host));
  out += fmt::format("- tool: {} {}\n", md_cell(r.tool), md_cell(r.tool_version));
  out += fmt::format("- created: {}\n\n", md_cell(r.created_utc));
  if (!r.environment.empty()) {
    out += "## Environment\n\n| | |\n| --- | --- |\n";
    for (const auto& [k, v] : r.environment) out += fmt::format("| {} | {} |\n", md_cell(k), md_cell(v));
    out += "\n";
  }
  if (!r.not_run.empty()) {
    out += "## Implementations not run\n\n";
    for (const NotRun& n : r.not_run) out += fmt::format("- {}: {}\n", md_cell(n.impl), md_cell(n.reason));
    out += "\n";
  }

  out += "## Results by kernel and implementation\n\n";
  out += "| kernel | impl | cases | failed | max error | max bound ratio | tolerance |\n";
  out += "| --- | --- | ---: | ---: | ---: | ---: | --- |\n";
  for (const KernelSummary& s : summarize(r)) {
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", md_cell(s.kernel), md_cell(s.impl), s.cases,
                       s.failed ? fmt::format("**{}**", s.failed) : "0", max_error_text(s),
                       format_number(s.max_bound_ratio), md_cell(s.tolerance_kind));
  }

  out += "\n## Failed cases\n\n";
  if (t.failed + t.xpassed == 0) out += "None.\n";
  for (const CaseResult& c : r.cases) {
    if (!fails_run(c)) continue;
    std::string why = c.passed ? "XPASS: passes, but --xfail expects it to fail: " + c.xfail
                               : (c.failure.empty() ? "failed" : c.failure);
    out += fmt::format("- {} [{}]: {}\n  repro: {}\n", md_code(c.case_id), md_cell(c.impl), md_cell(why),
                       md_code(c.repro));
  }
  if (t.xfailed) {
    out += fmt::format("\n## Expected failures (--xfail)\n\n");
    for (const CaseResult& c : r.cases)
      if (xfailed(c))
        out += fmt::format("- {} [{}]: {} (xfail: {})\n", md_code(c.case_id), md_cell(c.impl),
                           md_cell(c.failure.empty() ? "failed" : c.failure), md_cell(c.xfail));
  }

  // Each fixed epsilon is a place where no error bound exists: list every
  // distinct one once so a reader can challenge it.
  out += "\n## Fixed-epsilon tolerances\n\n";
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  for (const CaseResult& c : r.cases) {
    if (c.tolerance_kind != "fixed-epsilon") continue;
    if (!seen.insert({c.kernel, c.impl, c.tolerance_note}).second) continue;
    out += fmt::format("- {} [{}]: {}\n", md_cell(c.kernel), md_cell(c.impl),
                       c.tolerance_note.empty() ? "(no reason given)" : md_cell(c.tolerance_note));
  }
  if (seen.empty()) out += "None: every tolerance is an error bound or exact.\n";

  detail::write_file(path, out);
}

}  // namespace nineml::report
