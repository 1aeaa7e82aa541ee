// Helpers shared by the report writers; not part of the public interface.
#pragma once

#include <string>
#include <string_view>

namespace nineml::report::detail {

// Writes `content` to `path` atomically (port.h nm_write_file: the old file
// stays until the new one is complete), throwing std::runtime_error("PATH: problem").
void write_file(const std::string& path, std::string_view content);

// The text with what no report format can show as it is made visible:
// each byte of a control character (C0 but tab and newline; DEL; C1),
// of U+FFFE/U+FFFF or of invalid UTF-8 as "\xNN" (lowercase hex). Every
// writer applies it but report.json, where JSON's own \u escapes keep each
// character exactly.
std::string printable(std::string_view s);

// printable() text safe inside XML/HTML element content and double-quoted
// attributes.
std::string xml_escape(std::string_view s);

// Text safe inside a Markdown table cell or list item: shown as it is, never
// markup. printable(), then <, > and & as entities; |, ` and \ escaped by
// a backslash; newlines as spaces.
std::string md_cell(std::string_view s);
// printable() text as a Markdown code span, fenced with enough backticks (no
// markup is interpreted inside one; newlines as spaces). Not for table cells: a pipe
// would still end the cell.
std::string md_code(std::string_view s);

// A metric for people: integers without a fraction, others to 4 digits,
// and "nan" / "inf" / "-inf" for non-finite values.
std::string format_number(double v);

}  // namespace nineml::report::detail
