// Writing a whole file with errors that name the path, through port.h's
// atomic output (nm_write_file): a failed or interrupted write leaves an
// existing report file as it was, never a truncated one.
#include <stdexcept>

#include "detail.hpp"
#include "port/port.h"

namespace nineml::report::detail {

void write_file(const std::string& path, std::string_view content) {
  char err[512];
  if (nm_write_file(path.c_str(), reinterpret_cast<const nm_u8*>(content.data()), content.size(), err, sizeof err) != 0)
    throw std::runtime_error(err);  // "PATH: cannot create (reason)", ...
}

}  // namespace nineml::report::detail
