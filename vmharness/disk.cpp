#include "disk.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "owned.hpp"
#include "process.hpp"

namespace nineml::vm {

namespace fs = std::filesystem;

namespace {
std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void tool(const std::vector<std::string>& argv, const std::string& what) {
  std::string out;
  int rc = run_command(argv, &out, 120);
  if (rc != 0) throw std::runtime_error(what + " failed (status " + std::to_string(rc) + "): " + out);
}
}  // namespace

bool dos_device_name(const std::string& file_name) {
  std::string base = lower(file_name.substr(0, file_name.find('.')));
  static const char* kNames[] = {"con", "aux", "nul", "prn", "clock$"};
  for (const char* n : kNames)
    if (base == n) return true;
  if (base.size() == 4 && (base.starts_with("com") || base.starts_with("lpt")) && base[3] >= '1' && base[3] <= '9')
    return true;
  return false;
}

bool is_our_image(const std::string& image) {
  std::ifstream f(image, std::ios::binary);
  char boot[90] = {};
  f.read(boot, sizeof boot);
  // FAT32 boot sector: volume label at 71, file system type at 82.
  return f.gcount() == sizeof boot && std::string(boot + 71, 11) == "NINEML     " &&
         std::string(boot + 82, 8) == "FAT32   ";
}

void check_our_image(const std::string& image) {
  std::error_code ec;
  fs::file_status st = fs::symlink_status(image, ec);
  if (st.type() != fs::file_type::not_found && (st.type() != fs::file_type::regular || !is_our_image(image)))
    throw UsageError("--run-dir: " + image + " is not a shared disk 9ml vm made (a FAT32 image labelled NINEML); "
                     "move it or choose another --run-dir");
}

void make_fat_image(const std::string& image, int megabytes) {
  megabytes = std::max(megabytes, 40);
  check_our_image(image);
  fs::remove(image);
  {
    std::error_code ec;
    std::ofstream(image).close();
    fs::resize_file(image, static_cast<uintmax_t>(megabytes) << 20, ec);
    if (ec) throw std::runtime_error(image + ": cannot size the image: " + ec.message());
  }
  tool({"mformat", "-i", image, "-F", "-v", "NINEML", "::"}, "mformat -F " + image);
}

void copy_into_image(const std::string& image, const std::string& local_dir) {
  std::map<std::string, uintmax_t> want;  // lowercased relative path -> size
  std::vector<std::string> top;
  for (const auto& e : fs::recursive_directory_iterator(local_dir)) {
    std::string rel = fs::relative(e.path(), local_dir).generic_string();
    if (dos_device_name(e.path().filename().string()))
      throw std::runtime_error(rel + ": a DOS device name, which FAT cannot store");
    if (e.is_regular_file()) {
      std::string key = lower(rel);
      if (want.count(key)) throw std::runtime_error(rel + ": differs from another file only in case");
      want[key] = e.file_size();
    }
  }
  for (const auto& e : fs::directory_iterator(local_dir)) top.push_back(e.path().string());
  std::sort(top.begin(), top.end());
  if (top.empty()) return;
  std::vector<std::string> argv = {"mcopy", "-i", image, "-s", "-Q", "-D", "o"};
  argv.insert(argv.end(), top.begin(), top.end());
  argv.push_back("::");
  tool(argv, "mcopy into " + image);
  // Check every copy: mdir's listing, recursive, with sizes.
  std::string listing;
  if (run_command({"mdir", "-i", image, "-/", "-a", "::"}, &listing, 120) != 0)
    throw std::runtime_error("mdir " + image + " failed: " + listing);
  std::map<std::string, uintmax_t> got;
  std::string dir, line;
  std::istringstream in(listing);
  while (std::getline(in, line)) {
    if (line.starts_with("Directory for ::")) {
      dir = lower(line.substr(16));
      while (!dir.empty() && (dir.front() == '/')) dir.erase(0, 1);
      if (!dir.empty()) dir += "/";
      continue;
    }
    // "NAME    EXT      SIZE DATE TIME  LONGNAME" (long name last if any)
    std::istringstream w(line);
    std::vector<std::string> f;
    for (std::string t; w >> t;) f.push_back(t);
    if (f.size() < 4 || f[0] == "." || f[0] == ".." || line.find("<DIR>") != std::string::npos) continue;
    size_t si = std::isdigit(static_cast<unsigned char>(f[1][0])) ? 1 : 2;
    if (si >= f.size() || !std::all_of(f[si].begin(), f[si].end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
      continue;
    std::string name = f.size() > si + 3 ? f.back() : (si == 1 ? f[0] : f[0] + "." + f[1]);
    got[dir + lower(name)] = std::stoull(f[si]);
  }
  for (const auto& [path, size] : want) {
    auto it = got.find(path);
    if (it == got.end()) throw std::runtime_error("mcopy: " + path + " did not arrive in " + image);
    if (it->second != size)
      throw std::runtime_error("mcopy: " + path + " has " + std::to_string(it->second) + " bytes in the image, " +
                               std::to_string(size) + " on the host");
  }
}

void copy_out_of_image(const std::string& image, const std::string& remote_dir, const std::string& local_parent) {
  fs::create_directories(local_parent);
  tool({"mcopy", "-i", image, "-s", "-n", "-o", "::" + remote_dir, local_parent + "/"}, "mcopy out of " + image);
}

}  // namespace nineml::vm
