// Path arguments from Python: str or any os.PathLike (os.fspath), and the
// standard OSError subclasses for files that cannot be read, with the path
// as the exception's filename (FileNotFoundError for a missing file).
#pragma once

#include <pybind11/pybind11.h>

#include <string>

namespace p9ml {

namespace py = pybind11;

// Raised as OSError(errno, message, path): Python picks the subclass
// (FileNotFoundError, PermissionError, IsADirectoryError) from errno.
struct OsErr : std::exception {
  int err;
  std::string msg, path;
  OsErr(int e, std::string m, std::string p) : err(e), msg(std::move(m)), path(std::move(p)) {}
  const char* what() const noexcept override { return msg.c_str(); }
};

// `p` as a path string; TypeError naming `what` for anything else.
std::string path_arg(const py::object& p, const std::string& what);

// A file to read: path_arg, then OsErr when it is missing, a directory or
// unreadable (OSError's message "WHAT: no such file", its filename PATH).
std::string input_file(const py::object& p, const std::string& what);

}  // namespace p9ml
