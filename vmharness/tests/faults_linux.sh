#!/usr/bin/env bash
# Faults produced in the real Linux guest: a kernel panic, a crashing test
# (signal), a hung test, and QEMU exiting early; each reported as that failure.
source "$(dirname "$0")/lib.sh"
export NINEML_VM_ACCEL=tcg  # the accelerator probe is covered by linux_guest.sh
run() {  # NAME EXPECTED-TEXT ARGS...
  local name=$1 want=$2; shift 2
  "$NINEML" vm --guest linux --run-dir "$T/run-$name" --out "$T/rep-$name" --kernel rng --kernel softmax \
    --boot-timeout 240 "$@" >"$T/log-$name" 2>&1
  local rc=$?
  [ $rc -eq 1 ] || { cat "$T/log-$name"; fail "$name: exit status $rc, expected 1"; }
  report_has "$T/rep-$name" "$want"
  no_guest_left "$T/run-$name"
  echo "ok: $name -> $want"
}
run guest_panic "fault guest_panic" --inject panic
run test_crash "killed by signal 11" --inject fault:crash
run test_hang "fault test_hang" --inject fault:hang --test-timeout 5
run qemu_exited "fault qemu_exited" --inject poweroff
run boot_timeout "fault boot_timeout" --inject boot-timeout
echo "PASS"
