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
echo "PASS"
