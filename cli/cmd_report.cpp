// `9ml report diff OLD NEW`: regressions between two reports; `9ml report
// merge A B ... --out DIR`: shard reports joined into one (docs/CI.md).
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>

#include <cfloat>

#include "args.hpp"
#include "commands.hpp"
#include "detail.hpp"
#include "port/port.h"
#include "report.hpp"
#include "shard.hpp"

namespace nineml::cli {

Action add_report(CLI::App& app) {
  struct Opts {
    std::string old_path, new_path;
    report::DiffOptions diff;
    bool across = false;
    std::string old_impl, new_impl, md, html;
    std::vector<std::string> merge_inputs;
    std::string merge_out = "reports/merged";
  };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("report", "Work with reports");
  sub->require_subcommand(1);
  auto* d = sub->add_subcommand("diff", "Compare two report.json files; exit 1 on a regression");
  d->add_option("OLD", o->old_path, "Baseline report.json")->required();
  d->add_option("NEW", o->new_path, "New report.json")->required();
  real(d->add_option("--factor", o->diff.growth_factor,
                     "A kernel's max ULP or bound ratio may grow by at most this factor, finite, >= 1 (default 2)")
           ->type_name("F"), 1, FLT_MAX);
  real(d->add_option("--ulp-floor", o->diff.ulp_floor, "Growth up to this many ULP is never a regression, finite, >= 0 (default 1)")
           ->type_name("U"), 0, FLT_MAX);
  d->add_flag("--across", o->across,
              "Compare two implementations on the same cases (host vs a guest): per kernel, the cases whose bits differ");
  d->add_option("--old-impl", o->old_impl, "--across: OLD's implementation (default: OLD's host field)")->type_name("I");
  d->add_option("--new-impl", o->new_impl, "--across: NEW's implementation (default: NEW's host field)")->type_name("I");
  d->add_option("--md", o->md, "--across: also write the table to this Markdown file")->type_name("FILE");
  d->add_option("--html", o->html,
                "Also write an HTML page of what moved (environments side by side, counts, the cases that moved, "
                "regressions first); not with --across")
      ->type_name("FILE");
  d->footer("Exit status: 0 no regression, 1 regressions or unreadable input, 2 bad arguments (docs/CLI.md).");
  auto* m = sub->add_subcommand("merge", "Join the reports of `conform --shard K/N` runs into one report");
  m->add_option("REPORT", o->merge_inputs, "A shard's report.json (two or more)")->required()->expected(2, 10000);
  m->add_option("--out", o->merge_out, "Directory for the merged report.json, junit.xml, summary.md, index.html "
                                        "(default reports/merged)")
      ->type_name("DIR");
  m->footer("Exit status: 0 every case passed, 1 a case failed, an input is unreadable, two inputs hold the same "
            "case or come from different builds, 2 bad arguments (docs/CLI.md, docs/CI.md).");
  return [o, m]() {
    if (m->parsed()) {
      check_writable_dir("--out", o->merge_out);
      std::vector<report::Report> parts;
      for (const auto& path : o->merge_inputs) parts.push_back(report::read_json(path));
      report::Report r = conformance::merge_reports(parts, o->merge_inputs);
      r.command = "9ml report merge";
      for (const auto& path : o->merge_inputs) r.command += " " + path;
      std::time_t now = std::time(nullptr);
      char iso[32];
      std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
      r.created_utc = iso;
      report::write_all(r, o->merge_out);
      const report::Totals t = report::totals(r.cases);
      fmt::print("merged {} reports: {} case runs, {} passed, {} failed, {} xfailed, {} xpassed; report in {}/\n",
                 parts.size(), t.runs, t.passed, t.failed, t.xfailed, t.xpassed, o->merge_out);
      return t.ok() ? 0 : 1;
    }
    if (!o->across && (!o->old_impl.empty() || !o->new_impl.empty() || !o->md.empty()))
      throw UsageError("--old-impl, --new-impl and --md go with --across");
    if (o->across && !o->html.empty()) throw UsageError("--html does not go with --across (use --md)");
    if (!o->html.empty()) {
      for (const std::string* in : {&o->old_path, &o->new_path})
        if (nm_same_file(in->c_str(), o->html.c_str()))
          throw UsageError(fmt::format("--html {}: is the input report {}", o->html, *in));
      check_writable_file("--html", o->html);
    }
    report::Report a = report::read_json(o->old_path);
    report::Report b = report::read_json(o->new_path);
    if (o->across) {
      auto r = report::diff_across(a, b, o->old_impl, o->new_impl);
      if (r.rows.empty()) {
        fmt::print(stderr, "9ml report diff --across: no case of {} in {} is also a case of {} in {}\n", r.old_impl,
                   o->old_path, r.new_impl, o->new_path);
        return 1;
      }
      std::string text = report::across_markdown(r, o->old_path, o->new_path);
      fmt::print("{}", text);
      if (!o->md.empty()) report::detail::write_file(o->md, text);
      return r.regressions.empty() ? 0 : 1;
    }
    auto res = report::diff_reports(a, b, o->diff);
    for (const auto& n : res.notes) fmt::print("note: {}\n", n);
    for (const auto& r : res.regressions) fmt::print("REGRESSION: {}\n", r.what);
    if (!o->html.empty()) {
      report::write_diff_html(res, a, b, o->diff, o->old_path, o->new_path, o->html);
      fmt::print("wrote {}\n", o->html);
    }
    fmt::print("{} regression(s) between {} and {}\n", res.regressions.size(), o->old_path, o->new_path);
    return res.regressions.empty() ? 0 : 1;
  };
}

}  // namespace nineml::cli
