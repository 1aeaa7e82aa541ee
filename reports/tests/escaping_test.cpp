// Every text field in every format: a report whose names and messages carry
// markup, quotes, Markdown's table and code characters, newlines and
// control characters, written by write_all. report.json keeps each string
// exactly; junit.xml, index.html and summary.md show it as text, control
// characters as a visible \xNN (docs/REPORT_SCHEMA.md, "Writing and escaping").
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "detail.hpp"
#include "report.hpp"
#include "sample.hpp"

namespace nineml::report {
namespace {

using namespace testing;

// Markup, both quotes, a backtick, a pipe, a newline, a tab, a non-ASCII
// letter and control characters (SOH, ESC starting a terminal colour, CR, DEL).
const std::string kNasty = "<i>a&b</i> \"q\" 'a' `c` x|y\nz\tµ\x01\x1b[31m\r\x7f";
// kNasty as the text formats show it: controls as \xNN, the rest as it is.
const std::string kShown = "<i>a&b</i> \"q\" 'a' `c` x|y\nz\tµ\\x01\\x1b[31m\\x0d\\x7f";

// Each text field carries kNasty after a tag naming it, so that a check can
// tell which field leaked.
std::string nasty(const std::string& field) { return field + ":" + kNasty; }

Report nasty_report() {
  Report r = make_report();
  for (size_t i = 0; i < r.cases.size(); i++) {
    CaseResult& c = r.cases[i];
    c.kernel = nasty(i == 3 ? "kernel2" : "kernel");
    c.impl = nasty(i == 2 ? "impl2" : "impl");
    c.case_id = nasty("case" + std::to_string(i));
    c.repro = nasty("repro" + std::to_string(i));
    c.failure = c.passed ? "" : nasty("failure" + std::to_string(i));
    c.tolerance_kind = "fixed-epsilon";  // so that each note is listed
    c.tolerance_note = nasty("note" + std::to_string(i));
    c.contract = nasty("contract");
    c.shape = nasty("shape");
    c.distribution = nasty("distribution");
  }
  r.cases[1].xfail = nasty("xpass");  // passes: XPASS, a failure
  r.cases[3].passed = false;          // fails as expected: xfailed, skipped
  r.cases[3].failure = nasty("failure3");
  r.cases[3].xfail = nasty("xfail");
  r.host = nasty("host");
  r.command = nasty("command");
  r.tool_version = nasty("version");
  r.environment = {{nasty("envkey"), nasty("envvalue")}};
  r.not_run = {{nasty("notrun"), nasty("reason")}};
  return r;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// No byte a terminal or an XML/HTML parser would take as a control.
void expect_no_controls(const std::string& text, const char* file) {
  for (unsigned char c : text)
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
      ADD_FAILURE() << file << " holds the raw control character " << int(c);
      return;
    }
}

class Escaping : public ::testing::Test {
 protected:
  void SetUp() override { write_all(report_, dir_.path().string()); }
  Report report_ = nasty_report();
  ScratchDir dir_;
};

TEST_F(Escaping, ReportJsonKeepsEveryStringExactly) {
  std::string text = slurp(dir_.file("report.json"));
  nlohmann::json j = nlohmann::json::parse(text);  // throws on malformed JSON
  const Report& r = report_;
  EXPECT_EQ(j["host"], r.host);
  EXPECT_EQ(j["command"], r.command);
  EXPECT_EQ(j["tool_version"], r.tool_version);
  EXPECT_EQ(j["environment"][nasty("envkey")], nasty("envvalue"));
  EXPECT_EQ(j["not_run"][0]["impl"], nasty("notrun"));
  EXPECT_EQ(j["not_run"][0]["reason"], nasty("reason"));
  ASSERT_EQ(j["cases"].size(), r.cases.size());
  for (size_t i = 0; i < r.cases.size(); i++) {
    const nlohmann::json& c = j["cases"][i];
    const CaseResult& w = r.cases[i];
    auto same = [&](const char* key, const std::string& want) { EXPECT_EQ(c[key], want) << "cases[" << i << "]." << key; };
    same("kernel", w.kernel);
    same("impl", w.impl);
    same("case_id", w.case_id);
    same("repro", w.repro);
    same("failure", w.failure);
    same("tolerance_note", w.tolerance_note);
    same("contract", w.contract);
    same("shape", w.shape);
    same("distribution", w.distribution);
  }
  EXPECT_EQ(j["cases"][3]["xfail"], nasty("xfail"));
  // And the reader gives the same strings back.
  Report back = read_json(dir_.file("report.json"));
  EXPECT_EQ(back.cases[2].failure, r.cases[2].failure);
  EXPECT_EQ(back.cases[0].case_id, r.cases[0].case_id);
  EXPECT_EQ(back.environment, r.environment);
  EXPECT_EQ(back.command, r.command);
}

TEST_F(Escaping, JunitParsesValidatesAndShowsTheText) {
  std::string path = dir_.file("junit.xml");
  std::string xml = slurp(path);
  expect_no_controls(xml, "junit.xml");
  pugi::xml_document doc;
  pugi::xml_parse_result ok = doc.load_file(path.c_str());
  ASSERT_TRUE(ok) << ok.description() << " at byte " << ok.offset << ":\n" << xml;
  auto shown = [](const std::string& field) { return field + ":" + kShown; };
  pugi::xml_node root = doc.child("testsuites");
  EXPECT_STREQ(root.attribute("failures").value(), "2");  // case 2 failed, case 1 XPASS
  EXPECT_STREQ(root.attribute("skipped").value(), "2");   // case 3 xfailed, one not run
  pugi::xml_node suite = root.find_child_by_attribute("testsuite", "name", shown("kernel").c_str());
  ASSERT_TRUE(suite) << xml;
  EXPECT_STREQ(suite.attribute("hostname").value(), shown("host").c_str());
  pugi::xml_node prop = suite.child("properties").child("property");
  EXPECT_STREQ(prop.attribute("name").value(), shown("envkey").c_str());
  EXPECT_STREQ(prop.attribute("value").value(), shown("envvalue").c_str());
  pugi::xml_node failed = suite.find_child_by_attribute("testcase", "name", shown("case2").c_str());
  ASSERT_TRUE(failed) << xml;
  EXPECT_EQ(std::string(failed.attribute("classname").value()), "9ml." + shown("impl2") + "." + shown("kernel"));
  EXPECT_STREQ(failed.child("failure").attribute("message").value(), shown("failure2").c_str());
  EXPECT_STREQ(failed.child("failure").attribute("type").value(), "fixed-epsilon");
  EXPECT_EQ(std::string(failed.child("failure").text().get()), shown("failure2") + "\nrepro: " + shown("repro2"));
  pugi::xml_node xpass = suite.find_child_by_attribute("testcase", "name", shown("case1").c_str());
  EXPECT_EQ(std::string(xpass.child("failure").attribute("message").value()),
            "XPASS: passes, but --xfail expects it to fail: " + shown("xpass"));
  pugi::xml_node xfail = doc.select_node("//testcase/skipped[starts-with(@message, 'xfail: ')]").node();
  EXPECT_EQ(std::string(xfail.attribute("message").value()), "xfail: " + shown("xfail"));
  pugi::xml_node not_run = root.find_child_by_attribute("testsuite", "name", "not_run").child("testcase");
  EXPECT_STREQ(not_run.attribute("name").value(), shown("notrun").c_str());
  EXPECT_STREQ(not_run.child("skipped").attribute("message").value(), shown("reason").c_str());

  // Valid against the JUnit schema CI reporters read.
  std::string cmd = "xmllint --noout --schema '" NINEML_JUNIT_XSD "' '" + path + "' 2>" + dir_.file("xmllint.txt");
  EXPECT_EQ(std::system(cmd.c_str()), 0) << slurp(dir_.file("xmllint.txt"));
}

TEST_F(Escaping, HtmlShowsTheTextNeverMarkup) {
  std::string html = slurp(dir_.file("index.html"));
  expect_no_controls(html, "index.html");
  // The data's markup never appears raw; each field's text appears escaped.
  EXPECT_EQ(html.find("<i>a&b</i>"), std::string::npos);
  EXPECT_EQ(html.find("\"q\" 'a'"), std::string::npos);
  const std::string escaped = "&lt;i&gt;a&amp;b&lt;/i&gt; &quot;q&quot; &apos;a&apos; `c` x|y";
  const std::string tail = "&#10;z&#9;µ\\x01\\x1b[31m\\x0d\\x7f";
  for (const char* field : {"kernel", "impl", "impl2", "case2", "failure2", "repro2", "note0", "host", "command",
                            "envkey", "envvalue", "notrun", "reason"})
    EXPECT_NE(html.find(std::string(field) + ":" + escaped), std::string::npos) << field;
  EXPECT_NE(html.find(tail), std::string::npos);
}

TEST_F(Escaping, MarkdownRowsHoldAndShowTheText) {
  std::string md = slurp(dir_.file("summary.md"));
  expect_no_controls(md, "summary.md");
  expect_no_markup(without_code_spans(md));
  EXPECT_EQ(without_code_spans(md).find("<i>"), std::string::npos) << md;
  std::vector<std::string> lines = lines_of(md);
  // Tables: every row on one line with its cells (the environment's 2, the
  // results' 7), no pipe of the data ending a cell.
  size_t env_rows = 0, result_rows = 0;
  for (const std::string& line : lines) {
    if (line.rfind("|", 0) != 0) continue;
    size_t pipes = unescaped_pipes(line);
    EXPECT_TRUE(pipes == 3 || pipes == 8) << line;
    (pipes == 3 ? env_rows : result_rows)++;
  }
  EXPECT_EQ(env_rows, 3u) << md;     // header, rule, the one variable
  EXPECT_EQ(result_rows, 5u) << md;  // header, rule, three kernel x impl pairs
  EXPECT_NE(md.find("| envkey:&lt;i&gt;a&amp;b&lt;/i&gt; \"q\" 'a' \\`c\\` x\\|y z\tµ\\\\x01\\\\x1b[31m\\\\x0d\\\\x7f | "
                    "envvalue:"),
            std::string::npos)
      << md;
  // Lists: each failed case is its line and a repro line; each reason one line.
  size_t failed_lines = 0;
  for (size_t i = 0; i < lines.size(); i++) {
    if (lines[i].find("case2:") == std::string::npos || lines[i].rfind("- ", 0) != 0) continue;
    if (lines[i].find("failure2:") == std::string::npos) continue;
    failed_lines++;
    ASSERT_LT(i + 1, lines.size());
    EXPECT_EQ(lines[i + 1].rfind("  repro: `", 0), 0u) << lines[i + 1];
    EXPECT_NE(lines[i + 1].find("repro2:<i>a&b</i> \"q\" 'a' `c` x|y z\tµ\\x01\\x1b[31m\\x0d\\x7f"),
              std::string::npos)
        << lines[i + 1];
  }
  EXPECT_EQ(failed_lines, 1u) << md;
  for (const char* field : {"note0", "reason", "xfail"}) {
    size_t n = 0;
    for (const std::string& line : lines) n += line.find(std::string(field) + ":&lt;i&gt;") != std::string::npos;
    EXPECT_GE(n, 1u) << field << " is not shown as text:\n" << md;
  }
}

// printable(), the one representation of the text formats: valid UTF-8
// text as it is, each byte of a control, a non-character or malformed
// UTF-8 as \xNN.
TEST(Printable, KeepsTextShowsControlsAndBadBytes) {
  using detail::printable;
  EXPECT_EQ(printable("a\tb\nc µ € \xF0\x9F\x98\x80 <&>\\x"), "a\tb\nc µ € \xF0\x9F\x98\x80 <&>\\x");
  EXPECT_EQ(printable(std::string("\0\x01\x1b\r\x7f", 5)), "\\x00\\x01\\x1b\\x0d\\x7f");
  EXPECT_EQ(printable("\xC2\x85|\xC2\xA0"), "\\xc2\\x85|\xC2\xA0");               // C1 NEL; no-break space kept
  EXPECT_EQ(printable("\xEF\xBF\xBE\xEF\xBF\xBD"), "\\xef\\xbf\\xbe\xEF\xBF\xBD");  // U+FFFE; U+FFFD kept
  EXPECT_EQ(printable("\xC0\xAF"), "\\xc0\\xaf");                          // overlong '/'
  EXPECT_EQ(printable("\xED\xA0\x80"), "\\xed\\xa0\\x80");                    // a surrogate
  EXPECT_EQ(printable("\xF4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");            // above U+10FFFF
  EXPECT_EQ(printable("x\xE2\x82"), "x\\xe2\\x82");                          // cut short
  EXPECT_EQ(printable("\xE2\x82(\x80"), "\\xe2\\x82(\\x80");                     // no continuation; a lone one
}

// Bytes that are not UTF-8: report.json has U+FFFD (JSON is UTF-8), the
// other formats the byte as \xNN, and junit.xml stays well-formed.
TEST(EscapingBytes, InvalidUtf8IsShownAsItsBytes) {
  ScratchDir dir;
  Report r = make_report();
  r.cases[2].failure = "bad \xff\xc3( byte";  // 0xff never, 0xc3 not followed by a continuation
  write_all(r, dir.path().string());
  const std::string shown = "bad \\xff\\xc3( byte";
  EXPECT_EQ(read_json(dir.file("report.json")).cases[2].failure, "bad \xEF\xBF\xBD\xEF\xBF\xBD( byte");
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(dir.file("junit.xml").c_str()));
  EXPECT_EQ(std::string(doc.select_node("//failure").node().attribute("message").value()), shown);
  EXPECT_NE(slurp(dir.file("index.html")).find(shown), std::string::npos);
  EXPECT_NE(slurp(dir.file("summary.md")).find("bad \\\\xff\\\\xc3( byte"), std::string::npos);  // md's \\ for a backslash
  for (const char* f : {"junit.xml", "index.html", "summary.md"})
    EXPECT_EQ(slurp(dir.file(f)).find('\xff'), std::string::npos) << f;
}

}  // namespace
}  // namespace nineml::report
