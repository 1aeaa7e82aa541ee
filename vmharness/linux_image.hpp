// The Linux guest's boot files, built once and cached in the build tree, in
// two flavors:
//  - cloud: Debian's cloud kernel (apt-get download + dpkg-deb -x, no
//    install), for the component tests;
//  - standard: Debian's standard kernel (linux-image-amd64, with 9p.ko,
//    9pnet_fd.ko and virtio_console.ko), whose .deb scripts/install-deps.sh
//    downloaded at install time into a fixed folder (nothing is downloaded
//    at run time), for the llmfs session over a virtio-serial port.
// Each has a gzip'd newc cpio initramfs of busybox-static, its modules in
// dependency order and /init.
#pragma once

#include <string>
#include <vector>

namespace nineml::vm {

struct LinuxImage {
  std::string kernel;     // .../boot/vmlinuz-*
  std::string initramfs;  // cache/initramfs-HASH.cpio.gz
};

// "cloud" (default) or "standard".
bool valid_kernel_flavor(const std::string& flavor);

// Where the standard kernel's .deb is: $NINEML_LINUX_DEB_DIR, else
// /var/cache/9ml/linux-image (what scripts/install-deps.sh fills).
std::string standard_kernel_deb_dir();

// Throws std::runtime_error saying exactly which step failed and why, and
// UsageError for a cache folder it would replace that is not its own.
LinuxImage ensure_linux_image(const std::string& cache_dir, bool verbose, const std::string& flavor = "cloud");

// What ensure_linux_image would refuse to replace, found before the run
// starts (UsageError): a root folder without a kernel and not made by 9ml vm.
void check_linux_cache(const std::string& cache_dir, const std::string& flavor = "cloud");

// The guest's /init for these modules (in load order; exposed for tests and
// docs). The standard flavor's also names the virtio-serial ports.
std::string linux_init_script(const std::vector<std::string>& modules, bool standard);

// The module names each flavor asks for (the standard flavor adds their
// dependencies, found with modinfo, in load order).
std::vector<std::string> linux_modules(const std::string& flavor);

}  // namespace nineml::vm
