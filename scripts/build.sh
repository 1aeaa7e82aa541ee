#!/usr/bin/env bash
# Configures and builds one build tree: scripts/build.sh DIR [cmake args...]
set -euo pipefail
dir=$1
shift
echo "build: configuring $dir $*"
cmake -S "$(dirname "$0")/.." -B "$dir" -G Ninja "$@" >/dev/null
cmake --build "$dir" | awk -v what="$dir" -f "$(dirname "$0")/ninja-progress.awk"
