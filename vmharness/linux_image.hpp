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

// Throws std::runtime_error saying exactly which step failed and why.
LinuxImage ensure_linux_image(const std::string& cache_dir, bool verbose);

// The guest's /init (exposed for tests and docs).
std::string linux_init_script();

}  // namespace nineml::vm
