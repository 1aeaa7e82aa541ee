// shard.cpp: --shard K/N and report merge (shard.hpp).
#include "shard.hpp"

#include <algorithm>
#include <climits>
#include <set>
#include <stdexcept>
#include <tuple>

#include "impl.hpp"
#include "kernel.hpp"

namespace nineml::conformance {

std::pair<int, int> parse_shard(const std::string& text) {
  auto bad = [&](const std::string& why) { return std::runtime_error("--shard " + text + ": " + why); };
  size_t slash = text.find('/');
  if (slash == std::string::npos) throw bad("want K/N (this machine's shard K of N, 1 <= K <= N)");
  auto number = [&](const std::string& s) {
    if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string::npos || s[0] == '0')
      throw bad("want K/N with whole numbers from 1 to 10000");
    return std::stoi(s);
  };
  int k = number(text.substr(0, slash)), n = number(text.substr(slash + 1));
  if (n > 10000) throw bad("at most 10000 shards");
  if (k > n) throw bad("K must be at most N");
  return {k, n};
}

double estimated_cost(const CaseSpec& c) {
  double elements = 1;
  for (const auto& [name, value] : c.params) {
    if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos || value.size() > 9) continue;
    elements *= static_cast<double>(std::stoll(value));
  }
  return 1000.0 + elements;
}

std::map<std::string, double> measured_costs(const report::Report& r) {
  std::map<std::string, double> out;
  for (const auto& c : r.cases)
    if (c.seconds > 0) out[c.case_id] += c.seconds;
  return out;
}

std::vector<SelectedCase> shard_cases(const std::vector<SelectedCase>& all, int index, int count,
                                      const std::map<std::string, double>& measured) {
  std::vector<double> cost(all.size());
  std::vector<double> ratios;
  for (size_t i = 0; i < all.size(); i++) {
    auto m = measured.find(all[i].spec.key());
    if (m != measured.end()) ratios.push_back(m->second / estimated_cost(all[i].spec));
  }
  double scale = 1;
  if (!ratios.empty()) {
    std::nth_element(ratios.begin(), ratios.begin() + ratios.size() / 2, ratios.end());
    scale = ratios[ratios.size() / 2];
  }
  for (size_t i = 0; i < all.size(); i++) {
    auto m = measured.find(all[i].spec.key());
    cost[i] = m != measured.end() ? m->second : estimated_cost(all[i].spec) * scale;
  }
  std::vector<size_t> order(all.size());
  for (size_t i = 0; i < order.size(); i++) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return cost[a] > cost[b]; });
  std::vector<double> load(count, 0);
  std::vector<int> owner(all.size());
  for (size_t i : order) {
    int best = 0;
    for (int s = 1; s < count; s++)
      if (load[s] < load[best]) best = s;
    load[best] += cost[i];
    owner[i] = best;
  }
  std::vector<SelectedCase> out;
  for (size_t i = 0; i < all.size(); i++)
    if (owner[i] == index - 1) out.push_back(all[i]);
  return out;
}

namespace {

// The position an unsharded run gives a case: (kernel, case, impl) in the
// registries' order; INT_MAX where the registry does not know it.
struct RunOrder {
  std::map<std::pair<std::string, uint64_t>, std::map<std::string, int>> case_index;  // (kernel, seed) -> key -> i
  std::tuple<int, int, int> of(const report::CaseResult& c) {
    int k = INT_MAX, i = INT_MAX, m = INT_MAX;
    const auto& ks = kernels();
    for (size_t j = 0; j < ks.size(); j++)
      if (ks[j]->name() == c.kernel) k = static_cast<int>(j);
    if (k != INT_MAX) {
      try {
        CaseSpec parsed = CaseSpec::parse(c.case_id);
        auto& index = case_index[{c.kernel, parsed.seed}];
        if (index.empty()) {
          int n = 0;
          for (CaseSpec s : ks[k]->cases()) {
            s.seed = parsed.seed;
            index[s.key()] = n++;
          }
        }
        auto it = index.find(c.case_id);
        if (it != index.end()) i = it->second;
      } catch (const std::exception&) {
        // not a registry key (a guest's own case): after the known ones
      }
    }
    const auto& is = impls();
    for (size_t j = 0; j < is.size(); j++)
      if (is[j].name == c.impl) m = static_cast<int>(j);
    return {k, i, m};
  }
};

}  // namespace

report::Report merge_reports(const std::vector<report::Report>& parts, const std::vector<std::string>& names) {
  report::Report out;
  if (parts.empty()) return out;
  out.tool_version = parts[0].tool_version;
  out.host = parts[0].host;
  out.environment = parts[0].environment;
  std::map<std::pair<std::string, std::string>, size_t> seen;  // (case, impl) -> input
  std::set<std::pair<std::string, std::string>> not_run;
  const std::string commit = parts[0].environment.count("commit") ? parts[0].environment.at("commit") : "";
  for (size_t p = 0; p < parts.size(); p++) {
    const report::Report& r = parts[p];
    auto c = r.environment.find("commit");
    if (c != r.environment.end() && !commit.empty() && c->second != commit)
      throw std::runtime_error(names[p] + ": built from " + c->second + ", " + names[0] + " from " + commit +
                               "; shards of one run come from one build");
    if (r.host != out.host) out.host = "mixed";
    for (const auto& cr : r.cases) {
      auto [it, fresh] = seen.emplace(std::make_pair(cr.case_id, cr.impl), p);
      if (!fresh)
        throw std::runtime_error("case " + cr.case_id + " [" + cr.impl + "] is in both " + names[it->second] + " and " +
                                 names[p] + " (shards overlap)");
      out.cases.push_back(cr);
    }
    for (const auto& n : r.not_run)
      if (not_run.insert({n.impl, n.reason}).second) out.not_run.push_back(n);
    out.seconds += r.seconds;
  }
  RunOrder order;
  std::vector<std::pair<std::tuple<int, int, int>, size_t>> keys;
  for (size_t i = 0; i < out.cases.size(); i++) keys.push_back({order.of(out.cases[i]), i});
  std::stable_sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<report::CaseResult> sorted;
  sorted.reserve(out.cases.size());
  for (const auto& k : keys) sorted.push_back(std::move(out.cases[k.second]));
  out.cases = std::move(sorted);
  out.environment["shards"] = std::to_string(parts.size());
  return out;
}

}  // namespace nineml::conformance
