// junit.xml: structure, counts and escaping, read back with pugixml.
#include <string>

#include <gtest/gtest.h>
#include <pugixml.hpp>

#include "report.hpp"
#include "sample.hpp"

namespace nineml::report {
namespace {

using namespace testing;

// The file parsed; fails the test if it is not well-formed XML.
pugi::xml_document parse(const std::string& path) {
  pugi::xml_document doc;
  pugi::xml_parse_result ok = doc.load_file(path.c_str());
  EXPECT_TRUE(ok) << path << ": " << ok.description() << " at byte " << ok.offset << ":\n" << slurp(path);
  return doc;
}

TEST(Junit, OneSuitePerKernelOneCasePerCase) {
  ScratchDir dir;
  write_junit(make_report(), dir.file("junit.xml"));
  std::string xml = slurp(dir.file("junit.xml"));
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites ", 0), 0u);
  pugi::xml_document doc = parse(dir.file("junit.xml"));
  pugi::xml_node root = doc.child("testsuites");
  EXPECT_STREQ(root.attribute("name").value(), "9ml");
  EXPECT_STREQ(root.attribute("tests").value(), "4");
  EXPECT_STREQ(root.attribute("failures").value(), "1");
  EXPECT_STREQ(root.attribute("skipped").value(), "0");
  EXPECT_STREQ(root.attribute("time").value(), "1.500000");
  EXPECT_EQ(doc.select_nodes("/testsuites/testsuite").size(), 2u);  // rmsnorm, softmax
  EXPECT_EQ(doc.select_nodes("//testcase").size(), 4u);
  EXPECT_EQ(doc.select_nodes("//failure").size(), 1u);
  pugi::xml_node softmax = root.find_child_by_attribute("testsuite", "name", "softmax");
  EXPECT_STREQ(softmax.attribute("tests").value(), "3");
  EXPECT_STREQ(softmax.attribute("failures").value(), "1");
  EXPECT_STREQ(softmax.attribute("errors").value(), "0");
  EXPECT_STREQ(softmax.attribute("skipped").value(), "0");
  EXPECT_STREQ(softmax.attribute("time").value(), "0.030000");
  EXPECT_STREQ(softmax.attribute("hostname").value(), "host");
  EXPECT_STREQ(root.first_child().attribute("name").value(), "rmsnorm");  // kernels in name order

  pugi::xml_node fail_case =
      doc.select_node("//testcase[@name='softmax/n=17/normal/seed=1'][@classname='9ml.engine-avx2.softmax']").node();
  ASSERT_TRUE(fail_case) << xml;
  EXPECT_STREQ(fail_case.attribute("time").value(), "0.010000");
  pugi::xml_node failure = fail_case.child("failure");
  EXPECT_STREQ(failure.attribute("message").value(), "max ULP over bound");
  EXPECT_STREQ(failure.attribute("type").value(), "bound");
  EXPECT_STREQ(failure.text().get(),
               "max ULP over bound\nrepro: 9ml conform --kernel softmax --impl engine-avx2 --case "
               "softmax/n=17/normal/seed=1");
  pugi::xml_node pass_case =
      doc.select_node("//testcase[@name='rmsnorm/n=17/normal/seed=1'][@classname='9ml.engine-scalar.rmsnorm']").node();
  ASSERT_TRUE(pass_case);
  EXPECT_FALSE(pass_case.first_child()) << "a passed case has no children";
}

TEST(Junit, EnvironmentIsEverySuitesProperties) {
  ScratchDir dir;
  Report r = make_report();
  r.environment = {{"commit", "abc"}, {"cpu_model", "A <b> & \"c\""}};
  write_junit(r, dir.file("junit.xml"));
  pugi::xml_document doc = parse(dir.file("junit.xml"));
  size_t suites = 0;
  for (pugi::xml_node s : doc.child("testsuites").children("testsuite")) {
    suites++;
    // Properties come before the suite's test cases (the JUnit schema's order).
    ASSERT_STREQ(s.first_child().name(), "properties");
    EXPECT_STREQ(s.first_child().find_child_by_attribute("property", "name", "cpu_model").attribute("value").value(),
                 "A <b> & \"c\"");
    EXPECT_STREQ(s.first_child().find_child_by_attribute("property", "name", "commit").attribute("value").value(),
                 "abc");
  }
  EXPECT_EQ(suites, 2u);
}

TEST(Junit, NotRunImplementationsAreSkippedTestsWithTheirReason) {
  ScratchDir dir;
  Report r = make_report();
  r.not_run = {{"engine-avx512", "this CPU lacks avx512f"}, {"engine-<x>", "a & b"}};
  r.environment = {{"commit", "abc"}};
  write_junit(r, dir.file("junit.xml"));
  pugi::xml_document doc = parse(dir.file("junit.xml"));
  pugi::xml_node root = doc.child("testsuites");
  EXPECT_STREQ(root.attribute("tests").value(), "6");
  EXPECT_STREQ(root.attribute("failures").value(), "1");
  EXPECT_STREQ(root.attribute("skipped").value(), "2");
  pugi::xml_node nr = root.last_child();
  EXPECT_STREQ(nr.attribute("name").value(), "not_run");
  EXPECT_STREQ(nr.attribute("tests").value(), "2");
  EXPECT_STREQ(nr.attribute("failures").value(), "0");
  EXPECT_STREQ(nr.attribute("errors").value(), "0");
  EXPECT_STREQ(nr.attribute("skipped").value(), "2");
  EXPECT_STREQ(nr.attribute("time").value(), "0.000000");
  EXPECT_FALSE(nr.child("properties"));
  pugi::xml_node first = nr.first_child();
  EXPECT_STREQ(first.attribute("name").value(), "engine-avx512");
  EXPECT_STREQ(first.attribute("classname").value(), "9ml.not_run");
  EXPECT_STREQ(first.attribute("time").value(), "0.000000");
  EXPECT_STREQ(first.child("skipped").attribute("message").value(), "this CPU lacks avx512f");
  EXPECT_STREQ(first.next_sibling().attribute("name").value(), "engine-<x>");
  EXPECT_STREQ(first.next_sibling().child("skipped").attribute("message").value(), "a & b");
}

TEST(Junit, XfailIsSkippedAndXpassAFailure) {
  ScratchDir dir;
  Report r = make_report();
  r.cases[2].xfail = "known";  // failed: xfailed
  r.cases[3].xfail = "gone";   // passed: XPASS
  write_junit(r, dir.file("junit.xml"));
  pugi::xml_document doc = parse(dir.file("junit.xml"));
  pugi::xml_node root = doc.child("testsuites");
  EXPECT_STREQ(root.attribute("failures").value(), "1");
  EXPECT_STREQ(root.attribute("skipped").value(), "1");
  pugi::xml_node skipped = doc.select_node("//testcase[@classname='9ml.engine-avx2.softmax']/skipped").node();
  EXPECT_STREQ(skipped.attribute("message").value(), "xfail: known");
  EXPECT_FALSE(skipped.parent().child("failure"));
  pugi::xml_node xpass = doc.select_node("//testcase[@classname='9ml.engine-scalar.rmsnorm']/failure").node();
  EXPECT_STREQ(xpass.attribute("type").value(), "xpass");
  EXPECT_STREQ(xpass.attribute("message").value(), "XPASS: passes, but --xfail expects it to fail: gone");
  EXPECT_EQ(std::string(xpass.text().get()).rfind("XPASS: passes, but --xfail expects it to fail: gone\nrepro: 9ml ", 0),
            0u);
}

TEST(Junit, EscapesMarkupInNamesAndMessages) {
  ScratchDir dir;
  Report r = make_report();
  r.cases[2].failure = "got <nan> & \"inf\" > bound\x01\n\tnext";
  r.cases[2].repro = "9ml conform --case 'a<b'";
  r.cases[2].case_id = "softmax/<odd>&\"name\"]]>\xff";
  write_junit(r, dir.file("junit.xml"));
  std::string xml = slurp(dir.file("junit.xml"));
  pugi::xml_document doc = parse(dir.file("junit.xml"));
  pugi::xml_node failure = doc.select_node("//failure").node();
  ASSERT_TRUE(failure) << xml;
  // The message attribute keeps its newline and tab (as references); the
  // control character and the invalid byte are shown as \xNN.
  EXPECT_STREQ(failure.attribute("message").value(), "got <nan> & \"inf\" > bound\\x01\n\tnext");
  EXPECT_STREQ(failure.text().get(), "got <nan> & \"inf\" > bound\\x01\n\tnext\nrepro: 9ml conform --case 'a<b'");
  EXPECT_STREQ(failure.parent().attribute("name").value(), "softmax/<odd>&\"name\"]]>\\xff");
  // Nothing raw leaks: every '<' starts a tag of the schema or the declaration.
  for (size_t p = xml.find('<'); p != std::string::npos; p = xml.find('<', p + 1)) {
    std::string tag = xml.substr(p, 12);
    EXPECT_TRUE(tag.rfind("<?xml", 0) == 0 || tag.rfind("<testsuite", 0) == 0 || tag.rfind("</testsuite", 0) == 0 ||
                tag.rfind("<testcase", 0) == 0 || tag.rfind("</testcase", 0) == 0 ||
                tag.rfind("<failure", 0) == 0 || tag.rfind("</failure", 0) == 0)
        << tag;
  }
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
  EXPECT_EQ(xml.find('\xff'), std::string::npos);
}

}  // namespace
}  // namespace nineml::report
