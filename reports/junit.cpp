// junit.xml for CI: one <testsuite> per kernel, one <testcase> per case,
// and a "not_run" suite with each implementation that did not run as a
// skipped test with its reason (a CI page tells "not run" from "absent").
// Built as a DOM with pugixml, which escapes; every text goes through
// printable() first, since XML 1.0 cannot carry control characters at all
// (pugixml would write them as references no XML parser accepts).
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <pugixml.hpp>

#include "detail.hpp"
#include "report.hpp"

namespace nineml::report {

namespace {

using detail::printable;

std::string seconds_attr(double s) {
  // JUnit consumers expect a plain non-negative decimal.
  return fmt::format("{:.6f}", s >= 0 && s < 1e12 ? s : 0.0);
}

void set(pugi::xml_node n, const char* name, const std::string& text) {
  n.append_attribute(name).set_value(printable(text).c_str());
}
void set(pugi::xml_node n, const char* name, size_t count) { n.append_attribute(name).set_value(count); }

void add_failure(pugi::xml_node tc, const std::string& message, const std::string& type, const std::string& repro) {
  pugi::xml_node f = tc.append_child("failure");
  set(f, "message", message);
  set(f, "type", type);
  f.text().set(printable(message + "\nrepro: " + repro).c_str());
}

void add_testcase(pugi::xml_node suite, const CaseResult& c) {
  pugi::xml_node tc = suite.append_child("testcase");
  set(tc, "name", c.case_id);
  set(tc, "classname", "9ml." + c.impl + "." + c.kernel);
  set(tc, "time", seconds_attr(c.seconds));
  if (xfailed(c)) {  // a known deviation (--xfail): skipped, with the reason
    set(tc.append_child("skipped"), "message", "xfail: " + c.xfail);
  } else if (xpassed(c)) {
    add_failure(tc, "XPASS: passes, but --xfail expects it to fail: " + c.xfail, "xpass", c.repro);
  } else if (!c.passed) {
    add_failure(tc, c.failure.empty() ? "failed" : c.failure, c.tolerance_kind, c.repro);
  }
}

// A <testsuite> with the attributes every one carries and, for a kernel's,
// the run's environment as its <properties> (which the schema puts before
// the cases).
pugi::xml_node add_suite(pugi::xml_node root, const Report& r, const std::string& name, size_t tests,
                         size_t failures, size_t skipped, double seconds, bool properties) {
  pugi::xml_node s = root.append_child("testsuite");
  set(s, "name", name);
  set(s, "tests", tests);
  set(s, "failures", failures);
  set(s, "errors", size_t{0});
  set(s, "skipped", skipped);
  set(s, "time", seconds_attr(seconds));
  set(s, "hostname", r.host);
  if (properties && !r.environment.empty()) {
    pugi::xml_node props = s.append_child("properties");
    for (const auto& [k, v] : r.environment) {
      pugi::xml_node p = props.append_child("property");
      set(p, "name", k);
      set(p, "value", v);
    }
  }
  return s;
}

// pugixml's output appended to a string, written atomically afterwards.
struct StringWriter : pugi::xml_writer {
  std::string out;
  void write(const void* data, size_t size) override { out.append(static_cast<const char*>(data), size); }
};

}  // namespace

void write_junit(const Report& r, const std::string& path) {
  // Kernels in name order, cases within a kernel in report order.
  std::map<std::string, std::vector<const CaseResult*>> by_kernel;
  size_t failures = 0, xfails = 0;
  for (const CaseResult& c : r.cases) {
    by_kernel[c.kernel].push_back(&c);
    if (fails_run(c)) failures++;
    if (xfailed(c)) xfails++;
  }

  pugi::xml_document doc;
  pugi::xml_node decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  pugi::xml_node root = doc.append_child("testsuites");
  set(root, "name", std::string("9ml"));
  set(root, "tests", r.cases.size() + r.not_run.size());
  set(root, "failures", failures);
  set(root, "skipped", r.not_run.size() + xfails);
  set(root, "time", seconds_attr(r.seconds));

  for (const auto& [kernel, cases] : by_kernel) {
    size_t suite_failures = 0, suite_skipped = 0;
    double suite_seconds = 0;
    for (const CaseResult* c : cases) {
      if (fails_run(*c)) suite_failures++;
      if (xfailed(*c)) suite_skipped++;
      if (c->seconds > 0) suite_seconds += c->seconds;
    }
    pugi::xml_node s = add_suite(root, r, kernel, cases.size(), suite_failures, suite_skipped, suite_seconds, true);
    for (const CaseResult* c : cases) add_testcase(s, *c);
  }
  if (!r.not_run.empty()) {
    pugi::xml_node s = add_suite(root, r, "not_run", r.not_run.size(), 0, r.not_run.size(), 0, false);
    for (const NotRun& n : r.not_run) {
      pugi::xml_node tc = s.append_child("testcase");
      set(tc, "name", n.impl);
      set(tc, "classname", std::string("9ml.not_run"));
      set(tc, "time", seconds_attr(0));
      set(tc.append_child("skipped"), "message", n.reason);
    }
  }

  StringWriter w;
  doc.save(w, "  ", pugi::format_indent, pugi::encoding_utf8);
  detail::write_file(path, w.out);
}

}  // namespace nineml::report
