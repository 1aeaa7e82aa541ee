// Runs cases on implementations and judges them: the one comparator.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "case_spec.hpp"
#include "impl.hpp"
#include "kernel.hpp"
#include "report.hpp"

namespace nineml::conformance {

struct Selection {
  std::vector<std::string> kernels;  // empty: all
  std::vector<std::string> impls;    // empty: all
  uint64_t seed = 1;
  std::vector<std::string> case_keys;  // non-empty: exactly these cases
  // --shard K/N (shard.hpp): only shard K (1-based) of N; 0/0 = all.
  int shard_index = 0, shard_count = 0;
  std::map<std::string, double> shard_costs;  // case key -> measured seconds (--shard-durations)
  // Non-empty (--last-failed): only these (case key, impl name) runs; the
  // cases come from case_keys.
  std::set<std::pair<std::string, std::string>> pairs;
};

struct SelectedCase {
  const Kernel* kernel;
  CaseSpec spec;
};

// The selection's cases before --shard (select_cases applies it).
std::vector<SelectedCase> select_all_cases(const Selection& s);

// The end of an unknown-name error: "did you mean softmax?" naming the valid
// names within a small edit distance of `name` (or starting with it), else
// "valid: " and a few of them.
std::string did_you_mean(const std::string& name, const std::vector<std::string>& valid);

// Throw std::runtime_error("--kernel softmx: no such kernel; did you mean
// softmax?") for the first unknown name: the one message of every command
// that takes --kernel (conform, fixtures, vm) or --impl.
// --kernel, --impl and --case take globs too (fnmatch: *, ?, [...]): a
// pattern that matches nothing is the same kind of error as an unknown name.
void check_kernel_names(const std::vector<std::string>& names);
bool is_glob(const std::string& name);
bool name_matches(const std::string& pattern, const std::string& name);
void check_impl_names(const std::vector<std::string>& names);

// Throws std::runtime_error naming an unknown kernel, impl or malformed case
// (the messages of check_kernel_names and check_impl_names).
std::vector<SelectedCase> select_cases(const Selection& s);
std::vector<const Impl*> select_impls(const Selection& s);

// Runs one case on each implementation (inputs, exact values and the
// contract's reference output are computed once). Implementations that do
// not apply to the kernel (applies()) or cannot run on this CPU
// (unavailable_reason()) are left out of the result.
std::vector<report::CaseResult> run_case(const Kernel& k, const CaseSpec& c,
                                         const std::vector<const Impl*>& impls);

// A result's identifying fields for case c of kernel k run by `impl`:
// kernel, impl, case id, repro line, shape, distribution, seed and the
// kernel's tolerance kind and note. Every path that makes a result (the
// runner, the VM harness, check-port) starts from it.
report::CaseResult case_result_head(const Kernel& k, const CaseSpec& c, const std::string& impl,
                                    const std::string& repro);

// Judges one implementation's output; exposed for the out-of-process paths.
report::CaseResult judge(const Kernel& k, const CaseSpec& c, const Impl& impl, const Tensors& in,
                         const Expected& e, const Output& got, const Output* contract_ref);

// How a run is carried out (conform's -j, -x/--maxfail, --xfail).
struct RunControl {
  // Worker threads running cases at once (-j N, >= 1). The report is the
  // same for every value: cases are collected in selection order, each
  // worker thread has its own engine thread pools.
  int jobs = 1;
  // Stop after this many case runs that fail the run (report::fails_run),
  // counted in selection order; 0: never. The report ends at that case run.
  size_t max_failures = 0;
  // Called on every case run, in order, before it is counted (e.g. to mark
  // an expected failure); may be empty.
  std::function<void(report::CaseResult&)> annotate;
  // Called after each case, in order.
  std::function<void(size_t done, size_t total)> progress;
};

// The whole run. `stopped` (if given) is set when max_failures ended it early.
report::Report run(const Selection& s, const RunControl& control, bool* stopped = nullptr);
report::Report run(const Selection& s,
                   const std::function<void(size_t done, size_t total)>& progress = nullptr);

}  // namespace nineml::conformance
