#!/usr/bin/env bash
# The benchmark matrix: `9ml bench` on the generated stories15M and
# stories110M shapes, f32 and Q8, 1 and 2 threads, each with its own
# before/after bandwidth probe. Writes OUT/bench-SHAPE-TYPE.json and prints
# the tables (docs/PERFORMANCE.md). Usage: scripts/bench-matrix.sh [BUILD] [OUT]
set -euo pipefail
build=${1:-build}
out=${2:-reports/bench}
mkdir -p "$out"
for shape in 15m 110m; do
  for type in f32 q8; do
    echo "bench-matrix: $shape $type" >&2
    "$build/9ml" bench --shape "$shape" --type "$type" --threads 1 2 --json "$out/bench-$shape-$type.json"
  done
done
echo "bench-matrix: JSON in $out" >&2
