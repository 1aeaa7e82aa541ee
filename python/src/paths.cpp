// paths.cpp: path arguments (paths.hpp).
#include "paths.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "arrays.hpp"

namespace p9ml {

std::string path_arg(const py::object& p, const std::string& what) {
  if (py::isinstance<py::str>(p)) return p.cast<std::string>();
  if (py::hasattr(p, "__fspath__")) {
    py::object s = py::module_::import("os").attr("fspath")(p);
    if (py::isinstance<py::str>(s)) return s.cast<std::string>();
  }
  throw TypeErr(what + " must be a str or os.PathLike path, got an object of type " +
                std::string(py::str(py::type::handle_of(p).attr("__name__"))));
}

std::string input_file(const py::object& p, const std::string& what) {
  std::string path = path_arg(p, what);
  std::error_code ec;
  auto st = std::filesystem::status(path, ec);
  // Python prints OSError as "[Errno N] MESSAGE: 'PATH'": the path is not repeated in MESSAGE.
  if (!std::filesystem::exists(st)) throw OsErr(ENOENT, what + ": no such file", path);
  if (std::filesystem::is_directory(st)) throw OsErr(EISDIR, what + ": is a directory", path);
  if (::access(path.c_str(), R_OK) != 0) {
    int e = errno;
    throw OsErr(e, what + ": " + std::strerror(e), path);
  }
  return path;
}

}  // namespace p9ml
