// Escaping and number formatting shared by the JUnit, Markdown and HTML writers.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "detail.hpp"

namespace nineml::report::detail {

namespace {

// Length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF) and its code point; 0 if the
// bytes there are not one.
size_t utf8_at(std::string_view s, size_t i, char32_t& cp) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  cp = n == 1 ? c : c & (0x7F >> n);
  for (size_t k = 1; k < n; k++) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// Control characters (C0 but tab and newline; DEL; C1) and the
// non-characters U+FFFE/U+FFFF: XML 1.0 cannot carry most of them even as a
// reference, HTML calls them parse errors, and in a terminal ESC starts an
// escape sequence and CR writes over the line.
bool shown_escaped(char32_t cp) {
  return (cp < 0x20 && cp != '\t' && cp != '\n') || (cp >= 0x7F && cp <= 0x9F) || cp == 0xFFFE ||
         cp == 0xFFFF;
}

}  // namespace

std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    size_t n = utf8_at(s, i, cp);
    if (n != 0 && !shown_escaped(cp)) {
      out.append(s.substr(i, n));
      i += n;
      continue;
    }
    // Each byte of the character (or the one byte that starts no valid
    // character) as a visible \xNN.
    for (size_t k = 0; k < std::max<size_t>(n, 1); k++)
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(s[i + k]));
    i += std::max<size_t>(n, 1);
  }
  return out;
}

std::string xml_escape(std::string_view raw) {
  std::string s = printable(raw);
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      // Character references keep newlines and tabs intact inside attributes,
      // where a literal one would be normalised to a space.
      case '\n': out += "&#10;"; break;
      case '\t': out += "&#9;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string md_cell(std::string_view raw) {
  std::string out;
  for (char c : printable(raw)) {
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
      case '\n': out += ' '; break;
      default: out += c;
    }
  }
  return out;
}

std::string md_code(std::string_view raw) {
  std::string s = printable(raw);
  // A code span is fenced by a run of backticks longer than any run inside it.
  size_t longest = 0, run = 0;
  std::string flat;
  for (char c : s) {
    run = (c == '`') ? run + 1 : 0;
    longest = std::max(longest, run);
    flat += c == '\n' ? ' ' : c;
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
