#!/usr/bin/env bash
# The faults a real 9front can produce, produced in it: a test program that
# dies (Plan 9's "sys: trap" note), one that hangs (interrupted with DEL at
# the deadline; the shell answers again and the next program still runs), and
# a truncated output (refused by its trailer). Each time the guest unmounts
# and halts through fshalt and no QEMU survives. (The fake console keeps only
# what a real one cannot do on demand: a hung boot, a panic, QEMU exiting.)
source "$(dirname "$0")/lib.sh"
need_9front
run() {  # NAME EXPECTED-TEXT ARGS...
  local name=$1 want=$2
  shift 2
  # shellcheck disable=SC2046
  "$NINEML" vm $(nine_front_args) --run-dir "$T/run-$name" --out "$T/rep-$name" --boot-timeout 120 "$@" \
    >"$T/log-$name" 2>&1
  local rc=$?
  [ $rc -eq 1 ] || { cat "$T/log-$name"; fail "$name: exit status $rc, expected 1"; }
  report_has "$T/rep-$name" "$want"
  grep -q "done halting" "$T/rep-$name/console.log" || fail "$name: no fshalt"
  no_guest_left "$T/run-$name"
  echo "ok: $name -> $want"
}
run crash "sys: trap" --kernel rng --inject fault:crash
run hang "fault test_hang" --kernel rng --kernel residual_add --inject fault:hang --test-timeout 15
# Both programs hung on their first case and were interrupted: the second one ran at all.
[ "$(grep -c 'still running after the 15 s deadline' "$T/log-hang")" -ge 2 ] || fail "hang: the shell did not come back for the next program"
run truncate "truncated" --kernel rng --inject fault:truncate
# One ULP on the 6a level's matmul_q8_0 outputs fails exactly that kernel on
# exactly that level (scalar, residual_add and the multi-worker runs pass).
run ulp "not bit-exact" --kernel matmul_q8_0 --kernel residual_add --inject ulp:matmul_q8_0 --smp 2
python3 - "$T/rep-ulp/report.json" <<'PY' || fail "ulp: the wrong cases failed"
import json, sys
cases = json.load(open(sys.argv[1]))["cases"]
failed = {(c["kernel"], c["impl"]) for c in cases if not c["passed"]}
passed = {(c["kernel"], c["impl"]) for c in cases if c["passed"]}
assert ("matmul_q8_0", "guest:9front-plan9-sse2") in failed, f"the faulty level passed: {sorted(failed)}"
assert all(k == "matmul_q8_0" and "plan9-sse2" in i for k, i in failed), f"other cases failed: {sorted(failed)}"
assert ("matmul_q8_0", "guest:9front") in passed and ("residual_add", "guest:9front-plan9-sse2") in passed
print("ulp: failed only", sorted(failed))
PY
echo "PASS"
