# Exit codes a CI gate can trust: a selection that runs nothing, an unknown
# name or an unknown command is a usage error (one line on stderr, exit 2),
# never "0 passed" with exit 0.
. "$(dirname "$0")/lib.sh"
# expect_err WANT_STATUS TEXT CMD...: status WANT_STATUS and TEXT (fixed string) on stderr, nothing on stdout.
expect_err() {
  local want=$1 text=$2; shift 2
  "$@" >"$TMP/stdout" 2>"$TMP/stderr"
  local got=$?
  [ "$got" -eq "$want" ] || { cat "$TMP/stdout" "$TMP/stderr" >&2; fail "exit $got, expected $want: $*"; }
  grep -qF -- "$text" "$TMP/stderr" || { cat "$TMP/stderr" >&2; fail "no '$text' on stderr: $*"; }
  [ "$(wc -l <"$TMP/stderr")" -eq 1 ] || { cat "$TMP/stderr" >&2; fail "not one error line: $*"; }
  ! grep -q 'passed' "$TMP/stdout" || fail "printed a pass count: $*"
}
R="$TMP/r"
# Unknown names, with the closest valid ones (or a few valid ones).
expect_err 2 "9ml: --kernel softmx: no such kernel; did you mean softmax?" "$NINEML" conform --kernel softmx --out "$R"
expect_err 2 "9ml: --kernel nosuch: no such kernel; valid: rmsnorm, softmax," "$NINEML" conform --kernel nosuch --out "$R"
expect_err 2 "did you mean matmul_f32, matmul_q8_0 or matmul_q4_0?" "$NINEML" conform --kernel matmul --out "$R"
expect_err 2 "9ml: --impl engine-avx: no such implementation; did you mean engine-avx2 or engine-avx512?" \
  "$NINEML" conform --impl engine-avx --out "$R"
expect_err 2 "9ml: --impl nosuch: no such implementation; valid: engine-scalar, ref-llama2c" "$NINEML" conform --impl nosuch --out "$R"
expect_err 2 "9ml: --case softmx/n=3/normal/seed=1: no such kernel 'softmx'; did you mean softmax?" \
  "$NINEML" conform --case softmx/n=3/normal/seed=1 --out "$R"
# Known names whose selection runs nothing: rng has no kernel-table entry.
expect_err 2 "9ml: --impl engine-avx2: does not run kernel rng; nothing to run (runs on: engine-scalar, ref-llama2c)" \
  "$NINEML" conform --kernel rng --impl engine-avx2 --out "$R"
expect_err 2 "--impl engine-avx2: does not run kernel rng" "$NINEML" conform --case rng/n=2/normal/seed=1 --impl engine-avx2 --out "$R"
[ ! -e "$R" ] || fail "an empty selection wrote a report"
# --list and the other commands taking --kernel: the same message, exit 2.
expect_err 2 "9ml: --kernel softmx: no such kernel; did you mean softmax?" "$NINEML" conform --kernel softmx --list
expect_err 2 "--impl engine-avx2: does not run kernel rng" "$NINEML" conform --kernel rng --impl engine-avx2 --list
expect_err 2 "9ml: --kernel softmx: no such kernel; did you mean softmax?" "$NINEML" fixtures --kernel softmx --out "$TMP/fx"
expect_err 2 "9ml: --kernel softmx: no such kernel; did you mean softmax?" \
  "$NINEML" vm --guest host --kernel softmx --run-dir "$TMP/vm" --out "$TMP/vr"
# Unknown commands: not the top-level help with exit 0.
expect_err 2 "9ml: unknown command 'llmfs'; commands: conform, report," "$NINEML" llmfs --help
expect_err 2 "9ml: unknown command 'check-port'; commands: conform," "$NINEML" check-port --help
expect_err 2 "9ml: unknown command 'nosuch'; commands: conform," "$NINEML" nosuch
expect_err 2 "9ml: unknown command 'conformm'; did you mean conform? commands: conform," "$NINEML" conformm
# A valid tiny selection still passes, and --help still exits 0.
expect_status 0 "$NINEML" conform --kernel rng --impl engine-scalar --out "$R" --quiet
grep -q '^rng  *engine-scalar ' "$TMP/out" || fail "rng x engine-scalar did not run"
grep -q '^[1-9][0-9]* passed, 0 failed' "$TMP/out" || fail "no pass count"
expect_status 0 "$NINEML" conform --kernel rng --list
expect_status 0 "$NINEML" --help
expect_status 0 "$NINEML" conform --help
grep -q 'runs nothing' "$TMP/out" || fail "conform --help does not explain exit 2"
echo ok
