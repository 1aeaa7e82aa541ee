// Writing a whole file with errors that name the path.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "detail.hpp"

namespace nineml::report::detail {

void write_file(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error(path + ": cannot open for writing: " + std::strerror(errno));
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.flush();
  if (!out) throw std::runtime_error(path + ": write failed: " + std::strerror(errno));
}

}  // namespace nineml::report::detail
