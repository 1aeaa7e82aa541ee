// index.html: one self-contained page (inline CSS and SVG, no scripts, no
// external assets) with the summary table and a ULP histogram per kernel x impl.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "detail.hpp"
#include "report.hpp"

namespace nineml::report {

namespace {

using detail::format_number;
using detail::xml_escape;

constexpr const char* kStyle = R"(
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #bbb; padding: 0.2em 0.6em; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.fail td, li.fail { background: #fdd; }
p.fail { color: #a00; font-weight: bold; }
p.pass { color: #070; font-weight: bold; }
code { background: #f4f4f4; padding: 0 0.2em; }
section { border-top: 1px solid #ccc; margin-top: 2em; }
svg .bar { fill: #4a7ab5; }
svg .bar.overflow { fill: #c33; }
svg .axis { stroke: #444; stroke-width: 1; }
svg text { font-size: 10px; fill: #222; }
)";

// Counts above bars must fit a bar's width: at most about four characters.
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

// Bar heights are log-scaled so one stray 1000-ULP element stays visible
// next to a million exact ones.
std::string histogram_svg(const std::vector<int64_t>& hist) {
  constexpr int kBarW = 22, kPlotH = 120, kLeft = 40, kTop = 16, kLabelH = 70;
  const int bins = static_cast<int>(hist.size());
  const int width = kLeft + bins * kBarW + 10;
  const int height = kTop + kPlotH + kLabelH;
  const int64_t max_count = hist.empty() ? 0 : *std::max_element(hist.begin(), hist.end());

  std::string s = fmt::format(
      "<svg width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\" "
      "aria-label=\"ULP error histogram, log-scaled counts\">\n",
      width, height, width, height);
  const int base = kTop + kPlotH;
  s += fmt::format("<line class=\"axis\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\n", kLeft, base,
                   width - 10, base);
  s += fmt::format("<line class=\"axis\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\n", kLeft, kTop, kLeft, base);
  s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", kLeft - 4, kTop + 4,
                   compact_count(max_count));
  s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>\n", kLeft - 4, base);
  if (max_count == 0) {
    s += fmt::format("<text x=\"{}\" y=\"{}\">no ULP histogram recorded</text>\n", kLeft + 10, kTop + kPlotH / 2);
  }
  const double scale = max_count > 0 ? std::log1p(static_cast<double>(max_count)) : 1.0;
  for (int b = 0; b < bins; b++) {
    const int x = kLeft + b * kBarW;
    const int64_t n = hist[b];
    if (n > 0) {
      int h = std::max(1, static_cast<int>(std::lround(kPlotH * std::log1p(static_cast<double>(n)) / scale)));
      s += fmt::format("<rect class=\"bar{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{} ULP: {}</title></rect>\n",
                       b == kUlpBins - 1 ? " overflow" : "", x + 2, base - h, kBarW - 4, h,
                       xml_escape(ulp_bin_label(b)), n);
      s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", x + kBarW / 2, base - h - 3,
                       compact_count(n));
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
      format_number(k.max_ulp), format_number(k.max_bound_ratio), xml_escape(k.tolerance_kind));
}

std::string case_row(const CaseResult& c) {
  return fmt::format(
      "<tr{}><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
      "<td class=\"num\">{}</td><td>{}</td></tr>\n",
      c.passed ? "" : " class=\"fail\"", xml_escape(c.case_id), c.passed ? "pass" : "FAIL",
      format_number(c.max_ulp), format_number(c.bound_ratio), format_number(c.max_abs), xml_escape(c.failure));
}

std::string section_html(const KernelSummary& k, size_t index, const std::vector<const CaseResult*>& cases) {
  std::string s = fmt::format("<section id=\"s{}\">\n<h2>{} <small>[{}]</small></h2>\n", index,
                              xml_escape(k.kernel), xml_escape(k.impl));
  s += fmt::format("<p>{} cases, {} failed; max ULP {}, max bound ratio {}, tolerance {}</p>\n", k.cases,
                   k.failed, format_number(k.max_ulp), format_number(k.max_bound_ratio),
                   xml_escape(k.tolerance_kind));
  s += histogram_svg(k.ulp_histogram);
  if (k.failed) {
    s += "<h3>Failed cases</h3>\n<ul>\n";
    for (const CaseResult* c : cases) {
      if (c->passed) continue;
      s += fmt::format("<li class=\"fail\"><code>{}</code>: {}<br>repro: <code>{}</code></li>\n",
                       xml_escape(c->case_id), xml_escape(c->failure.empty() ? "failed" : c->failure),
                       xml_escape(c->repro));
    }
    s += "</ul>\n";
  }
  // <details> folds the full case list without needing any script.
  s += fmt::format("<details><summary>All {} cases</summary>\n<table>\n", cases.size());
  s += "<tr><th>case</th><th>result</th><th>max ULP</th><th>bound ratio</th><th>max abs</th><th>failure</th></tr>\n";
  for (const CaseResult* c : cases) s += case_row(*c);
  s += "</table>\n</details>\n</section>\n";
  return s;
}

}  // namespace

void write_html(const Report& r, const std::string& path) {
  std::map<std::pair<std::string, std::string>, std::vector<const CaseResult*>> by_key;
  int failed = 0;
  for (const CaseResult& c : r.cases) {
    by_key[{c.kernel, c.impl}].push_back(&c);
    if (!c.passed) failed++;
  }
  const std::vector<KernelSummary> summaries = summarize(r);

  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<title>9ml conformance report</title>\n<style>";
  out += kStyle;
  out += "</style>\n</head>\n<body>\n<h1>9ml conformance report</h1>\n";
  out += fmt::format("<p class=\"{}\">{}: {} cases, {} passed, {} failed</p>\n", failed ? "fail" : "pass",
                     failed ? "FAIL" : "PASS", r.cases.size(), r.cases.size() - failed, failed);
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
  out += "<table>\n<tr><th>kernel</th><th>impl</th><th>cases</th><th>failed</th><th>max ULP</th>"
         "<th>max bound ratio</th><th>tolerance</th></tr>\n";
  for (size_t i = 0; i < summaries.size(); i++) out += summary_row(summaries[i], i);
  out += "</table>\n";
  for (size_t i = 0; i < summaries.size(); i++) {
    const KernelSummary& k = summaries[i];
    out += section_html(k, i, by_key[{k.kernel, k.impl}]);
  }
  out += "</body>\n</html>\n";
  detail::write_file(path, out);
}

}  // namespace nineml::report
