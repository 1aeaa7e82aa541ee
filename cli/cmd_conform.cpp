// `9ml conform`: run the conformance suite and write the standard report.
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
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
};

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
    for (const auto& c : cases) applies |= conformance::applies(i->kind, c.kernel->table_use());
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
  as_usage([&] {
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
      fmt::print(stderr, "9ml conform: {:3d}% ({}/{} cases, {:.1f} s)\n", pct, done, total, secs);
      last_pct = pct;
    }
  };
  report::Report r = conformance::run(s, progress);
  for (const auto& n : r.not_run) fmt::print("NOT RUN {}: {}\n", n.impl, n.reason);
  r.command = command;
  r.tool_version = report::tool_version();
  r.environment = report::host_environment();
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  char iso[32];
  std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  r.created_utc = iso;
  report::write_all(r, o.out);

  size_t failed = 0;
  for (const auto& c : r.cases) failed += !c.passed;
  auto sums = report::summarize(r);
  fmt::print("{:<16} {:<14} {:>6} {:>6} {:>12} {:>12}  {}\n", "kernel", "impl", "cases", "failed",
             "max ULP", "max err/bnd", "tolerance");
  for (const auto& k : sums)
    fmt::print("{:<16} {:<14} {:>6} {:>6} {:>12.4g} {:>12.4g}  {}\n", k.kernel, k.impl, k.cases, k.failed,
               k.max_ulp, k.max_bound_ratio, k.tolerance_kind);
  size_t shown = 0;
  for (const auto& c : r.cases)
    if (!c.passed && shown++ < 20) fmt::print("FAIL {} [{}]: {}\n  repro: {}\n", c.case_id, c.impl, c.failure, c.repro);
  if (shown > 20) fmt::print("... and {} more failures (see {}/summary.md)\n", shown - 20, o.out);
  std::set<std::string> kernel_names;
  for (const auto& k : sums) kernel_names.insert(k.kernel);
  fmt::print("{} kernels ({} kernel x implementation pairs), {} case runs in {:.1f} s; report in {}/\n",
             kernel_names.size(), sums.size(), r.cases.size(), r.seconds, o.out);
  if (!r.not_run.empty()) fmt::print("{} implementation(s) not run on this CPU (listed above)\n", r.not_run.size());
  fmt::print("{} passed, {} failed\n", r.cases.size() - failed, failed);
  return failed ? 1 : 0;
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
    return run_conform(*o, command);
  };
}

}  // namespace nineml::cli
