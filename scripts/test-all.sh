#!/usr/bin/env bash
# Every test: the Release build and the ASan+UBSan build, each with its whole
# CTest suite (GoogleTest suites, the Plan 9 subset checks, CLI tests).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
# stage NAME: one line with the time since the start, so that a CI log shows
# where the minutes go (docs/CI.md, "Time").
stage() { echo "test-all: $* (at $((SECONDS - start)) s)"; }
bash scripts/install-deps.sh
jobs=$(nproc)
stage "dependencies present"

bash scripts/build.sh build
stage "Release build done; Release suite"
(cd build && ctest -j"$jobs" --output-on-failure --timeout 600)
stage "Release suite passed"
# The real 9front run's phases and cycle time (vmharness.9front_guest keeps its log).
if [ -f build/vm-9front/vm.log ]; then
  echo "test-all: 9front (real, QEMU TCG): $(grep -E '^9ml vm: (boot|build|shut down)' build/vm-9front/vm.log | sed 's/^9ml vm: //' | paste -sd';' -)"
  grep -E 'passed, [0-9]+ failed; cycle time' build/vm-9front/vm.log \
    | sed -E 's/^([0-9]+) passed, ([0-9]+) failed; cycle time ([0-9.]+ s).*/test-all: 9front cycle time \3 (boot + build + every case + halt): \1 results pass, \2 fail/'

fi

bash scripts/build.sh build-asan -DNINEML_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
stage "ASan+UBSan build done; ASan+UBSan suite"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest -j"$jobs" --output-on-failure --timeout 900)
stage "ASan+UBSan suite passed"

stage "fuzzing (scripts/fuzz.sh, 20 s per target)"
NINEML_BIN=build/9ml bash scripts/fuzz.sh
stage "all stages passed"
