# Shared by the vmharness tests: $NINEML (the 9ml binary), a scratch dir,
# checks on report.json, and the no-QEMU-left check.
set -u
NINEML=$1
# Injected crashes must die by their signal in sanitizer builds too.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0"
BUILD=$(cd "$(dirname "$NINEML")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# report_has DIR TEXT: some case failure mentions TEXT.
report_has() {
  python3 - "$1/report.json" "$2" <<'PY' || fail "report $1 has no failure mentioning '$2'"
import json, sys
r = json.load(open(sys.argv[1]))
bad = [c for c in r["cases"] if not c["passed"]]
sys.exit(0 if bad and any(sys.argv[2] in c["failure"] for c in bad) else 1)
PY
}
# report_all_pass DIR: every case passed and there are some.
report_all_pass() {
  python3 - "$1/report.json" <<'PY' || fail "report $1: not every case passed"
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if r["cases"] and all(c["passed"] for c in r["cases"]) else 1)
PY
}
# no_guest_left RUN_DIR: no process of ours still runs with RUN_DIR in its command line.
no_guest_left() {
  local left
  left=$(ps -eo pid=,args= | grep -F -- "$1" | grep -v -e grep -e "ps -eo" || true)
  [ -z "$left" ] || fail "processes left running: $left"
  [ ! -e "$1/qemu.pid" ] || fail "$1/qemu.pid left behind"
}
