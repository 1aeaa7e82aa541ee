#!/usr/bin/env bash
# Installs every Debian package 9ml needs. Idempotent: installs only what is
# missing, and runs apt-get update only when something is.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config ccache
  # Plan 9 mk (/usr/lib/plan9/bin/mk) for the mkfile checks: mk -n of every
  # target, and the list of files 6c compiles (scripts/check-mkfile-targets.sh,
  # scripts/check-plan9-directives.sh)
  9base
  # host libraries
  libgtest-dev libgmock-dev googletest libbenchmark-dev nlohmann-json3-dev libcli11-dev libfmt-dev
  # junit.xml is built and, in its tests, read back with pugixml; xmllint
  # checks it against reports/schema/junit.xsd (reports.junit_schema)
  libpugixml-dev libxml2-utils
  # sanitizer runtime for clang builds and fuzzers
  clang libclang-rt-14-dev
  # VM harness: emulator, FAT shared disk, Linux guest initramfs (docs/VMHARNESS.md)
  qemu-system-x86 mtools busybox-static cpio kmod gzip
  # the real 9front for QEMU ships as a zstd tarball (NINEML_9FRONT, docs/VMHARNESS.md)
  zstd
  # p9ml Python module, NumPy oracle, pytest suite, plots (docs/PYTHON.md)
  python3-dev pybind11-dev python3-numpy python3-pytest python3-matplotlib
  # p9ml as a standard package: `pip install --no-build-isolation .` into a
  # venv of Debian's python3 (pyproject.toml's setuptools backend; CTest
  # python.pip_install; docs/PYTHON.md, "Installing with pip")
  python3-venv python3-pip python3-setuptools python3-wheel
  # headless browser for reports.html_chromium: index.html rendered, its DOM,
  # layout and a screenshot checked (docs/REPORT_SCHEMA.md, "index.html")
  chromium
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
updated=""
if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
  # apt's and debconf's chatter goes to a log, shown only when apt fails.
  log=$(mktemp)
  apt_quiet() {
    if ! DEBIAN_FRONTEND=noninteractive "$@" >>"$log" 2>&1; then
      tail -n 40 "$log" >&2
      echo "install-deps: failed: $* (log above)" >&2
      exit 1
    fi
  }
  apt_quiet $sudo apt-get update -qq
  updated=1
  apt_quiet $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  rm -f "$log"
  echo "install-deps: done"
fi

# The Linux guest's standard kernel (`9ml vm --guest linux --kernel-flavor
# standard`, which has 9P: docs/VMHARNESS.md, "Kernel flavors"): Debian's
# linux-image-amd64 kernel package, downloaded -- not installed -- into a
# fixed folder. Installing it would upgrade systemd and pull in udev and
# initramfs-tools, and its postinst builds an initramfs for a kernel this
# machine never boots; the harness only needs the files (dpkg-deb -x). Never
# downloaded at test time: without it those tests fail saying to run this.
kdir=${NINEML_LINUX_DEB_DIR:-/var/cache/9ml/linux-image}
kernel_deb() { ls "$kdir" 2>/dev/null | grep -E '^linux-image-[0-9]+\.[0-9]+\.[0-9]+-[0-9]+-amd64_[^_]+_amd64\.deb$' | head -1; }
if [ -n "$(kernel_deb)" ]; then
  echo "install-deps: standard kernel present: $kdir/$(kernel_deb)"
else
  [ -n "$updated" ] || $sudo apt-get update -qq >/dev/null
  pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -1)
  [ -n "$pkg" ] || { echo "install-deps: apt-cache names no kernel package for linux-image-amd64" >&2; exit 1; }
  echo "install-deps: downloading $pkg into $kdir"
  $sudo mkdir -p "$kdir"
  # Into a fresh folder first, so that a failed download leaves no partial
  # .deb where the harness looks; root downloads there itself (_apt could not).
  tmp=$($sudo mktemp -d "$kdir/.download.XXXXXX")
  $sudo sh -c "cd '$tmp' && apt-get -qq -o APT::Sandbox::User=root download '$pkg'" >/dev/null
  $sudo sh -c "mv '$tmp'/${pkg}_*.deb '$kdir'/ && rmdir '$tmp'"
  [ -n "$(kernel_deb)" ] || { echo "install-deps: no $pkg .deb in $kdir after the download" >&2; exit 1; }
  echo "install-deps: standard kernel: $kdir/$(kernel_deb)"
fi
