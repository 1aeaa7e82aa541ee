// --shard K/N's split (shard.hpp): a partition of the selection, the same
// every time, balanced as largest-first dealing promises, and merge's
// order is the unsharded run's.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "shard.hpp"

namespace nineml::conformance {
namespace {

std::vector<SelectedCase> everything() { return select_cases(Selection{}); }

double total(const std::vector<SelectedCase>& cs) {
  double t = 0;
  for (const auto& c : cs) t += estimated_cost(c.spec);
  return t;
}

TEST(Shard, EveryCaseInExactlyOneShardInSelectionOrder) {
  auto all = everything();
  for (int n : {1, 2, 3, 7}) {
    std::multiset<std::string> seen;
    for (int k = 1; k <= n; k++) {
      auto part = shard_cases(all, k, n, {});
      EXPECT_FALSE(part.empty()) << k << "/" << n;
      // In the selection's order: positions increase.
      size_t pos = 0;
      for (const auto& c : part) {
        auto it = std::find_if(all.begin() + pos, all.end(), [&](const SelectedCase& a) { return a.spec.key() == c.spec.key(); });
        ASSERT_NE(it, all.end()) << c.spec.key() << " out of order in " << k << "/" << n;
        pos = static_cast<size_t>(it - all.begin()) + 1;
        seen.insert(c.spec.key());
      }
    }
    EXPECT_EQ(seen.size(), all.size()) << n;
    for (const auto& c : all) EXPECT_EQ(seen.count(c.spec.key()), 1u) << c.spec.key();
  }
}

TEST(Shard, SameSplitEveryTimeAndBalanced) {
  auto all = everything();
  double biggest = 0;
  for (const auto& c : all) biggest = std::max(biggest, estimated_cost(c.spec));
  std::vector<double> loads;
  for (int k = 1; k <= 3; k++) {
    auto a = shard_cases(all, k, 3, {}), b = shard_cases(all, k, 3, {});
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); i++) EXPECT_EQ(a[i].spec.key(), b[i].spec.key());
    loads.push_back(total(a));
  }
  // Largest-first to the least loaded: no shard exceeds another by more than one case.
  auto [lo, hi] = std::minmax_element(loads.begin(), loads.end());
  EXPECT_LE(*hi - *lo, biggest);
}

TEST(Shard, MeasuredSecondsDecideTheSplit) {
  auto all = everything();
  // Every case measured at 1 s but one far slower than all the others
  // together, whatever their sizes: it is alone in its shard.
  std::map<std::string, double> measured;
  for (const auto& c : all) measured[c.spec.key()] = 1;
  measured[all[5].spec.key()] = 1e9;
  int alone = 0;
  for (int k = 1; k <= 2; k++) {
    auto part = shard_cases(all, k, 2, measured);
    bool has = std::any_of(part.begin(), part.end(), [&](const SelectedCase& c) { return c.spec.key() == all[5].spec.key(); });
    if (has) {
      EXPECT_EQ(part.size(), 1u);
      alone++;
    }
  }
  EXPECT_EQ(alone, 1);
}

TEST(Shard, ParseRefusesWhatIsNotKOfN) {
  EXPECT_EQ(parse_shard("2/3"), std::make_pair(2, 3));
  for (const char* bad : {"0/3", "4/3", "3", "a/b", "1/0", "01/3", "1/3/4", "-1/3", "1/100000"}) {
    try {
      parse_shard(bad);
      ADD_FAILURE() << bad << " accepted";
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()).rfind(std::string("--shard ") + bad + ": ", 0), 0u) << e.what();
    }
  }
}

TEST(Shard, MergeRefusesDifferentBuilds) {
  report::Report a, b;
  a.environment["commit"] = "abc";
  b.environment["commit"] = "def";
  EXPECT_THROW(merge_reports({a, b}, {"a.json", "b.json"}), std::runtime_error);
}

}  // namespace
}  // namespace nineml::conformance
