// index.html: one self-contained page (inline CSS and SVG, no scripts, no
// external assets). Evidence before verdicts: the run and where it ran, then
// every failing case with its worst elements and repro line, a legend, the
// kernel x impl summary, and per kernel x impl a ULP histogram, the worst
// elements of its worst case, its failed cases and (folded) its passing cases
// closest to their bound. docs/REPORT_SCHEMA.md, "index.html".
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "detail.hpp"
#include "html_page.hpp"
#include "report.hpp"

namespace nineml::report {

namespace {

using detail::format_number;
using detail::xml_escape;

// How many passing cases a section lists (those closest to their bound). The
// page's size then grows with kernels x impls and failures, not with the
// number of cases; report.json has every case.
constexpr size_t kPassingShown = 10;


// Counts beside bars stay short: at most about five characters.
std::string compact_count(int64_t n) {
  if (n < 10000) return std::to_string(n);
  static const char* const kSuffix[] = {"k", "M", "G", "T", "P"};
  double v = static_cast<double>(n);
  int i = -1;
  while (v >= 1000 && i < 4) {
    v /= 1000;
    i++;
  }
  return v < 10 ? fmt::format("{:.1f}{}", v, kSuffix[i]) : fmt::format("{:.0f}{}", v, kSuffix[i]);
}

// A value as people compare floats: enough digits to tell float32 values
// apart, and nan / inf / -inf.
std::string value_text(double v) {
  if (std::isnan(v) || std::isinf(v)) return format_number(v);
  return fmt::format("{:.9g}", v);
}

// The float32 bits of a value (the implementation's output is float32; the
// exact reference rounded to float32), as 0x%08x.
std::string f32_bits(double v) {
  return fmt::format("0x{:08x}", std::bit_cast<uint32_t>(static_cast<float>(v)));
}

// An element's error / bound as the runner judges it (conformance/runner.cpp):
// 0 / 0 is 0, a nonzero or NaN error against a zero bound is infinite.
double element_ratio(const Element& e) {
  if (std::isnan(e.abs_error)) return std::numeric_limits<double>::infinity();
  if (e.bound > 0) return e.abs_error / e.bound;
  if (std::isnan(e.bound)) return std::numeric_limits<double>::infinity();
  return e.abs_error == 0 ? 0 : std::numeric_limits<double>::infinity();
}

// Whether a case really met a NaN or an infinity (in its metrics or its
// worst elements): only then is the histogram's last bin ">2^31,nan" shown as
// an alarm; a quantized kernel's huge but finite ULP distances are not one.
bool has_nonfinite(const CaseResult& c) {
  auto bad = [](double v) { return std::isnan(v) || std::isinf(v); };
  if (bad(c.max_ulp) || bad(c.max_abs) || bad(c.max_rel)) return true;
  for (const Element& e : c.worst)
    if (bad(e.got) || bad(e.expected) || bad(e.abs_error) || bad(e.ulp)) return true;
  return false;
}

// Sort key "worse than": NaN above everything, then larger.
bool worse(double a, double b) {
  if (std::isnan(b)) return false;
  if (std::isnan(a)) return true;
  return a > b;
}

// The worst case of a kernel x impl: failed before passed, then the largest
// bound ratio, then the largest ULP distance; the first such in report order.
const CaseResult* worst_case(const std::vector<const CaseResult*>& cases) {
  const CaseResult* w = nullptr;
  for (const CaseResult* c : cases) {
    if (!w) {
      w = c;
      continue;
    }
    if (c->passed != w->passed) {
      if (!c->passed) w = c;
      continue;
    }
    if (worse(c->bound_ratio, w->bound_ratio) ||
        (!worse(w->bound_ratio, c->bound_ratio) && worse(c->max_ulp, w->max_ulp)))
      w = c;
  }
  return w;
}

std::string worst_table(const CaseResult& c) {
  if (c.worst.empty()) return "<p>No worst elements recorded for this case.</p>\n";
  std::string s =
      "<table class=\"worst\">\n<tr><th>index</th><th>got</th><th>got f32 bits</th><th>expected</th>"
      "<th>expected f32 bits</th><th>|error|</th><th>ULP</th><th>bound</th><th>ratio</th></tr>\n";
  for (const Element& e : c.worst) {
    const double ratio = element_ratio(e);
    s += fmt::format(
        "<tr{}><td class=\"num\">{}</td><td class=\"num\">{}</td><td><code>{}</code></td><td class=\"num\">{}</td>"
        "<td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td></tr>\n",
        ratio > 1 ? " class=\"over\"" : "", e.index, value_text(e.got), f32_bits(e.got), value_text(e.expected),
        f32_bits(e.expected), value_text(e.abs_error), format_number(e.ulp), value_text(e.bound),
        format_number(ratio));
  }
  s += "</table>\n";
  return s;
}

// Bar heights are log-scaled so one stray 1000-ULP element stays visible
// next to a million exact ones. Counts stand rotated above their bars (a
// bar is 22 px wide, a rotated label 10 px), so neighbours never collide.
std::string histogram_svg(const std::vector<int64_t>& hist, bool nonfinite) {
  constexpr int kBarW = 22, kPlotH = 120, kLeft = 48, kTop = 42, kLabelH = 62, kTitleH = 18;
  const int bins = static_cast<int>(hist.size());
  const int width = kLeft + std::max(bins, 1) * kBarW + 10;
  const int height = kTop + kPlotH + kLabelH + kTitleH;
  const int64_t max_count = hist.empty() ? 0 : *std::max_element(hist.begin(), hist.end());

  std::string s = fmt::format(
      "<svg width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\" "
      "aria-label=\"histogram of output elements by ULP distance, log-scaled counts\">\n",
      width, height, width, height);
  const int base = kTop + kPlotH;
  s += fmt::format("<line class=\"axis\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\n", kLeft, base,
                   width - 10, base);
  s += fmt::format("<line class=\"axis\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\n", kLeft, kTop, kLeft, base);
  s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", kLeft - 4, kTop + 4,
                   compact_count(max_count));
  s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>\n", kLeft - 4, base);
  s += fmt::format(
      "<text class=\"title\" transform=\"translate(14,{}) rotate(-90)\" text-anchor=\"middle\">"
      "output elements (log scale)</text>\n",
      kTop + kPlotH / 2);
  s += fmt::format("<text class=\"title\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">ULP distance</text>\n",
                   kLeft + bins * kBarW / 2, height - 5);
  if (max_count == 0) {
    s += fmt::format("<text x=\"{}\" y=\"{}\">no ULP histogram recorded</text>\n", kLeft + 10, kTop + kPlotH / 2);
  }
  const double scale = max_count > 0 ? std::log1p(static_cast<double>(max_count)) : 1.0;
  for (int b = 0; b < bins; b++) {
    const int x = kLeft + b * kBarW;
    const int64_t n = hist[b];
    if (n > 0) {
      int h = std::max(1, static_cast<int>(std::lround(kPlotH * std::log1p(static_cast<double>(n)) / scale)));
      const bool alarm = b == kUlpBins - 1 && nonfinite;
      s += fmt::format(
          "<rect class=\"bar{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{} ULP: {} elements</title></rect>\n",
          alarm ? " overflow" : "", x + 2, base - h, kBarW - 4, h, xml_escape(ulp_bin_label(b)), n);
      s += fmt::format("<text class=\"count\" transform=\"translate({},{}) rotate(-90)\">{}</text>\n",
                       x + kBarW / 2 + 4, base - h - 3, compact_count(n));
    }
    s += fmt::format("<text transform=\"translate({},{}) rotate(-60)\" text-anchor=\"end\">{}</text>\n",
                     x + kBarW / 2 + 3, base + 8, xml_escape(ulp_bin_label(b)));
  }
  s += "</svg>\n";
  return s;
}

std::string summary_row(const KernelSummary& k, size_t section) {
  return fmt::format(
      "<tr{}><td><a href=\"#s{}\">{}</a></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
      "<td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
      k.failed ? " class=\"fail\"" : "", section, xml_escape(k.kernel), xml_escape(k.impl), k.cases, k.failed,
      max_error_text(k), format_number(k.max_bound_ratio), xml_escape(k.tolerance_kind));
}

std::string case_row(const CaseResult& c, bool with_repro) {
  std::string s = fmt::format(
      "<tr{}><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
      c.passed ? "" : " class=\"fail\"", xml_escape(c.case_id), error_text(c.error_unit, c.max_ulp, c.max_abs),
      format_number(c.bound_ratio), format_number(c.max_abs));
  if (with_repro)
    s += fmt::format("<td>{}</td><td><code>{}</code></td>", xml_escape(c.failure.empty() ? "failed" : c.failure),
                     xml_escape(c.repro));
  return s + "</tr>\n";
}

// The tolerance kinds and notes of a section's cases, distinct, in order.
std::string tolerance_text(const std::vector<const CaseResult*>& cases) {
  std::vector<std::pair<std::string, std::string>> seen;
  for (const CaseResult* c : cases) {
    std::pair<std::string, std::string> kn{c->tolerance_kind, c->tolerance_note};
    if (std::find(seen.begin(), seen.end(), kn) == seen.end()) seen.push_back(kn);
  }
  std::string s;
  for (const auto& [kind, note] : seen) {
    s += fmt::format("<p class=\"tol\">Tolerance <strong>{}</strong>{}{}</p>\n", xml_escape(kind.empty() ? "?" : kind),
                     note.empty() ? "" : ": ", xml_escape(note));
  }
  return s;
}

std::string section_html(const KernelSummary& k, size_t index, const std::vector<const CaseResult*>& cases) {
  std::string s = fmt::format("<section id=\"s{}\">\n<h2>{} <small>[{}]</small></h2>\n", index,
                              xml_escape(k.kernel), xml_escape(k.impl));
  s += fmt::format("<p>{} cases, {} failed; max error {}, max bound ratio {}{}</p>\n", k.cases, k.failed,
                   max_error_text(k), format_number(k.max_bound_ratio),
                   k.error_unit == "abs" ? " (the bound is absolute, set by quantization steps: the ULP histogram "
                                           "is for reference only)"
                                         : "");
  s += tolerance_text(cases);
  const bool nonfinite = std::any_of(cases.begin(), cases.end(), [](const CaseResult* c) { return has_nonfinite(*c); });
  s += histogram_svg(k.ulp_histogram, nonfinite);
  if (const CaseResult* w = worst_case(cases)) {
    s += fmt::format("<h3>Worst elements of the worst case: <code>{}</code> ({}; bound ratio {})</h3>\n",
                     xml_escape(w->case_id), w->passed ? "pass" : "FAIL", format_number(w->bound_ratio));
    s += worst_table(*w);
  }
  const std::string head = "<tr><th>case</th><th>max error</th><th>bound ratio</th><th>max abs</th>";
  if (k.failed) {
    s += fmt::format("<h3>Failed cases ({})</h3>\n<table class=\"cases\">\n", k.failed);
    s += head + "<th>failure</th><th>repro</th></tr>\n";
    for (const CaseResult* c : cases)
      if (!c->passed) s += case_row(*c, true);
    s += "</table>\n";
  }
  // The passing cases fold away (<details>, no script); only those closest
  // to their bound are listed, so the page stays small for any run size.
  std::vector<const CaseResult*> passing;
  for (const CaseResult* c : cases)
    if (c->passed) passing.push_back(c);
  if (!passing.empty()) {
    const size_t shown = std::min(passing.size(), kPassingShown);
    std::stable_sort(passing.begin(), passing.end(),
                     [](const CaseResult* a, const CaseResult* b) { return worse(a->bound_ratio, b->bound_ratio); });
    s += fmt::format("<details><summary>{} passing cases{}</summary>\n<table class=\"cases\">\n", passing.size(),
                     shown < passing.size() ? fmt::format(": the {} closest to their bound (all in report.json)", shown)
                                            : std::string());
    s += head + "</tr>\n";
    for (size_t i = 0; i < shown; i++) s += case_row(*passing[i], false);
    s += "</table>\n</details>\n";
  }
  s += "</section>\n";
  return s;
}

constexpr const char* kLegend = R"(<section id="legend">
<h2>Reading this report</h2>
<dl class="legend">
<dt>ULP distance</dt>
<dd>How many float32 values lie between the implementation's output (got) and the exact value rounded to float32
(expected): 0 is the same float, 1 the neighbouring one. The histograms count output elements by it.</dd>
<dt>max error</dt>
<dd>The largest error of the cases in the unit its bound is about: the ULP distance for float kernels, the absolute
error ("abs") for quantized products and quantizers, whose bound is a sum of quantization steps (next to a near-zero
output, their ULP distances are huge and mean nothing).</dd>
<dt>bound</dt>
<dd>The largest error the kernel's error analysis allows for that element (its tolerance, below each kernel's
heading); 0 where the result must be exact.</dd>
<dt>bound ratio (tightness)</dt>
<dd>|got &#8722; expected| / bound. A case fails when an element's ratio exceeds 1; near 1 the bound is tight,
near 0 it leaves much room. A NaN or nonzero error against a zero bound counts as inf.</dd>
<dt>f32 bits</dt>
<dd>The value's float32 bit pattern in hex, to tell signed zeros, NaNs and neighbouring floats apart.</dd>
</dl>
</section>
)";

}  // namespace

void write_html(const Report& r, const std::string& path) {
  std::map<std::pair<std::string, std::string>, std::vector<const CaseResult*>> by_key;
  int failed = 0;
  for (const CaseResult& c : r.cases) {
    by_key[{c.kernel, c.impl}].push_back(&c);
    if (!c.passed) failed++;
  }
  const std::vector<KernelSummary> summaries = summarize(r);
  std::map<std::pair<std::string, std::string>, size_t> section_of;
  for (size_t i = 0; i < summaries.size(); i++) section_of[{summaries[i].kernel, summaries[i].impl}] = i;

  std::string out = detail::html_begin("9ml conformance report");
  out += fmt::format("<p class=\"{}\">{}: {} cases, {} passed, {} failed</p>\n", failed ? "fail" : "pass",
                     failed ? "FAIL" : "PASS", r.cases.size(), r.cases.size() - failed, failed);
  if (const Totals t = totals(r.cases); t.xfailed || t.xpassed)
    out += fmt::format("<p class=\"{}\">Known deviations (--xfail): {} xfailed (counted as failed above), {} xpassed "
                       "(XPASS fails the run)</p>\n", t.xpassed ? "fail" : "pass", t.xfailed, t.xpassed);
  if (auto it = r.environment.find("fault_injection"); it != r.environment.end())
    out += detail::fault_note(it->second, "");
  out += "<ul>\n";
  out += fmt::format("<li>time: {} s</li>\n", format_number(r.seconds));
  out += fmt::format("<li>command: <code>{}</code></li>\n", xml_escape(r.command));
  out += fmt::format("<li>host: {}; tool: {} {}; created: {}</li>\n", xml_escape(r.host), xml_escape(r.tool),
                     xml_escape(r.tool_version), xml_escape(r.created_utc));
  out += "</ul>\n";
  if (!r.environment.empty()) {
    out += "<table class=\"env\">\n<caption>Environment</caption>\n";
    for (const auto& [k, v] : r.environment)
      out += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", xml_escape(k), xml_escape(v));
    out += "</table>\n";
  }
  if (!r.not_run.empty()) {
    out += "<table class=\"env\">\n<caption>Not run (skipped, with the reason)</caption>\n";
    for (const NotRun& n : r.not_run)
      out += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", xml_escape(n.impl), xml_escape(n.reason));
    out += "</table>\n";
  }

  // Failures first: every failing case, its repro line and its worst elements.
  out += fmt::format("<section id=\"failures\">\n<h2>Failures ({})</h2>\n", failed);
  if (failed == 0) {
    out += "<p class=\"pass\">No case failed.</p>\n";
  } else {
    out += "<table class=\"failures\">\n<tr><th>case</th><th>impl</th><th>failure</th><th>repro</th></tr>\n";
    for (const CaseResult& c : r.cases) {
      if (c.passed) continue;
      out += fmt::format(
          "<tr class=\"fail\"><td><a href=\"#s{}\"><code>{}</code></a></td><td>{}</td><td>{}</td>"
          "<td><code>{}</code></td></tr>\n",
          section_of[{c.kernel, c.impl}], xml_escape(c.case_id), xml_escape(c.impl),
          xml_escape(c.failure.empty() ? "failed" : c.failure), xml_escape(c.repro));
      out += "<tr class=\"worst\"><td colspan=\"4\">" + worst_table(c) + "</td></tr>\n";
    }
    out += "</table>\n";
  }
  out += "</section>\n";
  out += kLegend;

  out += "<section id=\"summary\">\n<h2>Kernels</h2>\n";
  out += "<table>\n<tr><th>kernel</th><th>impl</th><th>cases</th><th>failed</th><th>max error</th>"
         "<th>max bound ratio</th><th>tolerance</th></tr>\n";
  for (size_t i = 0; i < summaries.size(); i++) out += summary_row(summaries[i], i);
  out += "</table>\n</section>\n";
  for (size_t i = 0; i < summaries.size(); i++) {
    const KernelSummary& k = summaries[i];
    out += section_html(k, i, by_key[{k.kernel, k.impl}]);
  }
  out += detail::html_end();
  detail::write_file(path, out);
}

}  // namespace nineml::report
