// `9ml audit approx`: the approximate-math audit (docs/ACCURACY.md). The
// ULP sweep of each fast approximation over the floats its kernel meets
// (every 4096th by default, all with --full), then the conformance cases of
// the kernels each approx-* implementation changes, judged against their
// unchanged bounds. Writes approx_audit.md and approx_audit.json to --out.
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "args.hpp"
#include "audit.hpp"
#include "commands.hpp"
#include "runner.hpp"

namespace nineml::cli {

namespace {

struct AuditOptions {
  std::string what, out;
  bool full = false;
  uint64_t stride = 4096;
  int threads = 2;
};

struct KernelEffect {
  std::string impl, kernel;
  int cases = 0, failed = 0;
  double max_ratio = 0, max_ulp = 0;
  std::string worst_case;
};

std::vector<KernelEffect> kernel_effects() {
  std::vector<KernelEffect> out;
  for (const auto& impl : conformance::audit_impls()) {
    conformance::Selection s;
    s.kernels = impl.kernels;
    s.impls = {impl.name};
    report::Report rep = conformance::run(s, [](size_t, size_t) {});
    std::map<std::string, KernelEffect> by;
    for (const auto& c : rep.cases) {
      KernelEffect& e = by[c.kernel];
      e.impl = impl.name, e.kernel = c.kernel;
      e.cases++;
      e.failed += c.passed ? 0 : 1;
      if (c.bound_ratio > e.max_ratio || e.worst_case.empty()) e.max_ratio = c.bound_ratio, e.worst_case = c.case_id;
      e.max_ulp = std::max(e.max_ulp, c.max_ulp);
    }
    for (const auto& k : impl.kernels) out.push_back(by[k]);
  }
  return out;
}

std::string histogram(const approx::Sweep& s) {
  std::string out;
  uint64_t top = *std::max_element(s.hist.begin(), s.hist.end());
  for (int b = 0; b < approx::kBins; b++) {
    if (!s.hist[b]) continue;
    int width = static_cast<int>(50.0 * static_cast<double>(s.hist[b]) / static_cast<double>(top) + 0.5);
    out += fmt::format("  {:>24} ULP | {:<50} {}\n", approx::bin_label(b), std::string(std::max(width, 1), '#'),
                       s.hist[b]);
  }
  return out;
}

int run_audit(const AuditOptions& o) {
  if (o.what != "approx") throw UsageError("audit " + o.what + ": no such audit (valid: approx)");
  if (o.threads < 1 || o.threads > 64) throw UsageError("--threads " + std::to_string(o.threads) + ": expected 1..64");
  if (o.stride < 1) throw UsageError("--stride: expected >= 1");
  if (!o.out.empty()) check_writable_dir("--out", o.out);
  const uint64_t stride = o.full ? 1 : o.stride;
  auto t0 = std::chrono::steady_clock::now();
  auto sweeps = approx::sweep_all(stride, o.threads);
  const double sweep_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto t1 = std::chrono::steady_clock::now();
  auto effects = kernel_effects();
  const double kernel_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();

  std::string md = "## Approximate math\n\n";
  md += fmt::format("Unary sweep: every {} float of each domain ({} threads, {:.1f} s). Error against the "
                    "float-rounded double result; relative error where that is a normal float.\n\n",
                    stride == 1 ? "" : fmt::format("{}th", stride), o.threads, sweep_s);
  md += "| approximation | domain | floats | max ULP | at x | max ULP (normal results) | max rel | at x |\n";
  md += "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  for (const auto& s : sweeps)
    md += fmt::format("| {} | {} | {} | {} | {:.9g} | {} | {:.3e} | {:.9g} |\n", s.name, s.domain, s.count,
                      s.max_ulp >= (uint64_t{1} << 32) ? std::string("non-finite") : std::to_string(s.max_ulp),
                      s.max_ulp_x, s.max_ulp_normal, s.max_rel, s.max_rel_x);
  md += fmt::format("\nKernel effect: the conformance cases of each kernel the implementation changes, against "
                    "the kernel's derived bound ({:.1f} s).\n\n",
                    kernel_s);
  md += "| implementation | kernel | cases | failed | max error/bound | worst case | max ULP |\n";
  md += "| --- | --- | ---: | ---: | ---: | --- | ---: |\n";
  for (const auto& e : effects)
    md += fmt::format("| {} | {} | {} | {} | {:.3g} | {} | {:.3g} |\n", e.impl, e.kernel, e.cases, e.failed,
                      e.max_ratio, e.worst_case, e.max_ulp);
  md += "\nULP histograms:\n\n```\n";
  for (const auto& s : sweeps) md += s.name + "\n" + histogram(s);
  md += "```\n";
  fmt::print("{}", md);

  if (!o.out.empty()) {
    nlohmann::json j;
    j["stride"] = stride;
    j["threads"] = o.threads;
    j["sweep_seconds"] = sweep_s;
    for (const auto& s : sweeps) {
      nlohmann::json h = nlohmann::json::object();
      for (int b = 0; b < approx::kBins; b++)
        if (s.hist[b]) h[approx::bin_label(b)] = s.hist[b];
      j["sweeps"].push_back({{"name", s.name}, {"function", s.function}, {"domain", s.domain}, {"count", s.count},
                             {"max_ulp", s.max_ulp}, {"max_ulp_x", s.max_ulp_x},
                             {"max_ulp_normal", s.max_ulp_normal}, {"max_rel", s.max_rel},
                             {"max_rel_x", s.max_rel_x}, {"ulp_histogram", h}});
    }
    for (const auto& e : effects)
      j["kernels"].push_back({{"impl", e.impl}, {"kernel", e.kernel}, {"cases", e.cases}, {"failed", e.failed},
                              {"max_bound_ratio", e.max_ratio}, {"worst_case", e.worst_case},
                              {"max_ulp", e.max_ulp}});
    std::ofstream(o.out + "/approx_audit.md") << md;
    std::ofstream(o.out + "/approx_audit.json") << j.dump(2) << "\n";
  }
  return 0;
}

}  // namespace

Action add_audit(CLI::App& app) {
  auto o = std::make_shared<AuditOptions>();
  auto* cmd = app.add_subcommand("audit", "Audit fast-math approximations against the reference (docs/ACCURACY.md)");
  cmd->add_option("what", o->what, "What to audit: approx")->required();
  cmd->add_option("--out", o->out, "Directory for approx_audit.md and approx_audit.json");
  cmd->add_flag("--full", o->full, "Every float of each domain (minutes) instead of every --stride-th");
  cmd->add_option("--stride", o->stride, "Sweep every N-th float (default 4096)");
  cmd->add_option("--threads", o->threads, "Sweep threads (default 2)");
  return [o] { return run_audit(*o); };
}

}  // namespace nineml::cli
