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
  # sanitizer runtime for clang builds and fuzzers
  clang libclang-rt-14-dev
  # VM harness: emulator, FAT shared disk, Linux guest initramfs (docs/VMHARNESS.md)
  qemu-system-x86 mtools busybox-static cpio kmod gzip
  # the real 9front for QEMU ships as a zstd tarball (NINEML_9FRONT, docs/VMHARNESS.md)
  zstd
  # p9ml Python module, NumPy oracle, pytest suite, plots (docs/PYTHON.md)
  python3-dev pybind11-dev python3-numpy python3-pytest python3-matplotlib
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
