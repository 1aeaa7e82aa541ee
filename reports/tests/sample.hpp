// A small report used by every reports test, and a scratch directory.
#pragma once

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "report.hpp"

namespace nineml::report::testing {

inline CaseResult make_case(const std::string& kernel, const std::string& impl, const std::string& id, bool passed,
                            double max_ulp) {
  CaseResult c;
  c.kernel = kernel;
  c.impl = impl;
  c.case_id = kernel + "/" + id;
  c.repro = "9ml conform --kernel " + kernel + " --impl " + impl + " --case " + c.case_id;
  c.shape = "n=17";
  c.distribution = "normal";
  c.seed = 1;
  c.passed = passed;
  c.failure = passed ? "" : "max ULP over bound";
  c.elements = 17;
  c.max_ulp = max_ulp;
  c.max_abs = max_ulp * 1e-7;
  c.max_rel = max_ulp * 6e-8;
  c.bound_ratio = max_ulp / 64.0;
  c.tolerance_kind = "bound";
  c.ulp_histogram.assign(kUlpBins, 0);
  c.ulp_histogram[0] = 10;
  c.ulp_histogram[ulp_bin(max_ulp)] += 7;
  c.seconds = 0.01;
  return c;
}

// Two kernels, softmax with two impls, one failing case.
inline Report make_report() {
  Report r;
  r.tool_version = "0.1.0";
  r.created_utc = "2024-01-02T03:04:05Z";
  r.host = "host";
  r.command = "9ml conform --all";
  r.seconds = 1.5;
  r.cases.push_back(make_case("softmax", "engine-scalar", "n=17/normal/seed=1", true, 1));
  r.cases.push_back(make_case("softmax", "engine-scalar", "n=33/normal/seed=1", true, 2));
  r.cases.push_back(make_case("softmax", "engine-avx2", "n=17/normal/seed=1", false, 300));
  r.cases.push_back(make_case("rmsnorm", "engine-scalar", "n=17/normal/seed=1", true, 0));
  return r;
}

class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::path(::testing::TempDir()) /
            (std::string("nineml_reports_") + info->test_suite_name() + "_" + info->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// make_report with names and messages an attacker could craft (a case key
// or a failure text carrying markup): every writer must show them as text.
inline Report crafted_report() {
  Report r = make_report();
  for (CaseResult& c : r.cases) {
    c.kernel = "soft<b>max</b>|k";
    c.impl = "engine-<i>x</i>|y";
    c.tolerance_kind = "bound<u>|</u>";
  }
  CaseResult& bad = r.cases[2];
  bad.case_id = "a|<script>alert(1)</script>`b";
  bad.failure = "<script>alert(2)</script>|`x` & \\\nline two";
  bad.repro = "9ml conform --case '<script>alert(3)</script>|'";
  r.cases[3].tolerance_kind = "fixed-epsilon";
  r.cases[3].tolerance_note = "<img src=x onerror=alert(4)>|";
  r.host = "<script>alert(5)</script>";
  r.command = "9ml conform --kernel '<script>|'";
  r.not_run.push_back({"engine-<i>z</i>", "<script>alert(6)</script>|"});
  return r;
}

// No element or attribute of the crafted text survives as markup.
inline void expect_no_markup(const std::string& text) {
  for (const char* tag : {"<script", "<b>", "<i>", "<u>", "<img", "</script"})
    EXPECT_EQ(text.find(tag), std::string::npos) << tag << " in:\n" << text;
}

// Markdown with its code spans (a run of N backticks up to the next run of
// exactly N) taken out: inside one nothing is markup, outside everything is.
inline std::string without_code_spans(const std::string& md) {
  auto run_at = [&](size_t i) {
    size_t n = 0;
    while (i + n < md.size() && md[i + n] == '`') n++;
    return n;
  };
  std::string out;
  for (size_t i = 0; i < md.size();) {
    if (md[i] == '\\' && i + 1 < md.size()) {
      out += md.substr(i, 2);
      i += 2;
      continue;
    }
    size_t n = run_at(i);
    if (n == 0) {
      out += md[i++];
      continue;
    }
    size_t j = i + n;
    while (j < md.size() && !(md[j] == '`' && run_at(j) == n && (j == 0 || md[j - 1] != '`'))) j++;
    if (j >= md.size()) {  // no closing run: the backticks are literal
      out += md.substr(i, n);
      i += n;
      continue;
    }
    out += "CODE";
    i = j + n;
  }
  return out;
}

// The cells of a Markdown table row: '|' not escaped by a backslash.
inline size_t unescaped_pipes(const std::string& line) {
  size_t n = 0;
  for (size_t i = 0; i < line.size(); i++) {
    if (line[i] == '\\') i++;
    else if (line[i] == '|') n++;
  }
  return n;
}

inline void spit(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

inline size_t count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + needle.size())) n++;
  return n;
}

}  // namespace nineml::report::testing
