#include "linux_image.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

#include "owned.hpp"
#include "plan.hpp"
#include "process.hpp"

namespace nineml::vm {

namespace fs = std::filesystem;

namespace {

// The cloud kernel's, in dependency order (depmod on the extracted tree
// prints it); a module that is built in is simply absent.
const char* kModules[] = {"virtio_ring", "virtio", "virtio_pci_legacy_dev", "virtio_pci_modern_dev", "virtio_pci",
                          "virtio_blk", "fat", "vfat", "nls_cp437", "nls_iso8859-1", "nls_ascii"};

// What the standard kernel's guest asks for: the shared disk (FAT, whose
// default iocharset is ascii, with utf8 names), the virtio-serial ports, and
// 9P over a file descriptor (and over virtio). Their dependencies come from
// modinfo and are loaded first.
const char* kStandardWanted[] = {"virtio_pci",     "virtio_blk", "vfat",         "nls_cp437", "nls_iso8859-1", "nls_ascii",
                                 "nls_utf8",       "virtio_console", "9pnet_fd", "9pnet_virtio", "9p"};

std::string must(const std::vector<std::string>& argv, const std::string& step, const std::string& cwd = "") {
  std::string out;
  int rc = run_command(argv, &out, 600, cwd);
  if (rc != 0) throw std::runtime_error("linux guest: " + step + " failed (status " + std::to_string(rc) + "): " + out);
  return out;
}

std::string find_vmlinuz(const fs::path& root) {
  if (!fs::exists(root / "boot")) return "";
  for (const auto& e : fs::directory_iterator(root / "boot"))
    if (e.path().filename().string().starts_with("vmlinuz-")) return e.path().string();
  return "";
}

// A module's name as the kernel knows it: dashes and underscores are one.
std::string module_key(std::string name) {
  for (char& c : name)
    if (c == '-') c = '_';
  return name;
}

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), {});
}

// The standard kernel's .deb in the install-time cache: the newest
// linux-image-X.Y.Z-N-amd64_*.deb there (install-deps.sh keeps one).
std::string find_standard_deb() {
  std::string dir = standard_kernel_deb_dir();
  static const std::regex name("^linux-image-[0-9]+\\.[0-9]+\\.[0-9]+-[0-9]+-amd64_[^_]+_amd64\\.deb$");
  std::string best;
  fs::file_time_type best_time{};
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (!std::regex_match(e.path().filename().string(), name)) continue;
    auto t = fs::last_write_time(e.path(), ec);
    if (best.empty() || t > best_time) best = e.path().string(), best_time = t;
  }
  return best;
}

// What a standard root was extracted from (file name and size): a new .deb
// in the cache replaces it.
std::string deb_identity(const std::string& deb) {
  return fs::path(deb).filename().string() + " " + std::to_string(fs::file_size(deb)) + "\n";
}

std::string cloud_root(const std::string& cache_dir) { return (fs::path(cache_dir) / "linux-root").string(); }
std::string standard_root(const std::string& cache_dir) { return (fs::path(cache_dir) / "linux-standard-root").string(); }

// True if the standard root holds a kernel extracted from `deb`.
bool standard_root_current(const fs::path& root, const std::string& deb) {
  return !find_vmlinuz(root).empty() && fs::exists(root / "source.txt") && read_file(root / "source.txt") == deb_identity(deb);
}

// Extracts the standard kernel's .deb into a stage, finds the wanted modules
// and their dependencies (modinfo -F depends, depth first: each after what it
// needs) and keeps only the kernel and those modules in `root`:
// boot/vmlinuz-*, lib/modules/NAME.ko, modules.txt (load order), source.txt.
void extract_standard(const std::string& cache_dir, const std::string& deb, bool verbose) {
  fs::path root = standard_root(cache_dir), stage = fs::path(cache_dir) / "linux-standard-stage";
  if (verbose) std::fprintf(stderr, "9ml vm: extracting %s\n", deb.c_str());
  reset_owned_dir(stage.string(), "--cache-dir");
  must({"dpkg-deb", "-x", deb, stage.string()}, "dpkg-deb -x " + deb);
  std::string kernel = find_vmlinuz(stage);
  if (kernel.empty()) throw std::runtime_error("linux guest: no boot/vmlinuz-* in " + deb);
  std::map<std::string, fs::path> index;  // module key -> .ko in the stage
  std::set<std::string> builtin;
  fs::path mods = stage / "lib" / "modules";
  if (!fs::exists(mods)) throw std::runtime_error("linux guest: no lib/modules in " + deb);
  for (const auto& e : fs::recursive_directory_iterator(mods)) {
    std::string f = e.path().filename().string();
    if (e.is_regular_file() && f.ends_with(".ko")) index[module_key(f.substr(0, f.size() - 3))] = e.path();
    if (f == "modules.builtin") {
      std::istringstream in(read_file(e.path()));
      for (std::string line; std::getline(in, line);) {
        std::string b = fs::path(line).filename().string();
        if (b.ends_with(".ko")) builtin.insert(module_key(b.substr(0, b.size() - 3)));
      }
    }
  }
  std::vector<fs::path> order;
  std::set<std::string> done, visiting;
  std::function<void(const std::string&, const std::string&)> visit = [&](const std::string& name, const std::string& by) {
    std::string key = module_key(name);
    if (done.count(key) || builtin.count(key)) return;
    if (visiting.count(key)) throw std::runtime_error("linux guest: module dependency cycle at " + name + " in " + deb);
    auto it = index.find(key);
    if (it == index.end())
      throw std::runtime_error("linux guest: module " + name + (by.empty() ? "" : " (needed by " + by + ")") +
                               " is neither in " + deb + " nor built in");
    visiting.insert(key);
    std::string deps = must({"modinfo", "-F", "depends", it->second.string()}, "modinfo " + it->second.string());
    std::stringstream ss(deps);
    for (std::string d; std::getline(ss, d, ',');) {
      while (!d.empty() && (d.back() == '\n' || d.back() == ' ')) d.pop_back();
      if (!d.empty()) visit(d, name);
    }
    visiting.erase(key);
    done.insert(key);
    order.push_back(it->second);
  };
  for (const char* w : kStandardWanted) visit(w, "");
  reset_owned_dir(root.string(), "--cache-dir");
  fs::create_directories(root / "boot");
  fs::create_directories(root / "lib" / "modules");
  std::string list;
  for (const auto& m : order) {
    fs::copy_file(m, root / "lib" / "modules" / m.filename());
    list += m.stem().string() + "\n";
  }
  {
    std::ofstream f(root / "modules.txt");
    f << list;
  }
  // The kernel last: a root with a kernel is complete.
  {
    std::ofstream f(root / "source.txt");
    f << deb_identity(deb);
  }
  fs::copy_file(kernel, root / "boot" / fs::path(kernel).filename());
  fs::remove_all(stage);  // ours (reset_owned_dir made it)
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) v.push_back(line);
  return v;
}

}  // namespace

bool valid_kernel_flavor(const std::string& flavor) { return flavor == "cloud" || flavor == "standard"; }

std::string standard_kernel_deb_dir() {
  const char* d = std::getenv("NINEML_LINUX_DEB_DIR");
  return d && *d ? d : "/var/cache/9ml/linux-image";
}

std::vector<std::string> linux_modules(const std::string& flavor) {
  std::vector<std::string> v;
  if (flavor == "standard")
    for (const char* m : kStandardWanted) v.push_back(m);
  else
    for (const char* m : kModules) v.push_back(m);
  return v;
}

std::string linux_init_script(const std::vector<std::string>& modules, bool standard) {
  std::string mods;
  for (const auto& m : modules) mods += " " + m;
  std::string s = R"SH(#!/bin/busybox sh
# /init of the 9ml Linux guest: modules, shared disk, then a shell on the console.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
case "$(cat /proc/cmdline)" in
*nineml.mode=probe*) echo __9ML_PROBE_OK__; poweroff -f ;;
esac
for m in)SH" + mods + R"SH(; do
  [ -f /lib/modules/$m.ko ] && insmod /lib/modules/$m.ko
done
case "$(cat /proc/cmdline)" in
*nineml.fault=panic*) echo "9ml: init exits on purpose (nineml.fault=panic)"; exit 1 ;;
*nineml.fault=poweroff*) echo "9ml: powering off on purpose (nineml.fault=poweroff)"; poweroff -f ;;
esac
)SH";
  if (standard)
    s += R"SH(# nineml.vport=NAME: the virtio-serial port of that name (it appears
# asynchronously as /dev/vportNpM: 20 s at most). v9fs cannot use it as its
# trans=fd descriptor (virtio_console has no read_iter/write_iter: "kernel
# write not supported"), so two cat processes relay its bytes to and from
# FIFOs, which it can: /run/NAME.in (from the host) and /run/NAME.out (to
# the host). Mount with rfdno=3,wfdno=4 3<>/run/NAME.in 4<>/run/NAME.out.
vport=$(sed -n 's/.*nineml\.vport=\([^ ]*\).*/\1/p' /proc/cmdline)
if [ -n "$vport" ]; then
  i=0
  found=
  while [ -z "$found" ] && [ $i -lt 200 ]; do
    for p in /sys/class/virtio-ports/*; do
      [ -f "$p/name" ] && [ "$(cat "$p/name")" = "$vport" ] && [ -c "/dev/${p##*/}" ] && found=${p##*/}
    done
    [ -n "$found" ] || usleep 100000
    i=$((i+1))
  done
  if [ -n "$found" ]; then
    mkdir -p /run
    mkfifo /run/$vport.in /run/$vport.out
    # One open of the port (a second one is EBUSY), shared by both relays.
    exec 5<>/dev/$found
    cat <&5 1<>/run/$vport.in &
    cat 0<>/run/$vport.out >&5 &
    exec 5>&-
  else
    echo "__9ML_NO_PORT__ $vport"
  fi
fi
)SH";
  s += R"SH(# /dev/vda appears asynchronously: poll for it, 20 s at most.
i=0
while [ ! -b /dev/vda ] && [ $i -lt 200 ]; do usleep 100000; i=$((i+1)); done
mkdir -p /mnt/host
if ! mount -t vfat /dev/vda /mnt/host; then echo "__9ML_NO_DISK__"; fi
echo __9ML_READY__
exec setsid cttyhack sh -i
)SH";
  return s;
}

void check_linux_cache(const std::string& cache_dir, const std::string& flavor) {
  if (flavor == "standard") {
    fs::path stage = fs::path(cache_dir) / "linux-standard-stage";
    if (fs::exists(fs::symlink_status(stage))) check_owned_dir(stage.string(), "--cache-dir");
    std::string deb = find_standard_deb();
    if (!deb.empty() && !standard_root_current(standard_root(cache_dir), deb))
      check_owned_dir(standard_root(cache_dir), "--cache-dir");
    return;
  }
  fs::path root = cloud_root(cache_dir);
  if (find_vmlinuz(root).empty()) check_owned_dir(root.string(), "--cache-dir");
}

LinuxImage ensure_linux_image(const std::string& cache_dir, bool verbose, const std::string& flavor) {
  fs::create_directories(cache_dir);
  const bool standard = flavor == "standard";
  fs::path root = standard ? standard_root(cache_dir) : cloud_root(cache_dir);
  LinuxImage img;
  std::vector<fs::path> mods;
  std::vector<std::string> names;
  if (standard) {
    // Installed by scripts/install-deps.sh; never downloaded here.
    std::string deb = find_standard_deb();
    if (deb.empty())
      throw std::runtime_error("linux guest (standard kernel): no linux-image-X.Y.Z-N-amd64_*.deb in " +
                               standard_kernel_deb_dir() +
                               "; scripts/install-deps.sh downloads Debian's standard kernel there at install time "
                               "(NINEML_LINUX_DEB_DIR names another folder)");
    if (!standard_root_current(root, deb)) extract_standard(cache_dir, deb, verbose);
    img.kernel = find_vmlinuz(root);
    names = split_lines(read_file(root / "modules.txt"));
    for (const auto& n : names) mods.push_back(root / "lib" / "modules" / (n + ".ko"));
  } else {
    img.kernel = find_vmlinuz(root);
    if (img.kernel.empty()) {
      // The meta-package names the current kernel package.
      std::string deps = must({"apt-cache", "depends", "linux-image-cloud-amd64"}, "apt-cache depends linux-image-cloud-amd64");
      std::smatch m;
      if (!std::regex_search(deps, m, std::regex("Depends: (linux-image-[0-9][^\\s]*-cloud-amd64)")))
        throw std::runtime_error("linux guest: apt-cache names no linux-image-*-cloud-amd64 package: " + deps);
      std::string pkg = m[1];
      fs::path debdir = fs::path(cache_dir) / "deb";
      fs::create_directories(debdir);
      std::string deb;
      for (const auto& e : fs::directory_iterator(debdir))
        if (e.path().filename().string().starts_with(pkg + "_")) deb = e.path().string();
      if (deb.empty()) {
        if (verbose) std::fprintf(stderr, "9ml vm: apt-get download %s\n", pkg.c_str());
        must({"apt-get", "download", pkg}, "apt-get download " + pkg + " (needs the Debian package registry)",
             debdir.string());
        for (const auto& e : fs::directory_iterator(debdir))
          if (e.path().filename().string().starts_with(pkg + "_")) deb = e.path().string();
        if (deb.empty()) throw std::runtime_error("linux guest: apt-get download left no " + pkg + "_*.deb");
      }
      reset_owned_dir(root.string(), "--cache-dir");
      must({"dpkg-deb", "-x", deb, root.string()}, "dpkg-deb -x " + deb);
      img.kernel = find_vmlinuz(root);
      if (img.kernel.empty()) throw std::runtime_error("linux guest: no boot/vmlinuz-* in " + deb);
    }
    for (const char* name : kModules)
      for (const auto& e : fs::recursive_directory_iterator(root / "lib" / "modules"))
        if (e.path().filename() == std::string(name) + ".ko") {
          mods.push_back(e.path());
          names.push_back(name);
          break;
        }
  }
  // Inputs of the initramfs: /init, busybox, the modules; a changed input
  // changes the file name.
  std::string busybox = "/bin/busybox";
  if (!fs::exists(busybox)) throw std::runtime_error("linux guest: /bin/busybox missing (install busybox-static)");
  // The cloud /init lists every module it may find (kModules); the standard
  // one exactly those it has, in load order.
  std::string init = linux_init_script(standard ? names : linux_modules("cloud"), standard);
  std::string key = init + std::to_string(fs::file_size(busybox)) + img.kernel;
  for (const auto& m : mods) key += m.string() + std::to_string(fs::file_size(m));
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a64(reinterpret_cast<const uint8_t*>(key.data()), key.size())));
  img.initramfs = (fs::path(cache_dir) / ("initramfs-" + std::string(hex) + ".cpio.gz")).string();
  if (fs::exists(img.initramfs)) return img;
  fs::path stage = fs::path(cache_dir) / "initramfs-stage";
  reset_owned_dir(stage.string(), "--cache-dir");
  for (const char* d : {"bin", "proc", "sys", "dev", "mnt", "lib/modules"}) fs::create_directories(stage / d);
  fs::copy_file(busybox, stage / "bin" / "busybox");
  for (const auto& m : mods) fs::copy_file(m, stage / "lib" / "modules" / m.filename());
  {
    std::ofstream f(stage / "init");
    f << init;
  }
  fs::permissions(stage / "init", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                      fs::perms::others_read | fs::perms::others_exec);
  std::string tmp = img.initramfs + ".tmp";
  must({"sh", "-c", "find . ! -name " + std::string(kOwnedMarker) + " | sort | cpio -o -H newc --quiet -R 0:0 | gzip -9 > '" + tmp + "'"},
       "cpio/gzip of the initramfs", stage.string());
  fs::rename(tmp, img.initramfs);
  fs::remove_all(stage);  // ours (reset_owned_dir made it)
  return img;
}

}  // namespace nineml::vm
