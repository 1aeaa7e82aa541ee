# Helpers for the CLI tests: each test script gets the 9ml binary as $1.
set -u
NINEML=$1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_status WANT CMD...: runs CMD, output in $TMP/out, fails unless status is WANT.
expect_status() {
  local want=$1; shift
  "$@" >"$TMP/out" 2>&1
  local got=$?
  [ "$got" -eq "$want" ] || { cat "$TMP/out" >&2; fail "exit $got, expected $want: $*"; }
}
# row KERNEL IMPL: the summary table's "cases failed" for that kernel x impl.
row() { awk -v k="$1" -v i="$2" '$1 == k && $2 == i { print $3, $4 }' "$TMP/out"; }
