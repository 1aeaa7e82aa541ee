// html_page.hpp: the stylesheet and frame of index.html and diff.html.
#include "html_page.hpp"

#include <fmt/format.h>

#include "detail.hpp"

namespace nineml::report::detail {

namespace {

// Long unbroken text (repro lines, case keys, flags) wraps anywhere rather
// than widening the page past the window.
constexpr const char* kStyle = R"(
body { font-family: sans-serif; margin: 1.5em 2em; color: #222; }
h1 { margin: 0 0 0.3em 0; }
table { border-collapse: collapse; margin: 0.6em 0; }
th, td { border: 1px solid #bbb; padding: 0.2em 0.6em; text-align: left; overflow-wrap: anywhere; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
caption { text-align: left; font-weight: bold; }
table.env { font-size: 0.85em; }
table.env th, table.env td { padding: 0.05em 0.5em; }
table.failures { width: 100%; }
table.failures > tbody > tr.fail > td:first-child { min-width: 16em; }
table.failures > tbody > tr.worst > td { border-top: none; padding: 0 0.6em 0.4em 2em; }
table.worst { margin: 0.2em 0; font-size: 0.9em; }
table.worst td, table.worst th { padding: 0.05em 0.5em; }
tr.fail td, li.fail { background: #fdd; }
tr.over td { background: #fdd; }
p.fail { color: #a00; font-weight: bold; }
p.pass { color: #070; font-weight: bold; }
p.fault { background: #ffe9a8; padding: 0.3em 0.6em; }
code { background: #f4f4f4; padding: 0 0.2em; overflow-wrap: anywhere; }
section { border-top: 1px solid #ccc; margin-top: 1.5em; }
dl.legend dt { font-weight: bold; }
dl.legend dd { margin: 0 0 0.4em 1.5em; }
svg { max-width: 100%; height: auto; }
svg .bar { fill: #4a7ab5; }
svg .bar.overflow { fill: #c33; }
svg .axis { stroke: #444; stroke-width: 1; }
svg text { font-size: 10px; fill: #222; }
svg text.title { font-size: 12px; }
table.sidebyside { width: 100%; table-layout: fixed; }
table.sidebyside tr > *:first-child { width: 11em; }
tr.changed th, tr.changed td { background: #ffe9a8; }
tr.better td, td.better { background: #dfd; }
td.fail { background: #fdd; }
table.moved { width: 100%; }
table.moved th, table.moved td:nth-child(-n+2), table.counts th { overflow-wrap: break-word; }
)";

}  // namespace

std::string html_begin(std::string_view title) {
  const std::string t = xml_escape(title);
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
      t, kStyle, t);
}

std::string html_end() { return "</body>\n</html>\n"; }

std::string fault_note(std::string_view fault, std::string_view whose) {
  return fmt::format(
      "<p class=\"fault\">Fault injection was on{} (<code>NINEML_FAULT={}</code>): failures of that kernel are a "
      "self-test of the checks, not a regression.</p>\n",
      whose.empty() ? std::string() : " in " + xml_escape(whose), xml_escape(fault));
}

}  // namespace nineml::report::detail
