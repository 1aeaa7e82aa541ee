// report diff: what counts as a regression and what is only a note.
#include <cmath>
#include <limits>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "report.hpp"
#include "sample.hpp"

namespace nineml::report {
namespace {

using testing::make_case;
using testing::make_report;
using testing::crafted_report;
using testing::expect_no_markup;
using testing::unescaped_pipes;
using testing::without_code_spans;

std::string joined(const std::vector<Regression>& rs) {
  std::string s;
  for (const auto& r : rs) s += r.what + "\n";
  return s;
}

// report diff --across's Markdown (--md): kernel names, case keys, impls and
// failure messages are text, as in summary.md.
TEST(Across, MarkdownEscapesCraftedNamesAndMessages) {
  Report old_r = crafted_report(), new_r = crafted_report();
  old_r.cases[2].passed = true;  // a regression, whose message is the crafted failure
  for (CaseResult& c : new_r.cases) c.max_ulp += 1;  // every case differs
  const AcrossResult r = diff_across(old_r, new_r, "engine-<i>x</i>|y", "engine-<i>x</i>|y");
  ASSERT_FALSE(r.rows.empty());
  ASSERT_EQ(r.regressions.size(), 1u);
  const std::string md = across_markdown(r, "old<script>.json", "new|.json");
  expect_no_markup(without_code_spans(md));
  std::istringstream lines(md);
  size_t rows = 0;
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("| ", 0) == 0) {
      EXPECT_EQ(unescaped_pipes(line), 9u) << line;
      rows++;
    }
  EXPECT_EQ(rows, 2u + r.rows.size()) << md;
  EXPECT_NE(md.find("fails: &lt;script&gt;alert(2)&lt;/script&gt;\\|\\`x\\` &amp; \\\\ line two\n"), std::string::npos)
      << md;
}

TEST(Diff, IdenticalReportsHaveNoRegressions) {
  Report r = make_report();
  DiffResult d = diff_reports(r, r, {});
  EXPECT_TRUE(d.regressions.empty()) << joined(d.regressions);
  EXPECT_TRUE(d.notes.empty());
}

TEST(Diff, PassThenFailIsARegression) {
  Report old_r = make_report(), new_r = make_report();
  new_r.cases[0].passed = false;
  new_r.cases[0].failure = "bound ratio 1.5 > 1";
  auto rs = diff(old_r, new_r, {});
  ASSERT_EQ(rs.size(), 1u) << joined(rs);
  EXPECT_EQ(rs[0].what, "softmax/n=17/normal/seed=1 [engine-scalar]: passed, now fails: bound ratio 1.5 > 1");
}

TEST(Diff, FailThenPassIsOnlyANote) {
  Report old_r = make_report(), new_r = make_report();
  new_r.cases[2].passed = true;
  DiffResult d = diff_reports(old_r, new_r, {});
  EXPECT_TRUE(d.regressions.empty()) << joined(d.regressions);
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_EQ(d.notes[0], "softmax/n=17/normal/seed=1 [engine-avx2]: failed, now passes");
}

TEST(Diff, UlpGrowthPastTheFactorIsFlagged) {
  Report old_r = make_report(), new_r = make_report();
  new_r.cases[1].max_ulp = 5;  // engine-scalar softmax: 2 -> 5, x2.5
  auto rs = diff(old_r, new_r, {});
  ASSERT_EQ(rs.size(), 1u) << joined(rs);
  EXPECT_EQ(rs[0].what, "softmax [engine-scalar]: max ULP 2 -> 5 (x2.5, limit x2)");
}

TEST(Diff, UlpGrowthWithinTheFactorIsNotFlagged) {
  Report old_r = make_report(), new_r = make_report();
  new_r.cases[1].max_ulp = 4;  // exactly x2
  EXPECT_TRUE(diff(old_r, new_r, {}).empty());
}

TEST(Diff, UlpGrowthBelowTheFloorIsNotFlagged) {
  Report old_r = make_report(), new_r = make_report();
  old_r.cases[3].max_ulp = 0;  // rmsnorm 0 -> 1 ULP: infinite factor, but at the floor
  new_r.cases[3].max_ulp = 1;
  EXPECT_TRUE(diff(old_r, new_r, {}).empty());
  new_r.cases[3].max_ulp = 1.5;
  auto rs = diff(old_r, new_r, {});
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].what, "rmsnorm [engine-scalar]: max ULP 0 -> 1.5 (x inf, was 0, limit x2)");
  DiffOptions wide;
  wide.ulp_floor = 4;
  EXPECT_TRUE(diff(old_r, new_r, wide).empty());
}

TEST(Diff, BoundRatioGrowthIsFlaggedAboveItsFloor) {
  Report old_r = make_report(), new_r = make_report();
  old_r.cases[3].bound_ratio = 0.001;
  new_r.cases[3].bound_ratio = 0.009;  // x9 but still negligible
  EXPECT_TRUE(diff(old_r, new_r, {}).empty());
  new_r.cases[3].bound_ratio = 0.5;
  auto rs = diff(old_r, new_r, {});
  ASSERT_EQ(rs.size(), 1u) << joined(rs);
  EXPECT_EQ(rs[0].what, "rmsnorm [engine-scalar]: max bound ratio 0.001 -> 0.5 (x500, limit x2)");
}

TEST(Diff, BecomingNanIsARegression) {
  Report old_r = make_report(), new_r = make_report();
  new_r.cases[3].max_ulp = std::numeric_limits<double>::quiet_NaN();
  auto rs = diff(old_r, new_r, {});
  ASSERT_EQ(rs.size(), 1u) << joined(rs);
  EXPECT_EQ(rs[0].what, "rmsnorm [engine-scalar]: max ULP 0 -> nan (became nan, limit x2)");
  EXPECT_TRUE(diff(new_r, new_r, {}).empty());
}

TEST(Diff, AddedAndRemovedCasesAreNotesNotRegressions) {
  Report old_r = make_report(), new_r = make_report();
  new_r.cases.erase(new_r.cases.begin() + 3);  // rmsnorm gone
  new_r.cases.push_back(make_case("matmul", "engine-scalar", "d=8,n=16/normal/seed=1", false, 9000));
  DiffResult d = diff_reports(old_r, new_r, {});
  EXPECT_TRUE(d.regressions.empty()) << joined(d.regressions);
  ASSERT_EQ(d.notes.size(), 2u);
  EXPECT_EQ(d.notes[0], "matmul/d=8,n=16/normal/seed=1 [engine-scalar]: new case, not in the old report");
  EXPECT_EQ(d.notes[1], "rmsnorm/n=17/normal/seed=1 [engine-scalar]: gone, not in the new report");
}

TEST(Diff, RepeatedCasesAreNoted) {
  Report old_r = make_report(), new_r = make_report();
  new_r.cases.push_back(new_r.cases[0]);
  DiffResult d = diff_reports(old_r, new_r, {});
  EXPECT_TRUE(d.regressions.empty());
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_EQ(d.notes[0],
            "softmax/n=17/normal/seed=1 [engine-scalar]: repeated in the new report; only the first is compared");
}

// Each case's change, as diff.html lists it: verdicts first, then error
// growth and shrinkage by the factor with the kernel-level floors.
std::map<std::string, CaseChange> changes(const DiffResult& d) {
  std::map<std::string, CaseChange> m;
  for (const CaseDiff& c : d.cases) {
    const CaseResult& any = c.new_case ? *c.new_case : *c.old_case;
    EXPECT_TRUE(m.emplace(any.case_id + " " + any.impl, c.change).second) << any.case_id;
  }
  return m;
}

TEST(Diff, EveryCaseGetsOneChange) {
  Report old_r = make_report(), new_r = make_report();
  new_r.cases[0].passed = false;                     // softmax n=17 scalar: newly failing
  new_r.cases[1].max_ulp = 5;                        // softmax n=33 scalar: 2 -> 5 ULP, grew
  new_r.cases[2].passed = true;                      // softmax avx2: newly passing
  old_r.cases[3].bound_ratio = 0.8;                  // rmsnorm: 0.8 -> 0 bound ratio, shrank
  new_r.cases.push_back(make_case("matmul", "engine-scalar", "d=8/normal/seed=1", true, 1));  // added
  old_r.cases.push_back(make_case("silu", "engine-scalar", "n=1/normal/seed=1", true, 1));    // removed
  const DiffResult d = diff_reports(old_r, new_r, {});
  ASSERT_EQ(d.cases.size(), 6u);
  const auto m = changes(d);
  EXPECT_EQ(m.at("softmax/n=17/normal/seed=1 engine-scalar"), CaseChange::newly_failing);
  EXPECT_EQ(m.at("softmax/n=33/normal/seed=1 engine-scalar"), CaseChange::grew);
  EXPECT_EQ(m.at("softmax/n=17/normal/seed=1 engine-avx2"), CaseChange::newly_passing);
  EXPECT_EQ(m.at("rmsnorm/n=17/normal/seed=1 engine-scalar"), CaseChange::shrank);
  EXPECT_EQ(m.at("matmul/d=8/normal/seed=1 engine-scalar"), CaseChange::added);
  EXPECT_EQ(m.at("silu/n=1/normal/seed=1 engine-scalar"), CaseChange::removed);
  // The last one only in OLD, with no new case; an added one has no old case.
  EXPECT_EQ(d.cases.back().change, CaseChange::removed);
  EXPECT_EQ(d.cases.back().new_case, nullptr);
  for (const CaseDiff& c : d.cases) {
    if (c.change == CaseChange::added) {
      EXPECT_EQ(c.old_case, nullptr);
    }
  }
}

TEST(Diff, CaseErrorWithinTheFactorOrBelowTheFloorIsUnchanged) {
  Report old_r = make_report(), new_r = make_report();
  new_r.cases[1].max_ulp = 4;      // exactly x2
  new_r.cases[1].bound_ratio = 0;  // 2/64 -> 0: shrank, but the ULP did not grow
  new_r.cases[3].max_ulp = 1;      // 0 -> 1 ULP: at the floor
  new_r.cases[2].max_ulp = 900;    // failing in both, x3: grew (the verdict did not move)
  const auto m = changes(diff_reports(old_r, new_r, {}));
  EXPECT_EQ(m.at("softmax/n=17/normal/seed=1 engine-scalar"), CaseChange::unchanged);
  EXPECT_EQ(m.at("softmax/n=33/normal/seed=1 engine-scalar"), CaseChange::shrank);
  EXPECT_EQ(m.at("rmsnorm/n=17/normal/seed=1 engine-scalar"), CaseChange::unchanged);
  EXPECT_EQ(m.at("softmax/n=17/normal/seed=1 engine-avx2"), CaseChange::grew);
  // Becoming NaN is growth; a NaN that goes away is shrinkage.
  Report nan_r = make_report();
  nan_r.cases[3].bound_ratio = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(changes(diff_reports(old_r, nan_r, {})).at("rmsnorm/n=17/normal/seed=1 engine-scalar"), CaseChange::grew);
  EXPECT_EQ(changes(diff_reports(nan_r, old_r, {})).at("rmsnorm/n=17/normal/seed=1 engine-scalar"), CaseChange::shrank);
}

}  // namespace
}  // namespace nineml::report
