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

bash scripts/build.sh build-asan -DNINEML_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "test-all: ASan+UBSan suite"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest -j"$jobs" --output-on-failure --timeout 900)

echo "test-all: fuzzing (scripts/fuzz.sh, 20 s per target)"
NINEML_BIN=build/9ml bash scripts/fuzz.sh
