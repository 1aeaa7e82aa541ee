// Escaping and number formatting shared by the JUnit, Markdown and HTML writers.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "detail.hpp"

namespace nineml::report::detail {

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      // Character references keep newlines and tabs intact inside attributes,
      // where a literal one would be normalised to a space.
      case '\n': out += "&#10;"; break;
      case '\r': out += "&#13;"; break;
      case '\t': out += "&#9;"; break;
      default:
        if (u < 0x20 || u == 0x7f)
          out += "\xEF\xBF\xBD";  // not representable in XML 1.0, even as a reference
        else
          out += c;
    }
  }
  return out;
}

std::string md_cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      // Markdown renderers pass raw HTML through: a case name or a failure
      // message must not become markup (<script>, <img onerror=...>).
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      // A pipe would end the table cell, a backtick open a code span, a
      // backslash escape what follows it.
      case '|': out += "\\|"; break;
      case '`': out += "\\`"; break;
      case '\\': out += "\\\\"; break;
      case '\n': case '\r': out += ' '; break;
      default: out += c;
    }
  }
  return out;
}

std::string md_code(std::string_view s) {
  // A code span is fenced by a run of backticks longer than any run inside it.
  size_t longest = 0, run = 0;
  std::string flat;
  for (char c : s) {
    run = (c == '`') ? run + 1 : 0;
    longest = std::max(longest, run);
    flat += (c == '\n' || c == '\r') ? ' ' : c;
  }
  std::string fence(longest + 1, '`');
  bool pad = !flat.empty() && (flat.front() == '`' || flat.back() == '`');
  return pad ? fence + " " + flat + " " + fence : fence + flat + fence;
}

std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{:.0f}", v);
  return fmt::format("{:.4g}", v);
}

}  // namespace nineml::report::detail
