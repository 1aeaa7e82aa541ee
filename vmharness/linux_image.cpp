#include "linux_image.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "owned.hpp"
#include "plan.hpp"
#include "process.hpp"

namespace nineml::vm {

namespace fs = std::filesystem;

namespace {

// Dependency order (depmod on the extracted tree prints it); a module that
// is built in is simply absent.
const char* kModules[] = {"virtio_ring", "virtio", "virtio_pci_legacy_dev", "virtio_pci_modern_dev", "virtio_pci",
                          "virtio_blk", "fat", "vfat", "nls_cp437", "nls_iso8859-1", "nls_ascii"};

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

}  // namespace

std::string linux_init_script() {
  std::string mods;
  for (const char* m : kModules) mods += std::string(" ") + m;
  return R"SH(#!/bin/busybox sh
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
# /dev/vda appears asynchronously: poll for it, 20 s at most.
i=0
while [ ! -b /dev/vda ] && [ $i -lt 200 ]; do usleep 100000; i=$((i+1)); done
mkdir -p /mnt/host
if ! mount -t vfat /dev/vda /mnt/host; then echo "__9ML_NO_DISK__"; fi
echo __9ML_READY__
exec setsid cttyhack sh -i
)SH";
}

void check_linux_cache(const std::string& cache_dir) {
  fs::path root = fs::path(cache_dir) / "linux-root";
  if (find_vmlinuz(root).empty()) check_owned_dir(root.string(), "--cache-dir");
}

LinuxImage ensure_linux_image(const std::string& cache_dir, bool verbose) {
  fs::create_directories(cache_dir);
  fs::path root = fs::path(cache_dir) / "linux-root";
  LinuxImage img;
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
  // Inputs of the initramfs: /init, busybox, the modules; a changed input
  // changes the file name.
  std::string busybox = "/bin/busybox";
  if (!fs::exists(busybox)) throw std::runtime_error("linux guest: /bin/busybox missing (install busybox-static)");
  std::string key = linux_init_script() + std::to_string(fs::file_size(busybox)) + img.kernel;
  std::vector<fs::path> mods;
  for (const char* name : kModules)
    for (const auto& e : fs::recursive_directory_iterator(root / "lib" / "modules"))
      if (e.path().filename() == std::string(name) + ".ko") {
        mods.push_back(e.path());
        key += e.path().string() + std::to_string(e.file_size());
        break;
      }
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
    f << linux_init_script();
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
