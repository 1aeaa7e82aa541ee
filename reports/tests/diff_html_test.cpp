// diff.html (report diff --html): what moved, regressions first, unchanged
// cases counted only, both environments side by side, every text escaped.
#include <string>

#include <gtest/gtest.h>

#include "report.hpp"
#include "sample.hpp"

namespace nineml::report {
namespace {

using namespace testing;

std::string page(const Report& old_r, const Report& new_r, const DiffOptions& opt = {},
                 const std::string& old_path = "old/report.json", const std::string& new_path = "new/report.json") {
  ScratchDir dir;
  const DiffResult d = diff_reports(old_r, new_r, opt);
  write_diff_html(d, old_r, new_r, opt, old_path, new_path, dir.file("diff.html"));
  return slurp(dir.file("diff.html"));
}

// The rows below the header of the first table of class "moved CLS" (empty
// when the page has none).
std::string table_of(const std::string& html, const std::string& cls) {
  const size_t start = html.find("<table class=\"moved " + cls + "\">");
  if (start == std::string::npos) return "";
  const size_t head = html.find("</tr>\n", start) + 6;
  return html.substr(head, html.find("</table>", start) - head);
}

size_t at(const std::string& html, const std::string& what) {
  const size_t p = html.find(what);
  EXPECT_NE(p, std::string::npos) << what << "\n" << html;
  return p;
}

// make_report with one case of every kind of change.
void every_change(Report& old_r, Report& new_r) {
  new_r.cases[0].passed = false;  // softmax n=17 scalar: newly failing
  new_r.cases[0].failure = "bound ratio 3 > 1";
  new_r.cases[1].max_ulp = 5;     // softmax n=33 scalar: 2 -> 5 ULP, grew
  new_r.cases[2].passed = true;   // softmax avx2: newly passing
  old_r.cases[3].bound_ratio = 0.8;  // rmsnorm: shrank
  new_r.cases.push_back(make_case("matmul", "engine-scalar", "d=8/normal/seed=1", true, 1));   // added
  old_r.cases.push_back(make_case("silu", "engine-scalar", "n=1/normal/seed=1", true, 1));     // removed
  old_r.cases.push_back(make_case("silu", "engine-scalar", "n=2/normal/seed=1", false, 99));   // unchanged, failing
  new_r.cases.push_back(old_r.cases.back());
  old_r.cases.push_back(make_case("silu", "engine-scalar", "n=3/normal/seed=1", true, 1));     // unchanged
  new_r.cases.push_back(old_r.cases.back());
}

TEST(DiffHtml, SelfContainedAndNoScripts) {
  Report old_r = make_report(), new_r = make_report();
  every_change(old_r, new_r);
  const std::string html = page(old_r, new_r);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<title>9ml report diff</title>"), std::string::npos);
  for (const char* s : {"<script", "http", "<link", "src=", "<img"}) EXPECT_EQ(html.find(s), std::string::npos) << s;
  EXPECT_NE(html.find("</html>"), std::string::npos);
  // index.html's stylesheet (html_page.cpp), not a copy.
  EXPECT_NE(html.find("td.num { text-align: right;"), std::string::npos);
}

TEST(DiffHtml, MovedCasesRegressionsFirstUnchangedOnlyCounted) {
  Report old_r = make_report(), new_r = make_report();
  every_change(old_r, new_r);
  const std::string html = page(old_r, new_r);
  EXPECT_NE(html.find("<p class=\"fail\">REGRESSION: 2 regression(s) between OLD and NEW</p>"), std::string::npos)
      << html;
  // The counts in one row, in the order of the sections: regressions first
  // (newly failing cases, kernel x impl maxima), unchanged last.
  EXPECT_NE(html.find("<table class=\"counts\">\n<tr><th><a href=\"#newly-failing\">Newly failing (passed in OLD)</a></th>"
                      "<th><a href=\"#kernel-maxima\">Kernel x impl maxima grown past x2</a></th>"
                      "<th><a href=\"#grew\">Error grew by more than x2</a></th>"
                      "<th><a href=\"#removed\">Removed (only in OLD)</a></th>"
                      "<th><a href=\"#added\">Added (only in NEW)</a></th>"
                      "<th><a href=\"#newly-passing\">Newly passing (failed in OLD)</a></th>"
                      "<th><a href=\"#shrank\">Error shrank by more than x2</a></th>"
                      "<th><a href=\"#unchanged\">Unchanged</a></th></tr>\n"
                      "<tr><td class=\"num fail\">1</td><td class=\"num fail\">1</td><td class=\"num fail\">1</td>"
                      "<td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num better\">1</td>"
                      "<td class=\"num better\">1</td><td class=\"num\">2</td></tr>\n</table>"),
            std::string::npos)
      << html;
  size_t last = at(html, "<section id=\"summary\">");
  for (const char* id : {"newly-failing", "kernel-maxima", "grew", "removed", "added", "newly-passing", "shrank"}) {
    const size_t t = at(html, std::string("<section id=\"") + id + "\">");
    EXPECT_LT(last, t) << id;
    last = t;
    if (std::string(id) != "kernel-maxima") {
      EXPECT_EQ(count(table_of(html, id), "<tr"), 1u) << id;
    }
  }
  EXPECT_LT(last, at(html, "<section id=\"unchanged\">"));
  // The newly failing row: kernel, impl, case, verdicts with the new failure,
  // max error (in its unit) and bound ratio old and new, repro.
  EXPECT_EQ(table_of(html, "newly-failing"),
            "<tr class=\"fail\"><td>softmax</td><td>engine-scalar</td><td><code>softmax/n=17/normal/seed=1</code></td>"
            "<td>pass &#8594; FAIL<br><small>bound ratio 3 &gt; 1</small></td><td class=\"num\">1 ULP</td>"
            "<td class=\"num\">1 ULP</td><td class=\"num\">0.01562</td><td class=\"num\">0.01562</td>"
            "<td><code>9ml conform --kernel softmax --impl engine-scalar --case softmax/n=17/normal/seed=1</code></td>"
            "</tr>\n");
  // Absent sides are a dash; the repro is the side that exists.
  EXPECT_NE(table_of(html, "added").find("<td>&#8212; &#8594; pass</td><td class=\"num\">&#8212;</td><td class=\"num\">1"),
            std::string::npos);
  EXPECT_NE(table_of(html, "removed").find("--case silu/n=1/normal/seed=1</code>"), std::string::npos);
  // Unchanged cases are counted per kernel x impl, never listed.
  EXPECT_EQ(html.find("silu/n=2/"), std::string::npos);
  EXPECT_EQ(html.find("silu/n=3/"), std::string::npos);
  EXPECT_NE(html.find("2 cases with the same verdict and an error within the factor (1 failing in both)"),
            std::string::npos);
  EXPECT_NE(html.find("<tr class=\"fail\"><td>silu</td><td>engine-scalar</td><td class=\"num\">2</td>"
                      "<td class=\"num\">1</td></tr>"),
            std::string::npos);
}

TEST(DiffHtml, KernelLevelGrowthIsListedAsARegression) {
  Report old_r = make_report(), new_r = make_report();
  new_r.cases[1].max_ulp = 5;  // softmax/scalar max ULP 2 -> 5
  const std::string html = page(old_r, new_r);
  EXPECT_NE(html.find("<section id=\"kernel-maxima\">\n<h2>Kernel x impl maxima grown past x2 (1)</h2>\n<ul>\n"
                      "<li class=\"fail\">softmax [engine-scalar]: max ULP 2 -&gt; 5 (x2.5, limit x2)</li>\n</ul>"),
            std::string::npos)
      << html;
}

TEST(DiffHtml, NoRegressionSaysSoAndListsNothing) {
  const Report r = make_report();
  const std::string html = page(r, r);
  EXPECT_NE(html.find("<p class=\"pass\">NO REGRESSION: 0 regression(s) between OLD and NEW</p>"), std::string::npos);
  EXPECT_NE(html.find("<h2>Kernel x impl maxima grown past x2 (0)</h2>\n<p>None:"), std::string::npos);
  EXPECT_EQ(html.find("<table class=\"moved"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"num\">0</td><td class=\"num\">4</td></tr>\n</table>"), std::string::npos) << html;
}

// Environments side by side: a value that differs or is in one report only
// is marked; file names and times are never compared; other equal values
// are folded.
TEST(DiffHtml, EnvironmentsSideBySideWithDifferencesMarked) {
  Report old_r = make_report(), new_r = make_report();
  old_r.environment = {{"commit", "abc"}, {"cpu_model", "Old CPU"}, {"compiler", "GNU 12"}, {"os", "Linux 6"}};
  new_r.environment = {{"commit", "abd-dirty"}, {"cpu_model", "New CPU"}, {"compiler", "GNU 12"},
                       {"fault_injection", "softmax"}, {"os", "Linux 6"}};
  new_r.created_utc = "2025-01-01T00:00:00Z";
  const std::string html = page(old_r, new_r);
  EXPECT_NE(html.find("<caption>Where each ran: 3 value(s) differ (highlighted)</caption>\n"
                      "<tr><th></th><th>OLD</th><th>NEW</th></tr>\n"
                      "<tr><th>report</th><td>old/report.json</td><td>new/report.json</td></tr>\n"
                      "<tr><th>created</th><td>2024-01-02T03:04:05Z</td><td>2025-01-01T00:00:00Z</td></tr>\n"),
            std::string::npos)
      << html;
  // The keys people compare first, then the rest by name.
  const size_t commit = at(html, "<tr class=\"changed\"><th>commit <small>(differs)</small></th><td>abc</td>"
                                 "<td>abd-dirty</td></tr>");
  const size_t cpu = at(html, "<tr class=\"changed\"><th>cpu_model <small>(differs)</small></th><td>Old CPU</td>"
                              "<td>New CPU</td></tr>");
  const size_t compiler = at(html, "<tr><th>compiler</th><td>GNU 12</td><td>GNU 12</td></tr>");
  const size_t fault = at(html, "<tr class=\"changed\"><th>fault_injection <small>(differs)</small></th>"
                                "<td>&#8212;</td><td>softmax</td></tr>");
  const size_t os = at(html, "<tr><th>os</th><td>Linux 6</td><td>Linux 6</td></tr>");
  EXPECT_LT(at(html, "<tr><th>command</th><td>9ml conform --all</td><td>9ml conform --all</td></tr>\n"
                    "<tr><th>host</th><td>host</td><td>host</td></tr>\n"),
            commit);
  EXPECT_LT(commit, cpu);
  EXPECT_LT(cpu, compiler);
  EXPECT_LT(compiler, fault);
  EXPECT_LT(fault, os);
  // Equal values other than the four compared first fold away.
  EXPECT_LT(at(html, "<details><summary>1 more environment value(s), the same in both</summary>"), os);
  EXPECT_NE(html.find("<p class=\"fault\">Fault injection was on in NEW (<code>NINEML_FAULT=softmax</code>)"),
            std::string::npos);
  EXPECT_EQ(html.find("Fault injection was on in OLD"), std::string::npos);
}

// Regressions are all listed; the other tables stop at 100 rows and say so,
// their counts staying complete.
TEST(DiffHtml, OnlyRegressionTablesAreListedInFull) {
  Report old_r, new_r;
  for (int i = 0; i < 150; i++) {
    const std::string id = "n=" + std::to_string(i) + "/normal/seed=1";
    old_r.cases.push_back(make_case("softmax", "engine-scalar", id, true, 1));
    new_r.cases.push_back(make_case("softmax", "engine-scalar", id, false, 1));
    new_r.cases.push_back(make_case("rmsnorm", "engine-scalar", id, true, 1));
  }
  const std::string html = page(old_r, new_r);
  EXPECT_EQ(count(table_of(html, "newly-failing"), "<tr"), 150u);
  EXPECT_EQ(count(table_of(html, "added"), "<tr"), 100u);
  EXPECT_NE(html.find("<h2>Added (only in NEW) (150)</h2>\n<p>The first 100 in key order;"), std::string::npos);
}

// Every name, message and path from the reports is text, never markup.
TEST(DiffHtml, EscapesCraftedNamesAndMessages) {
  Report old_r = crafted_report(), new_r = crafted_report();
  old_r.cases[2].passed = true;  // newly failing, with the crafted failure and repro
  new_r.cases.push_back(make_case("a<&>b", "engine-<&>", "n=1/<&>/seed=1", true, 1));  // added
  old_r.cases.push_back(make_case("gone<&>", "engine-scalar", "n=2/<script>/seed=1", true, 1));  // removed
  old_r.environment = {{"cpu_model", "<script>alert(7)</script>"}, {"k<&>", "v<&>"}};
  new_r.environment = {{"cpu_model", "<b>cpu</b>"}, {"fault_injection", "<i>softmax</i>"}};
  const std::string html = page(old_r, new_r, {}, "old<script>.json", "new&<b>.json");
  expect_no_markup(html);
  for (const char* s : {"a&lt;&amp;&gt;b", "engine-&lt;&amp;&gt;", "<code>a&lt;&amp;&gt;b/n=1/&lt;&amp;&gt;/seed=1</code>",
                        "gone&lt;&amp;&gt;/n=2/&lt;script&gt;/seed=1", "soft&lt;b&gt;max&lt;/b&gt;|k",
                        "<code>a|&lt;script&gt;alert(1)&lt;/script&gt;`b</code>",
                        "<small>&lt;script&gt;alert(2)&lt;/script&gt;|`x` &amp; \\&#10;line two</small>",
                        "<code>9ml conform --case &apos;&lt;script&gt;alert(3)&lt;/script&gt;|&apos;</code>",
                        "<td>&lt;script&gt;alert(7)&lt;/script&gt;</td><td>&lt;b&gt;cpu&lt;/b&gt;</td>",
                        "<th>k&lt;&amp;&gt; <small>(differs)</small></th><td>v&lt;&amp;&gt;</td><td>&#8212;</td>",
                        "<td>old&lt;script&gt;.json</td><td>new&amp;&lt;b&gt;.json</td>",
                        "<code>NINEML_FAULT=&lt;i&gt;softmax&lt;/i&gt;</code>",
                        "<td>&lt;script&gt;alert(5)&lt;/script&gt;</td>"})
    EXPECT_NE(html.find(s), std::string::npos) << s << "\n" << html;
  EXPECT_EQ(count(table_of(html, "newly-failing"), "<tr"), 1u);
  EXPECT_EQ(count(table_of(html, "added"), "<tr"), 1u);
  EXPECT_EQ(count(table_of(html, "removed"), "<tr"), 1u);
}

}  // namespace
}  // namespace nineml::report
