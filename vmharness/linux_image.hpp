// The Linux guest's boot files, built once and cached in the build tree:
// Debian's cloud kernel (apt-get download + dpkg-deb -x, no install) and a
// gzip'd newc cpio initramfs of busybox-static, the storage modules and /init.
#pragma once

#include <string>

namespace nineml::vm {

struct LinuxImage {
  std::string kernel;     // .../boot/vmlinuz-*
  std::string initramfs;  // cache/initramfs-HASH.cpio.gz
};

// Throws std::runtime_error saying exactly which step failed and why, and
// UsageError for a cache folder it would replace that is not its own.
LinuxImage ensure_linux_image(const std::string& cache_dir, bool verbose);

// What ensure_linux_image would refuse to replace, found before the run
// starts (UsageError): linux-root without a kernel and not made by 9ml vm.
void check_linux_cache(const std::string& cache_dir);

// The guest's /init (exposed for tests and docs).
std::string linux_init_script();

}  // namespace nineml::vm
