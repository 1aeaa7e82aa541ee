// Splitting a selection over CI machines (`9ml conform --shard K/N`) and
// joining their reports (`9ml report merge`): every case in exactly one
// shard, shards balanced by cost, the merged report in the order of an
// unsharded run (docs/CI.md).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "report.hpp"
#include "runner.hpp"

namespace nineml::conformance {

// "K/N" with 1 <= K <= N <= 10000; throws std::runtime_error("--shard X: ...").
std::pair<int, int> parse_shard(const std::string& text);

// A case's cost when no measurement is given: the product of its integer
// parameters (the elements it touches), plus a fixed part for the call.
double estimated_cost(const CaseSpec& c);

// Shard `index` (1-based) of `count` of `all`, in all's order. Cases are
// dealt largest cost first to the least-loaded shard (ties: the earlier
// case, the lower shard), so the split depends only on the selection and
// the costs. `measured` (case key -> seconds, from an earlier report) wins
// over the estimate; unmeasured cases get the estimate scaled by the median
// seconds-per-estimate of the measured ones.
std::vector<SelectedCase> shard_cases(const std::vector<SelectedCase>& all, int index, int count,
                                      const std::map<std::string, double>& measured);

// Per case key, the seconds of all its implementations in a report.
std::map<std::string, double> measured_costs(const report::Report& r);

// One report from shard reports: their cases in the order an unsharded run
// writes them (the registry's kernel and case order, then the
// implementations' order; cases the registry does not know keep their
// order, after), not_run joined, environment of the first (plus "shards"),
// seconds summed. Throws std::runtime_error naming a case that appears in
// two inputs, or inputs whose environments name different commits.
report::Report merge_reports(const std::vector<report::Report>& parts, const std::vector<std::string>& names);

}  // namespace nineml::conformance
