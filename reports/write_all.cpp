// The four report files of one run, side by side in one directory.
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "report.hpp"

namespace nineml::report {

void write_all(const Report& r, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error(dir + ": cannot create directory: " + ec.message());
  const std::filesystem::path d(dir);
  write_json(r, (d / "report.json").string());
  write_junit(r, (d / "junit.xml").string());
  write_markdown(r, (d / "summary.md").string());
  write_html(r, (d / "index.html").string());
}

}  // namespace nineml::report
