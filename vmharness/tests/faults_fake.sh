#!/usr/bin/env bash
# Every fault, produced on purpose with the fake 9front console, is reported
# as that failure (exit status 1), never a pass; no emulator survives.
source "$(dirname "$0")/lib.sh"
run() {  # NAME EXPECTED-TEXT ARGS...
  local name=$1 want=$2; shift 2
  "$NINEML" vm --guest 9front --image /nonexistent.qcow2 --qemu "$BUILD/fake9front" \
    --qemu-arg="--fake-bin=$BUILD/component" --run-dir "$T/run-$name" --out "$T/rep-$name" \
    --kernel rng --kernel softmax "$@" >"$T/log-$name" 2>&1
  local rc=$?
  [ $rc -eq 1 ] || { cat "$T/log-$name"; fail "$name: exit status $rc, expected 1"; }
  report_has "$T/rep-$name" "$want"
  no_guest_left "$T/run-$name"
  echo "ok: $name -> $want"
}
run boot_timeout "fault boot_timeout" --qemu-arg=--fake-fault=boot-hang --boot-timeout 2
run guest_panic "fault guest_panic" --qemu-arg=--fake-fault=panic
run qemu_exited "fault qemu_exited" --qemu-arg=--fake-fault=exit-early
run test_crash "sys: trap" --inject fault:crash
run test_hang "fault test_hang" --inject fault:hang --test-timeout 2
run truncated "truncated" --inject fault:truncate
run bad_checksum "bad checksum" --inject fault:badsum
run missing_output "missing" --inject fault:nooutput

# Host interrupted: SIGINT once the guest has booted, while a test hangs.
"$NINEML" vm --guest 9front --image /nonexistent.qcow2 --qemu "$BUILD/fake9front" \
  --qemu-arg="--fake-bin=$BUILD/component" --run-dir "$T/run-int" --out "$T/rep-int" \
  --kernel rng --inject fault:hang --test-timeout 120 >"$T/log-int" 2>&1 &
pid=$!
timeout 60 grep -m1 -q "boot [0-9]* (" <(tail -F "$T/log-int" 2>/dev/null) || { kill -KILL $pid; fail "interrupt: never booted"; }
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] || { cat "$T/log-int"; fail "interrupt: exit status $rc, expected 130 (128 + SIGINT)"; }
report_has "$T/rep-int" "fault interrupted"
no_guest_left "$T/run-int"
echo "ok: interrupted -> fault interrupted"

# A stale emulator recorded by a crashed earlier run is reaped, nothing else.
mkdir -p "$T/run-stale"
setsid "$BUILD/fake9front" --fake-fault=boot-hang "$T/run-stale/marker" < <(tail -f /dev/null) >/dev/null 2>&1 &
stale=$!
echo "$stale $(awk '{print $22}' /proc/$stale/stat)" >"$T/run-stale/qemu.pid"
"$NINEML" vm --guest 9front --image /nonexistent.qcow2 --qemu "$BUILD/fake9front" \
  --qemu-arg="--fake-bin=$BUILD/component" --run-dir "$T/run-stale" --out "$T/rep-stale" --kernel rng \
  >"$T/log-stale" 2>&1 || { cat "$T/log-stale"; fail "stale: run failed"; }
grep -q "left running by an earlier run" "$T/log-stale" || fail "stale emulator not reported"
wait $stale 2>/dev/null
kill -0 $stale 2>/dev/null && fail "stale emulator $stale still running"
no_guest_left "$T/run-stale"
echo "ok: stale emulator reaped"
echo "PASS"
