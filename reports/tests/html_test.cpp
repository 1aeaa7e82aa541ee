// index.html: self-contained, one histogram per kernel x impl, escaped text.
#include <string>

#include <gtest/gtest.h>

#include "report.hpp"
#include "sample.hpp"

namespace nineml::report {
namespace {

using namespace testing;

TEST(Html, OneSvgPerKernelImplAndNoExternalAssets) {
  ScratchDir dir;
  Report r = make_report();
  write_html(r, dir.file("index.html"));
  std::string html = slurp(dir.file("index.html"));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(count(html, "<svg "), summarize(r).size());
  EXPECT_EQ(count(html, "<svg "), count(html, "</svg>"));
  EXPECT_EQ(html.find("http"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

TEST(Html, FailedCasesAreHighlightedAndLabelsShown) {
  ScratchDir dir;
  write_html(make_report(), dir.file("index.html"));
  std::string html = slurp(dir.file("index.html"));
  EXPECT_NE(html.find("<li class=\"fail\"><code>softmax/n=17/normal/seed=1</code>"), std::string::npos);
  EXPECT_NE(html.find("<tr class=\"fail\"><td><a href=\"#s"), std::string::npos);
  EXPECT_NE(html.find(">(0,1]</text>"), std::string::npos);
  EXPECT_NE(html.find(">(256,512]</text>"), std::string::npos);
}

TEST(Html, EscapesText) {
  ScratchDir dir;
  Report r = make_report();
  r.cases[2].failure = "<script>alert(1)</script>";
  r.command = "9ml conform --impl 'a&b'";
  write_html(r, dir.file("index.html"));
  std::string html = slurp(dir.file("index.html"));
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("9ml conform --impl &apos;a&amp;b&apos;"), std::string::npos);
}

// Every text from the cases and the run (kernel, impl, case key, failure,
// repro, tolerance, host, command) is escaped: no crafted markup survives.
TEST(Html, EscapesCraftedNamesAndMessages) {
  ScratchDir dir;
  write_html(crafted_report(), dir.file("index.html"));
  std::string html = slurp(dir.file("index.html"));
  expect_no_markup(html);
  EXPECT_NE(html.find("<code>a|&lt;script&gt;alert(1)&lt;/script&gt;`b</code>"), std::string::npos) << html;
  EXPECT_NE(html.find("&lt;script&gt;alert(2)&lt;/script&gt;|`x` &amp; \\&#10;line two"), std::string::npos) << html;
  EXPECT_NE(html.find("soft&lt;b&gt;max&lt;/b&gt;|k"), std::string::npos);
  EXPECT_NE(html.find("engine-&lt;i&gt;x&lt;/i&gt;|y"), std::string::npos);
  EXPECT_NE(html.find("host: &lt;script&gt;alert(5)&lt;/script&gt;"), std::string::npos);
}

TEST(Html, EnvironmentTable) {
  ScratchDir dir;
  Report r = make_report();
  r.environment = {{"commit", "abc"}, {"cpu_model", "<script>x</script>"}};
  write_html(r, dir.file("index.html"));
  std::string html = slurp(dir.file("index.html"));
  EXPECT_NE(html.find("<caption>Environment</caption>"), std::string::npos);
  EXPECT_NE(html.find("<tr><th>commit</th><td>abc</td></tr>"), std::string::npos);
  EXPECT_NE(html.find("<tr><th>cpu_model</th><td>&lt;script&gt;x&lt;/script&gt;</td></tr>"), std::string::npos);
}

TEST(Html, EmptyHistogramStillDrawsAFrame) {
  ScratchDir dir;
  Report r = make_report();
  for (CaseResult& c : r.cases) c.ulp_histogram.clear();
  write_html(r, dir.file("index.html"));
  std::string html = slurp(dir.file("index.html"));
  EXPECT_EQ(count(html, "<svg "), 3u);
  EXPECT_EQ(count(html, "no ULP histogram recorded"), 3u);
}

}  // namespace
}  // namespace nineml::report
