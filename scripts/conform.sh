#!/usr/bin/env bash
# The main job: install dependencies, build, run the full conformance suite on
# the built-in fixtures and write reports/latest/ (report.json, junit.xml,
# summary.md, index.html).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build
./build/9ml conform --out reports/latest "$@"
