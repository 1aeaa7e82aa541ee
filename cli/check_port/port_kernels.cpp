// Kernel cases for an external port: inputs out as .npy, outputs judged.
#include "port_kernels.hpp"

#include <fmt/core.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "kernel.hpp"
#include "npy.hpp"
#include "port_exec.hpp"
#include "runner.hpp"

namespace nineml::cli::port {

namespace fs = std::filesystem;

namespace {

report::CaseResult failed(const conformance::Kernel& k, const conformance::CaseSpec& c, const std::string& impl,
                          const std::string& repro, const std::string& why) {
  report::CaseResult r = conformance::case_result_head(k, c, impl, repro);
  r.error_unit = k.error_unit();
  r.passed = false;
  r.failure = why;
  r.ulp_histogram.assign(report::kUlpBins, 0);
  return r;
}

}  // namespace

std::vector<report::CaseResult> run_kernel_cases(const KernelRun& k, const std::vector<std::string>& kernels,
                                                 const std::vector<std::string>& cases,
                                                 std::vector<std::string>* problems) {
  conformance::Selection s;
  s.kernels = kernels;
  s.case_keys = cases;
  s.seed = k.seed;
  const conformance::Impl impl{k.impl, conformance::ImplKind::ref_llama2c, false, ""};
  std::vector<report::CaseResult> results;
  size_t index = 0;
  for (const conformance::SelectedCase& sc : conformance::select_cases(s)) {
    const conformance::Kernel& kern = *sc.kernel;
    const conformance::CaseSpec& spec = sc.spec;
    const std::string repro = k.repro(spec.key());
    const fs::path dir = fs::absolute(fs::path(k.dir) / "kernels" / fmt::format("{:04}", index++));
    fs::remove_all(dir);
    fs::create_directories(dir / "in");
    fs::create_directories(dir / "out");
    const conformance::Tensors inputs = kern.inputs(spec);
    nlohmann::json meta;
    meta["key"] = spec.key();
    meta["kernel"] = kern.name();
    meta["distribution"] = spec.dist;
    meta["seed"] = spec.seed;
    meta["params"] = nlohmann::json::object();
    for (const auto& [name, value] : spec.params) meta["params"][name] = value;
    meta["inputs"] = nlohmann::json::array();
    for (const conformance::Tensor& t : inputs) {
      fixtures::npy_write((dir / "in" / (t.name + ".npy")).string(), t.to_npy());
      meta["inputs"].push_back(t.name);
    }
    std::ofstream(dir / "in" / "case.json") << meta.dump(2) << "\n";
    const std::vector<std::string> argv =
        substitute(k.words, {{"kernel", kern.name()}, {"case", spec.key()}, {"inputs", (dir / "in").string()},
                             {"outputs", (dir / "out").string()}});
    const RunResult run = port::run(argv, dir.string(), k.timeout);
    std::string problem;
    if (run.timed_out)
      problem = fmt::format("timed out after {} s", k.timeout);
    else if (run.signal != 0)
      problem = fmt::format("crashed (signal {}, {})", run.signal, strsignal(run.signal));
    else if (run.exit_status != 0)
      problem = fmt::format("exited with status {}", run.exit_status);
    std::vector<fixtures::NpyArray> outs;
    for (int n = 0; problem.empty(); n++) {
      const fs::path out = dir / "out" / fmt::format("out{}.npy", n);
      if (!fs::exists(out)) {
        if (n == 0) problem = "wrote no out0.npy";
        break;
      }
      try {
        outs.push_back(fixtures::npy_read(out.string()));
      } catch (const std::exception& e) {
        problem = std::string("output malformed: ") + e.what();
      }
    }
    if (!problem.empty()) {
      std::string err = run.err;
      while (!err.empty() && err.back() == '\n') err.pop_back();
      const size_t nl = err.rfind('\n');
      if (!err.empty()) problem += "; its stderr: " + (nl == std::string::npos ? err : err.substr(nl + 1));
      problem = fmt::format("{} on {}: {}", k.impl, spec.key(), problem);
      if (problems->empty()) problems->push_back(problem);
      results.push_back(failed(kern, spec, k.impl, repro, problem));
      continue;
    }
    conformance::Output got;
    try {
      got = kern.decode(spec, inputs, outs);
    } catch (const std::exception& e) {
      results.push_back(failed(kern, spec, k.impl, repro, std::string("output rejected: ") + e.what()));
      continue;
    }
    report::CaseResult r = conformance::judge(kern, spec, impl, inputs, kern.expected(spec, inputs), got, nullptr);
    r.repro = repro;
    r.seconds = run.seconds;
    results.push_back(r);
  }
  return results;
}

}  // namespace nineml::cli::port
