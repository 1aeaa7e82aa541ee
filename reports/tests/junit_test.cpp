// junit.xml: structure, counts and escaping, checked with a minimal parse.
#include <string>

#include <gtest/gtest.h>

#include "report.hpp"
#include "sample.hpp"

namespace nineml::report {
namespace {

using namespace testing;

// The value of attribute `name` in the first element starting at or after `from`.
std::string attribute(const std::string& xml, size_t from, const std::string& name) {
  size_t p = xml.find(" " + name + "=\"", from);
  if (p == std::string::npos) return "";
  p += name.size() + 3;
  return xml.substr(p, xml.find('"', p) - p);
}

TEST(Junit, OneSuitePerKernelOneCasePerCase) {
  ScratchDir dir;
  write_junit(make_report(), dir.file("junit.xml"));
  std::string xml = slurp(dir.file("junit.xml"));
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites ", 0), 0u);
  EXPECT_EQ(count(xml, "<testsuite "), 2u);  // rmsnorm, softmax
  EXPECT_EQ(count(xml, "</testsuite>"), 2u);
  EXPECT_EQ(count(xml, "<testcase "), 4u);
  EXPECT_EQ(count(xml, "<failure "), 1u);
  EXPECT_EQ(count(xml, "</failure>"), 1u);
  EXPECT_EQ(attribute(xml, xml.find("<testsuites"), "tests"), "4");
  EXPECT_EQ(attribute(xml, xml.find("<testsuites"), "failures"), "1");
  size_t fail_case = xml.find("<testcase name=\"softmax/n=17/normal/seed=1\" classname=\"9ml.engine-avx2.softmax\"");
  ASSERT_NE(fail_case, std::string::npos) << xml;
  size_t failure = xml.find("<failure ", fail_case);
  ASSERT_NE(failure, std::string::npos);
  EXPECT_EQ(attribute(xml, failure, "message"), "max ULP over bound");
  EXPECT_NE(xml.find("repro: 9ml conform --kernel softmax --impl engine-avx2", failure), std::string::npos);
  EXPECT_NE(xml.find("<testcase name=\"rmsnorm/n=17/normal/seed=1\" classname=\"9ml.engine-scalar.rmsnorm\""),
            std::string::npos);
}

TEST(Junit, EnvironmentIsEverySuitesProperties) {
  ScratchDir dir;
  Report r = make_report();
  r.environment = {{"commit", "abc"}, {"cpu_model", "A <b> & \"c\""}};
  write_junit(r, dir.file("junit.xml"));
  std::string xml = slurp(dir.file("junit.xml"));
  size_t suites = 0, props = 0;
  for (size_t p = xml.find("<testsuite "); p != std::string::npos; p = xml.find("<testsuite ", p + 1)) suites++;
  for (size_t p = xml.find("<properties>"); p != std::string::npos; p = xml.find("<properties>", p + 1)) props++;
  EXPECT_EQ(suites, 2u);
  EXPECT_EQ(props, suites);
  EXPECT_NE(xml.find("<property name=\"cpu_model\" value=\"A &lt;b&gt; &amp; &quot;c&quot;\"/>"), std::string::npos)
      << xml;
  // Properties come before the suite's test cases (the JUnit schema's order).
  EXPECT_LT(xml.find("</properties>"), xml.find("<testcase"));
}

TEST(Junit, NotRunImplementationsAreSkippedTestsWithTheirReason) {
  ScratchDir dir;
  Report r = make_report();
  r.not_run = {{"engine-avx512", "this CPU lacks avx512f"}, {"engine-<x>", "a & b"}};
  write_junit(r, dir.file("junit.xml"));
  std::string xml = slurp(dir.file("junit.xml"));
  EXPECT_NE(xml.find("<testsuites name=\"9ml\" tests=\"6\" failures=\"1\" skipped=\"2\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testsuite name=\"not_run\" tests=\"2\" failures=\"0\" errors=\"0\" skipped=\"2\""),
            std::string::npos);
  EXPECT_NE(xml.find("<testcase name=\"engine-avx512\" classname=\"9ml.not_run\" time=\"0.000000\">\n"
                     "      <skipped message=\"this CPU lacks avx512f\"/>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<testcase name=\"engine-&lt;x&gt;\""), std::string::npos);
  EXPECT_NE(xml.find("<skipped message=\"a &amp; b\"/>"), std::string::npos);
}

TEST(Junit, EscapesMarkupInNamesAndMessages) {
  ScratchDir dir;
  Report r = make_report();
  r.cases[2].failure = "got <nan> & \"inf\" > bound\x01";
  r.cases[2].repro = "9ml conform --case 'a<b'";
  r.cases[2].case_id = "softmax/<odd>&\"name\"";
  write_junit(r, dir.file("junit.xml"));
  std::string xml = slurp(dir.file("junit.xml"));
  size_t failure = xml.find("<failure ");
  ASSERT_NE(failure, std::string::npos);
  EXPECT_EQ(attribute(xml, failure, "message"),
            "got &lt;nan&gt; &amp; &quot;inf&quot; &gt; bound\\x01");
  EXPECT_NE(xml.find("repro: 9ml conform --case &apos;a&lt;b&apos;</failure>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"softmax/&lt;odd&gt;&amp;&quot;name&quot;\""), std::string::npos);
  // No raw markup characters leak: every '<' starts a known tag or declaration.
  for (size_t p = xml.find('<'); p != std::string::npos; p = xml.find('<', p + 1)) {
    std::string tag = xml.substr(p, 12);
    EXPECT_TRUE(tag.rfind("<?xml", 0) == 0 || tag.rfind("<testsuite", 0) == 0 || tag.rfind("</testsuite", 0) == 0 ||
                tag.rfind("<testcase", 0) == 0 || tag.rfind("</testcase", 0) == 0 ||
                tag.rfind("<failure", 0) == 0 || tag.rfind("</failure", 0) == 0)
        << tag;
  }
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
}

}  // namespace
}  // namespace nineml::report
