// summary.md and write_all.
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "report.hpp"
#include "sample.hpp"

namespace nineml::report {
namespace {

using namespace testing;

// A quantized kernel's error is shown in its bound's unit (absolute), a
// float kernel's as a ULP distance, in the table of every writer.
TEST(Markdown, MaxErrorInTheUnitOfTheBound) {
  ScratchDir dir;
  Report r = make_report();
  for (auto& c : r.cases)
    if (c.kernel == "rmsnorm") {
      c.kernel = "matmul_q8_0";
      c.error_unit = "abs";
      c.max_abs = 0.00125;
      c.max_ulp = 2.28e9;
    }
  write_markdown(r, dir.file("summary.md"));
  std::ifstream in(dir.file("summary.md"));
  std::stringstream md;
  md << in.rdbuf();
  EXPECT_NE(md.str().find("| matmul_q8_0 | engine-scalar | 1 | 0 | 1.25e-03 abs |"), std::string::npos) << md.str();
  EXPECT_EQ(md.str().find("2.28e+09"), std::string::npos) << md.str();
  const std::string table = summary_table(summarize(r));
  EXPECT_NE(table.find("1.25e-03 abs"), std::string::npos) << table;
  EXPECT_NE(table.find("300 ULP"), std::string::npos) << table;
}

TEST(Markdown, TotalsTableFailuresAndFixedEpsilons) {
  ScratchDir dir;
  Report r = make_report();
  r.cases[3].tolerance_kind = "fixed-epsilon";
  r.cases[3].tolerance_note = "no bound for a | b";
  write_markdown(r, dir.file("summary.md"));
  std::string md = slurp(dir.file("summary.md"));
  EXPECT_NE(md.find("**FAIL**: 4 cases, 3 passed, 1 failed"), std::string::npos) << md;
  EXPECT_NE(md.find("- time: 1.5 s"), std::string::npos);
  EXPECT_NE(md.find("- command: `9ml conform --all`"), std::string::npos);
  EXPECT_NE(md.find("| rmsnorm | engine-scalar | 1 | 0 | 0 ULP | 0 | fixed-epsilon |"), std::string::npos) << md;
  EXPECT_NE(md.find("| softmax | engine-avx2 | 1 | **1** | 300 ULP | 4.688 | bound |"), std::string::npos) << md;
  EXPECT_NE(md.find("| softmax | engine-scalar | 2 | 0 | 2 ULP | 0.03125 | bound |"), std::string::npos) << md;
  EXPECT_NE(md.find("- `softmax/n=17/normal/seed=1` [engine-avx2]: max ULP over bound\n"
                    "  repro: `9ml conform --kernel softmax --impl engine-avx2 --case softmax/n=17/normal/seed=1`"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("- rmsnorm [engine-scalar]: no bound for a \\| b"), std::string::npos) << md;
}

// Case names and messages are text in summary.md: no HTML passes through,
// no pipe splits a table cell, no backtick opens a code span, no newline
// breaks a line.
TEST(Markdown, EscapesCraftedNamesAndMessages) {
  ScratchDir dir;
  write_markdown(crafted_report(), dir.file("summary.md"));
  std::string md = slurp(dir.file("summary.md"));
  expect_no_markup(without_code_spans(md));  // a code span shows its text as it is
  std::istringstream lines(md);
  size_t rows = 0;
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("| ", 0) == 0) {
      EXPECT_EQ(unescaped_pipes(line), 8u) << line;
      rows++;
    }
  EXPECT_EQ(rows, 3u) << md;  // header, rule, the one kernel x impl
  EXPECT_NE(md.find("| soft&lt;b&gt;max&lt;/b&gt;\\|k | engine-&lt;i&gt;x&lt;/i&gt;\\|y | "), std::string::npos) << md;
  // The failure: one line, entities and backslash escapes, then the repro as a code span.
  EXPECT_NE(md.find("]: &lt;script&gt;alert(2)&lt;/script&gt;\\|\\`x\\` &amp; \\\\ line two\n"
                    "  repro: `9ml conform --case '<script>alert(3)</script>|'`"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("- ``a|<script>alert(1)</script>`b`` ["), std::string::npos) << md;
  EXPECT_NE(md.find("- engine-&lt;i&gt;z&lt;/i&gt;: &lt;script&gt;alert(6)&lt;/script&gt;\\|"), std::string::npos) << md;
  EXPECT_NE(md.find("&lt;img src=x onerror=alert(4)&gt;\\|"), std::string::npos) << md;
}

TEST(Markdown, EnvironmentTable) {
  ScratchDir dir;
  Report r = make_report();
  r.environment = {{"commit", "abc"}, {"cpu_model", "A|<b>"}};
  write_markdown(r, dir.file("summary.md"));
  std::string md = slurp(dir.file("summary.md"));
  EXPECT_NE(md.find("## Environment"), std::string::npos) << md;
  EXPECT_NE(md.find("| commit | abc |"), std::string::npos) << md;
  EXPECT_NE(md.find("| cpu_model | A\\|&lt;b&gt; |"), std::string::npos) << md;
  EXPECT_LT(md.find("## Environment"), md.find("## Results by kernel"));
}

TEST(Markdown, AllPassingSaysSo) {
  ScratchDir dir;
  Report r = make_report();
  r.cases.erase(r.cases.begin() + 2);
  write_markdown(r, dir.file("summary.md"));
  std::string md = slurp(dir.file("summary.md"));
  EXPECT_NE(md.find("**PASS**: 3 cases, 3 passed, 0 failed"), std::string::npos);
  EXPECT_NE(md.find("## Failed cases\n\nNone.\n"), std::string::npos);
  EXPECT_NE(md.find("None: every tolerance is an error bound or exact."), std::string::npos);
}

TEST(WriteAll, CreatesTheDirectoryAndFourFiles) {
  ScratchDir dir;
  std::filesystem::path out = dir.path() / "a" / "b";
  write_all(make_report(), out.string());
  for (const char* name : {"report.json", "junit.xml", "summary.md", "index.html"})
    EXPECT_TRUE(std::filesystem::is_regular_file(out / name)) << name;
  EXPECT_EQ(read_json((out / "report.json").string()).cases.size(), 4u);
}

// Each file is replaced whole (port.h's atomic output), not truncated and
// rewritten in place: a reader, or another name hard-linked to the old
// report, keeps the complete old bytes; no temporary is left beside them.
TEST(WriteAll, ReplacesEachFileWholeNotInPlace) {
  ScratchDir dir;
  std::filesystem::path out = dir.path() / "r";
  Report first = make_report();
  write_all(first, out.string());
  std::map<std::string, std::string> old;
  for (const char* name : {"report.json", "junit.xml", "summary.md", "index.html"}) {
    old[name] = slurp((out / name).string());
    std::filesystem::create_hard_link(out / name, dir.path() / (std::string("old-") + name));
  }
  Report second = make_report();
  second.host = "another-host";  // in all four files
  write_all(second, out.string());
  for (const auto& [name, text] : old) {
    EXPECT_EQ(slurp((dir.path() / ("old-" + name)).string()), text) << name << " was rewritten in place";
    EXPECT_NE(slurp((out / name).string()), text) << name << " was not rewritten";
  }
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(out)) files += e.is_regular_file();
  EXPECT_EQ(files, 4u) << "a temporary was left in " << out;
}

TEST(WriteAll, UncreatableDirectoryNamesIt) {
  ScratchDir dir;
  spit(dir.file("file"), "x");
  std::string target = dir.file("file") + "/sub";
  try {
    write_all(make_report(), target);
    FAIL() << "write_all succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(target + ": ", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace nineml::report
