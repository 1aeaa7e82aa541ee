#include "owned.hpp"

#include <filesystem>
#include <fstream>

namespace nineml::vm {

namespace fs = std::filesystem;

bool is_owned_dir(const std::string& dir) {
  std::error_code ec;
  return fs::symlink_status(dir, ec).type() == fs::file_type::directory &&
         fs::symlink_status(fs::path(dir) / kOwnedMarker, ec).type() == fs::file_type::regular;
}

void check_owned_dir(const std::string& dir, const std::string& option) {
  std::error_code ec;
  fs::file_status st = fs::symlink_status(dir, ec);
  if (st.type() == fs::file_type::not_found || is_owned_dir(dir)) return;
  if (st.type() != fs::file_type::directory)
    throw UsageError(option + ": " + dir + " exists and is not a folder 9ml vm made; move it or choose another " +
                     option);
  if (!fs::is_empty(dir))
    throw UsageError(option + ": " + dir + " holds files 9ml vm did not create (no " + kOwnedMarker +
                     " in it); move them or choose another " + option);
}

void reset_owned_dir(const std::string& dir, const std::string& option) {
  check_owned_dir(dir, option);
  if (is_owned_dir(dir)) fs::remove_all(dir);  // symlinks inside are removed, never followed
  fs::create_directories(dir);
  std::ofstream m(fs::path(dir) / kOwnedMarker);
  m << "made by 9ml vm, which empties this folder on its next run\n";
  if (!m) throw std::runtime_error(dir + "/" + kOwnedMarker + ": cannot write");
}

}  // namespace nineml::vm
