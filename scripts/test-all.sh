#!/usr/bin/env bash
# Every test: the Release build and the ASan+UBSan build, each with its whole
# CTest suite (GoogleTest suites, the Plan 9 subset checks, CLI tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs=$(nproc)

bash scripts/build.sh build
echo "test-all: Release suite"
(cd build && ctest -j"$jobs" --output-on-failure --timeout 600)
# The real 9front run's phases and cycle time (vmharness.9front_guest keeps its log).
if [ -f build/vm-9front/vm.log ]; then
  echo "test-all: 9front (real, QEMU TCG): $(grep -E '^9ml vm: (boot|build|shut down)' build/vm-9front/vm.log | sed 's/^9ml vm: //' | paste -sd';' -)"
  grep -E 'passed, [0-9]+ failed; cycle time' build/vm-9front/vm.log \
    | sed -E 's/^([0-9]+) passed, ([0-9]+) failed; cycle time ([0-9.]+ s).*/test-all: 9front cycle time \3 (boot + build + every case + halt): \1 results pass, \2 fail/'

fi

bash scripts/build.sh build-asan -DNINEML_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "test-all: ASan+UBSan suite"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest -j"$jobs" --output-on-failure --timeout 900)

echo "test-all: fuzzing (scripts/fuzz.sh, 20 s per target)"
NINEML_BIN=build/9ml bash scripts/fuzz.sh
