// `9ml conform`: run the conformance suite and write the standard report.
#include <fmt/core.h>
#include <fnmatch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <tuple>

#include "args.hpp"
#include "commands.hpp"
#include "environment.hpp"
#include "fault.hpp"
#include "runner.hpp"
#include "shard.hpp"

namespace nineml::cli {

namespace {
struct ConformOptions {
  std::vector<std::string> kernels, impls, cases;
  uint64_t seed = 1;
  std::string out = "reports/out";
  std::string shard, shard_durations;
  bool list = false, quiet = false;
  bool exitfirst = false;      // -x
  int maxfail = 0;             // --maxfail N (0: not given)
  int jobs = 1;                // -j N
  std::string last_failed;     // --last-failed REPORT
  std::string xfail;           // --xfail FILE
};

// One line of an --xfail file: CASE-GLOB IMPL-GLOB reason...
struct XfailRule {
  std::string case_glob, impl_glob, reason;
  int line = 0;
  std::string text;
  size_t matched = 0;
};

std::string trim(const std::string& t) {
  size_t a = t.find_first_not_of(" \t\r"), b = t.find_last_not_of(" \t\r");
  return a == std::string::npos ? "" : t.substr(a, b - a + 1);
}

// Reads an --xfail file; throws std::runtime_error "FILE:LINE: problem".
std::vector<XfailRule> read_xfail(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("--xfail " + path + ": cannot read the file");
  std::vector<XfailRule> rules;
  std::string raw;
  for (int n = 1; std::getline(in, raw); n++) {
    std::string t = trim(raw);
    if (t.empty() || t[0] == '#') continue;
    XfailRule r;
    r.line = n;
    r.text = t;
    size_t a = t.find_first_of(" \t");
    size_t b = a == std::string::npos ? a : t.find_first_not_of(" \t", a);
    size_t c = b == std::string::npos ? b : t.find_first_of(" \t", b);
    if (c == std::string::npos || trim(t.substr(c)).empty())
      throw std::runtime_error("--xfail " + path + ":" + std::to_string(n) + ": expected CASE-GLOB IMPL-GLOB REASON, got '" +
                               t + "'");
    r.case_glob = t.substr(0, a);
    r.impl_glob = t.substr(b, c - b);
    r.reason = trim(t.substr(c));
    rules.push_back(std::move(r));
  }
  return rules;
}

// The (case, impl) runs that failed the run of an earlier report, in its
// order; throws std::runtime_error when it is unreadable, malformed or has none.
std::vector<std::pair<std::string, std::string>> failed_pairs(const std::string& path) {
  report::Report old;
  try {
    old = report::read_json(path);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("--last-failed: ") + e.what());
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& c : old.cases)
    if (report::fails_run(c)) out.push_back({c.case_id, c.impl});
  if (out.empty())
    throw std::runtime_error("--last-failed " + path + ": no case failed in that report (" +
                             std::to_string(old.cases.size()) + " case runs); nothing to rerun");
  return out;
}

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : sep) + x;
  return out;
}

// A gate must not pass on a selection that runs nothing: throws (a usage error, exit 2)
// when no selected implementation runs any selected kernel or, with
// `need_cpu`, none of those that do can run on this CPU.
void check_runs_something(const conformance::Selection& s, bool need_cpu) {
  auto cases = conformance::select_cases(s);  // unknown kernel, impl, case: its own message
  auto impls = conformance::select_impls(s);
  std::vector<std::string> kernels, runs_on, not_here;
  for (const auto& c : cases)
    if (std::find(kernels.begin(), kernels.end(), c.kernel->name()) == kernels.end()) kernels.push_back(c.kernel->name());
  if (cases.empty() && s.shard_count > 0)
    throw std::runtime_error("--shard " + std::to_string(s.shard_index) + "/" + std::to_string(s.shard_count) +
                             ": this shard has no cases (the selection has " +
                             std::to_string(conformance::select_all_cases(s).size()) + ")");
  if (cases.empty()) throw std::runtime_error("the selection has no cases");
  bool covered = false;
  for (const conformance::Impl* i : impls) {
    bool applies = false;
    for (const auto& c : cases) applies |= conformance::applies(*i, c.kernel->name(), c.kernel->table_use());
    if (!applies) continue;
    covered = true;
    std::string why = conformance::unavailable_reason(i->kind);
    if (why.empty()) return;
    not_here.push_back(i->name + " (" + why + ")");
  }
  if (!covered) {
    for (const auto& i : conformance::impls())
      for (const auto& c : cases)
        if (conformance::applies(i.kind, c.kernel->table_use())) {
          runs_on.push_back(i.name);
          break;
        }
    std::vector<std::string> asked;
    for (const conformance::Impl* i : impls) asked.push_back(i->name);
    throw std::runtime_error("--impl " + join(asked, " --impl ") + ": does not run kernel" +
                             (kernels.size() > 1 ? "s " : " ") + join(kernels) + "; nothing to run (runs on: " +
                             join(runs_on) + ")");
  }
  if (need_cpu) throw std::runtime_error("nothing to run on this CPU: " + join(not_here, "; "));
}

int run_conform(const ConformOptions& o, const std::string& command) {
  conformance::Selection s;
  s.kernels = o.kernels;
  s.impls = o.impls;
  s.seed = o.seed;
  for (std::string c : o.cases) {
    // Accept a whole repro line too: "9ml conform --case KEY --impl I".
    auto p = c.find("--case ");
    if (p != std::string::npos) c = c.substr(p + 7, c.find(' ', p + 7) - (p + 7));
    s.case_keys.push_back(c);
  }
  // Every argument before the run: names and NINEML_FAULT (exit 2), then
  // --out, created and written to (exit 1), so a run cannot fail at its end.
  std::optional<conformance::fault::Fault> fault;
  std::vector<XfailRule> rules;
  as_usage([&] {
    if (!o.last_failed.empty() && !o.cases.empty()) throw std::runtime_error("--last-failed and --case exclude each other");
    if (!o.last_failed.empty()) {
      conformance::check_kernel_names(o.kernels);
      conformance::check_impl_names(o.impls);
      // --kernel/--impl (names or globs) narrow the failed runs.
      auto want = [](const std::vector<std::string>& patterns, const std::string& n) {
        return patterns.empty() || std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) {
                 return conformance::name_matches(p, n);
               });
      };
      std::vector<std::string> failed_impls;
      for (const auto& [key, impl] : failed_pairs(o.last_failed)) {
        std::string kernel = key.substr(0, key.find('/'));
        if (!want(o.kernels, kernel) || !want(o.impls, impl)) continue;
        if (std::find(s.case_keys.begin(), s.case_keys.end(), key) == s.case_keys.end()) s.case_keys.push_back(key);
        if (std::find(failed_impls.begin(), failed_impls.end(), impl) == failed_impls.end()) failed_impls.push_back(impl);
        s.pairs.insert({key, impl});
      }
      if (s.pairs.empty())
        throw std::runtime_error("--last-failed " + o.last_failed + ": none of its failures is in the --kernel/--impl selection");
      conformance::check_impl_names(failed_impls);
      // The impls in the tool's order, as an unfiltered run has them.
      std::vector<std::string> ordered;
      for (const auto& i : conformance::impls())
        if (std::find(failed_impls.begin(), failed_impls.end(), i.name) != failed_impls.end()) ordered.push_back(i.name);
      s.impls = ordered;
    }
    if (!o.xfail.empty()) rules = read_xfail(o.xfail);
    if (!o.shard.empty()) std::tie(s.shard_index, s.shard_count) = conformance::parse_shard(o.shard);
    else if (!o.shard_durations.empty()) throw std::runtime_error("--shard-durations goes with --shard K/N");
  });
  if (!o.shard_durations.empty()) s.shard_costs = conformance::measured_costs(report::read_json(o.shard_durations));
  as_usage([&] {
    check_runs_something(s, !o.list);
    if (!o.list) fault = conformance::fault::from_env();
  });
  if (o.list) {
    for (const auto& c : conformance::select_cases(s)) fmt::print("{}\n", c.spec.key());
    return 0;
  }
  check_writable_dir("--out", o.out);
  if (const auto& f = fault)
    fmt::print(stderr, "9ml conform: fault injection active: kernel {} perturbed by {} ULP\n", f->kernel, f->ulps);
  auto t0 = std::chrono::steady_clock::now();
  size_t last_pct = 101;
  auto progress = [&](size_t done, size_t total) {
    size_t pct = done * 100 / total;
    if (!o.quiet && pct / 10 != last_pct / 10) {
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      // Cases, not case runs: each case runs on every selected implementation
      // (the totals at the end count case runs).
      fmt::print(stderr, "9ml conform: {:3d}% ({}/{} cases, {:.1f} s)\n", pct, done, total, secs);
      last_pct = pct;
    }
  };
  conformance::RunControl control;
  control.jobs = o.jobs;
  control.max_failures = o.exitfirst ? 1 : static_cast<size_t>(o.maxfail);
  control.progress = progress;
  if (!rules.empty())
    control.annotate = [&rules](report::CaseResult& c) {
      for (auto& rule : rules)
        if (fnmatch(rule.case_glob.c_str(), c.case_id.c_str(), 0) == 0 &&
            fnmatch(rule.impl_glob.c_str(), c.impl.c_str(), 0) == 0) {
          rule.matched++;
          c.xfail = rule.reason;
          return;
        }
    };
  bool stopped = false;
  report::Report r = conformance::run(s, control, &stopped);
  for (const auto& rule : rules)
    if (!rule.matched)
      fmt::print(stderr, "9ml conform: warning: --xfail {}:{}: '{}' matches no case run\n", o.xfail, rule.line, rule.text);
  size_t unavailable = 0;  // the rest were left out by the selection (listed in the report only)
  for (const auto& n : r.not_run)
    if (!report::deselected(n)) {
      fmt::print("NOT RUN {}: {}\n", n.impl, n.reason);
      unavailable++;
    }
  r.command = command;
  r.tool_version = report::tool_version();
  r.environment = report::host_environment();
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  char iso[32];
  std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  r.created_utc = iso;
  report::write_all(r, o.out);

  const report::Totals tot = report::totals(r.cases);
  auto sums = report::summarize(r);
  fmt::print("{}", report::summary_table(sums));
  size_t shown = 0;
  for (const auto& c : r.cases)
    if (report::fails_run(c) && shown++ < 20) {
      if (c.passed) fmt::print("XPASS {} [{}]: passes, but --xfail expects it to fail: {}\n  repro: {}\n", c.case_id, c.impl, c.xfail, c.repro);
      else fmt::print("FAIL {} [{}]: {}\n  repro: {}\n", c.case_id, c.impl, c.failure, c.repro);
    }
  if (shown > 20) fmt::print("... and {} more failures (see {}/summary.md)\n", shown - 20, o.out);
  std::set<std::string> kernel_names, case_ids;
  for (const auto& k : sums) kernel_names.insert(k.kernel);
  for (const auto& c : r.cases) case_ids.insert(c.case_id);
  const size_t cases_run = case_ids.size();
  fmt::print("{} kernels ({} kernel x implementation pairs), {} case runs ({} cases, each on its implementations) "
             "in {:.1f} s; report in {}/\n",
             kernel_names.size(), sums.size(), r.cases.size(), cases_run, r.seconds, o.out);
  if (unavailable) fmt::print("{} implementation(s) not run on this CPU (listed above)\n", unavailable);
  if (stopped)
    fmt::print("stopped after {} failure(s) ({}); the remaining cases did not run\n", tot.failed + tot.xpassed,
               o.exitfirst ? "-x" : "--maxfail " + std::to_string(o.maxfail));
  fmt::print("{} passed, {} failed\n", tot.passed, tot.failed);
  fmt::print("9ml conform: {} case runs: {} passed, {} failed, {} xfailed, {} xpassed\n", tot.runs, tot.passed,
             tot.failed, tot.xfailed, tot.xpassed);
  return tot.ok() ? 0 : 1;
}
}  // namespace

Action add_conform(CLI::App& app) {
  auto o = std::make_shared<ConformOptions>();
  auto* sub = app.add_subcommand("conform", "Run every case on every implementation and write the report");
  sub->add_option("--kernel", o->kernels, "Only this kernel (repeatable); see --list")->type_name("K");
  sub->add_option("--impl", o->impls, "Only this implementation (repeatable): engine-scalar, ref-llama2c, engine-sse2, engine-avx2, "
                  "engine-avx512, engine-scalar-t2, -t3, -t4")
      ->type_name("I");
  unsigned_integer(sub->add_option("--seed", o->seed, "Global seed mixed into every case's data, 0..2^64-1 (default 1)")
                       ->type_name("S"));
  sub->add_option("--case", o->cases,
                  "Re-run exactly this case: its key KERNEL/SHAPE/DIST/seed=S as printed in reports "
                  "(repeatable)")
      ->type_name("REPRO");
  sub->add_option("--out", o->out, "Directory for report.json, junit.xml, summary.md, index.html")
      ->type_name("DIR");
  sub->add_option("--shard", o->shard,
                  "Run only shard K of N (1 <= K <= N): every case is in exactly one shard, balanced by cost; "
                  "join the shards' reports with `9ml report merge` (docs/CI.md)")
      ->type_name("K/N");
  sub->add_option("--shard-durations", o->shard_durations,
                  "With --shard: balance by the case times of this earlier report.json instead of the estimate "
                  "from case sizes (every shard must be given the same file)")
      ->type_name("REPORT");
  sub->add_flag("-x,--exitfirst", o->exitfirst, "Stop after the first failing case run (the report holds the runs so far)");
  integer(sub->add_option("--maxfail", o->maxfail, "Stop after N failing case runs, 1..1000000")->type_name("N"), 1, 1000000);
  integer(sub->add_option("-j,--jobs", o->jobs,
                          "Run N cases at once, 1..256 (default 1); the report is the same as with -j 1")
              ->type_name("N"),
          1, 256);
  sub->add_option("--last-failed", o->last_failed,
                  "Rerun only the (case, impl) runs that failed in this earlier report.json (narrowed by --kernel, --impl)")
      ->type_name("REPORT");
  sub->add_option("--xfail", o->xfail,
                  "Known deviations: lines CASE-GLOB IMPL-GLOB REASON (# comments); a matching failure is xfailed, "
                  "a matching pass is XPASS and fails the run")
      ->type_name("FILE");
  sub->add_flag("--list", o->list, "Print the selected case keys and exit");
  sub->add_flag("--quiet", o->quiet, "No progress lines");
  sub->footer(
      "Exit status: 0 all passed, 1 a case failed or --out cannot be written, 2 bad arguments (an unknown name, "
      "a bad value, or a selection that runs nothing); docs/CLI.md.\n"
      "NINEML_FAULT=KERNEL[:ULPS] perturbs that kernel's engine outputs (a gate self-test).");
  return [o, sub]() {
    std::string command = "9ml conform";
    for (const auto& k : o->kernels) command += " --kernel " + k;
    for (const auto& i : o->impls) command += " --impl " + i;
    for (const auto& c : o->cases) command += " --case " + c;
    if (sub->count("--seed")) command += " --seed " + std::to_string(o->seed);
    if (!o->shard.empty()) command += " --shard " + o->shard;
    if (!o->shard_durations.empty()) command += " --shard-durations " + o->shard_durations;
    if (o->exitfirst) command += " -x";
    if (o->maxfail) command += " --maxfail " + std::to_string(o->maxfail);
    if (o->jobs != 1) command += " -j " + std::to_string(o->jobs);
    if (!o->last_failed.empty()) command += " --last-failed " + o->last_failed;
    if (!o->xfail.empty()) command += " --xfail " + o->xfail;
    return run_conform(*o, command);
  };
}

}  // namespace nineml::cli
