// One report schema for every path (host, guests, Python): docs/REPORT_SCHEMA.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace nineml::report {

// One of the worst elements of a case (largest error / bound).
struct Element {
  int64_t index = 0;
  double expected = 0;  // exact reference value
  double got = 0;       // implementation's value
  double abs_error = 0;
  double ulp = 0;       // float32 ULP distance (ordered-integer representation)
  double bound = 0;     // the element's forward error bound
};

// How a case's tolerance was set.
//   "bound"       - per-element forward error bound from docs/TOLERANCES.md
//   "exact"       - the result must equal the exact value (bound 0: the
//                   operation is exact, e.g. integer RNG, f16 -> f32)
//   "fixed-epsilon" - no bound exists; `tolerance_note` gives the reason
struct CaseResult {
  std::string kernel;
  std::string impl;
  std::string case_id;   // stable name, e.g. "softmax/n=17/normal/seed=1"
  std::string repro;     // one line that re-runs exactly this case
  std::string shape;     // e.g. "n=17" or "d=288,n=768"
  std::string distribution;
  uint64_t seed = 0;
  bool passed = false;
  std::string failure;   // empty when passed; else a one-line reason
  int64_t elements = 0;
  double max_abs = 0, max_rel = 0, max_ulp = 0, nmse = 0, cosine = 1;
  double bound_ratio = 0;      // max over elements of observed / bound
  std::string tolerance_kind;  // "bound" | "exact" | "fixed-epsilon"
  std::string error_unit = "ulp";  // "ulp" | "abs": what summaries show as the error (JSON optional)
  std::string tolerance_note;
  std::string contract;        // e.g. "bit-exact with reference llama2c", or ""
  bool contract_ok = true;
  double contract_max_ulp = 0; // ULP distance to the contract's reference
  bool guards_ok = true;       // guard zones around outputs untouched
  std::vector<int64_t> ulp_histogram;  // kUlpBins counts (or empty); bins as in ulp_bin()
  std::vector<Element> worst;
  double seconds = 0;
  // Optional (out-of-process runs): the FNV-1a-64 of each output file's
  // bytes, hex, comma-separated, so that two runs' bits can be compared.
  std::string output_digest;
  // Non-empty: a known deviation (conform --xfail FILE): the reason given
  // there. With passed == false the case run is an expected failure
  // ("xfailed", does not fail the run); with passed == true it is XPASS
  // (the deviation is gone: fails the run, as pytest's strict xfail).
  // JSON "xfail", optional.
  std::string xfail;
};

inline bool xfailed(const CaseResult& c) { return !c.passed && !c.xfail.empty(); }
inline bool xpassed(const CaseResult& c) { return c.passed && !c.xfail.empty(); }
// Whether this case run makes the run fail: a failure not expected, or XPASS.
inline bool fails_run(const CaseResult& c) { return c.passed != c.xfail.empty(); }

// A run's verdict counts, as every output prints them: passed, failed (not
// expected), xfailed (expected failures, --xfail) and xpassed.
struct Totals {
  size_t runs = 0, passed = 0, failed = 0, xfailed = 0, xpassed = 0;
  bool ok() const { return failed == 0 && xpassed == 0; }
};
Totals totals(const std::vector<CaseResult>& cases);

// An implementation selected for the run that could not run here (e.g. a
// SIMD level this CPU lacks): listed so that it is never a silent pass.
struct NotRun {
  std::string impl;
  std::string reason;
};
// The reason of an implementation the run's selection left out starts with
// this (the others could not run here).
inline constexpr std::string_view kNotSelected = "not selected";
inline bool deselected(const NotRun& n) { return n.reason.starts_with(kNotSelected); }

struct Report {
  int schema_version = 1;
  std::string tool = "9ml";
  std::string tool_version;
  std::string created_utc;  // ISO 8601
  std::string host;         // "host", "guest:linux", "guest:9front", "python"
  std::string command;      // the command line that produced it
  std::vector<CaseResult> cases;
  std::vector<NotRun> not_run;  // JSON "not_run"; optional on input
  // Where it ran (environment.hpp: host_environment(), plus the guest's
  // facts for VM runs): JSON "environment", string values; optional on input.
  std::map<std::string, std::string> environment;
  double seconds = 0;
};

// Number of ULP-histogram bins and the bin of a ULP distance:
//   bin 0 = exactly 0, bin 1 = (0, 1], bin k = (2^(k-2), 2^(k-1)] for k >= 2;
//   the last bin also takes anything larger, +-inf and NaN.
constexpr int kUlpBins = 34;
int ulp_bin(double ulp);
std::string ulp_bin_label(int bin);

// Per-kernel x impl aggregate used by summary.md, index.html and diff.
struct KernelSummary {
  std::string kernel, impl;
  int cases = 0, failed = 0;
  double max_ulp = 0, max_bound_ratio = 0, max_rel = 0, max_abs = 0;
  std::string tolerance_kind;
  std::string error_unit = "ulp";  // "abs" when any case of the pair measures absolute error
  std::vector<int64_t> ulp_histogram;
};
std::vector<KernelSummary> summarize(const Report& r);
// An error in its unit (error_unit "ulp": the ULP distance, "abs": the
// absolute error), e.g. "3 ULP" or "2.10e-04 abs"; for a pair, its largest.
std::string error_text(const std::string& unit, double ulp, double abs);
std::string max_error_text(const KernelSummary& s);
// The terminal table of the pairs (conform, vm): one line each, columns as
// wide as their longest entry.
std::string summary_table(const std::vector<KernelSummary>& sums);

// Writers. Each throws std::runtime_error("PATH: problem") on I/O failure.
void write_json(const Report& r, const std::string& path);
Report read_json(const std::string& path);  // throws on a malformed report
void write_junit(const Report& r, const std::string& path);
void write_markdown(const Report& r, const std::string& path);
void write_html(const Report& r, const std::string& path);
// Writes report.json, junit.xml, summary.md and index.html into dir.
void write_all(const Report& r, const std::string& dir);

// Regressions between two reports of the same cases.
struct Regression {
  std::string what;  // one line: "softmax/n=17/... [engine-scalar]: passed, now fails"
  bool per_kernel = false;  // a kernel x impl's max ULP or bound ratio grew (not one case)
};
struct DiffOptions {
  double growth_factor = 2.0;  // a kernel's max ULP or bound ratio may grow by at most this
  double ulp_floor = 1.0;      // growth below this many ULP is never a regression
  double bound_ratio_floor = 0.01;  // a new bound ratio at or below this is never a regression
};
// What happened to one case between the reports, matched by (kernel, impl,
// case_id). `grew` / `shrank`: same verdict, and the case's max ULP or bound
// ratio grew (shrank) by more than growth_factor, with the floors of the
// kernel-level rule; growth wins over shrinkage. Only `newly_failing` is a
// regression by itself (the kernel-level growth rule works on each kernel x
// impl's maxima, not on single cases). In the order diff.html lists them.
enum class CaseChange { newly_failing, grew, removed, added, newly_passing, shrank, unchanged };
struct CaseDiff {
  CaseChange change = CaseChange::unchanged;
  const CaseResult* old_case = nullptr;  // null when added
  const CaseResult* new_case = nullptr;  // null when removed
};
// Regressions plus notes on what is not a regression but worth saying
// (cases that appeared, disappeared, repeat, or failed and now pass), and
// every case's change: its pointers are into the two reports diffed, valid
// while they live.
struct DiffResult {
  std::vector<Regression> regressions;
  std::vector<std::string> notes;
  std::vector<CaseDiff> cases;  // cases of NEW by key, then those only in OLD
};
DiffResult diff_reports(const Report& old_r, const Report& new_r, const DiffOptions& opt);
// The regressions of diff_reports() only.
std::vector<Regression> diff(const Report& old_r, const Report& new_r, const DiffOptions& opt);
// diff.html (reports/diff_html.cpp): what moved between OLD and NEW, for
// people; `d` is diff_reports(old_r, new_r, opt), the paths are shown as the
// reports' names. Throws std::runtime_error("PATH: problem") on I/O failure.
void write_diff_html(const DiffResult& d, const Report& old_r, const Report& new_r, const DiffOptions& opt,
                     const std::string& old_path, const std::string& new_path, const std::string& path);

// Two runs of different implementations on the same cases (host vs a guest),
// compared kernel by kernel: which cases gave other bits (by output_digest
// where both have it, else by every error metric), and which passed in OLD
// and fail in NEW.
struct AcrossRow {
  std::string kernel;
  int cases = 0, identical = 0, differ = 0;
  bool by_bits = true;                    // compared by output digests
  double old_max_ulp = 0, new_max_ulp = 0;
  std::vector<std::string> examples;      // up to 3 differing case ids
};
struct AcrossResult {
  std::string old_impl, new_impl;
  std::vector<AcrossRow> rows;            // every kernel both reports have
  std::vector<std::string> only_one;      // cases in one report only
  std::vector<Regression> regressions;    // passed in OLD, fails in NEW
};
// Empty impl names mean each report's `host`.
AcrossResult diff_across(const Report& old_r, const Report& new_r, std::string old_impl, std::string new_impl);
std::string across_markdown(const AcrossResult& r, const std::string& old_path, const std::string& new_path);

}  // namespace nineml::report
