#!/usr/bin/env bash
# SIGTERM, SIGINT and SIGHUP to a running `9ml vm --guest linux` (real QEMU,
# TCG): the run ends its QEMU, writes the report with "fault interrupted" and
# exits 128 + the signal; no QEMU of the run is left and the pidfile is gone.
# Once while the guest boots, once (SIGTERM) during the KVM probe, whose QEMU
# is in the pidfile while it runs (KVM does not work everywhere: the probe
# runs through probe_wrapper.sh with NINEML_VM_KVM_DEVICE=/dev/null).
source "$(dirname "$0")/lib.sh"
command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 is not installed"
one_qemu() { [ -n "$(qemu_pids "$1")" ]; }
ended() {  # NAME SIGNAL PID: exit status, report, nothing left
  local name=$1 sig=$2 pid=$3 rc
  wait "$pid"
  rc=$?
  [ $rc -eq $((128 + $(kill -l "$sig"))) ] || { cat "$T/log-$name"; fail "$name: exit status $rc after SIG$sig"; }
  report_has "$T/rep-$name" "fault interrupted"
  no_guest_left "$T/run-$name"
  [ -z "$(qemu_pids "$T/run-$name")" ] || fail "$name: QEMU left running"
  echo "ok: $name: SIG$sig -> exit $rc, fault interrupted, no QEMU left"
}
for sig in TERM INT HUP; do
  name=boot-$sig
  NINEML_VM_ACCEL=tcg "$NINEML" vm --guest linux --kernel rng --smp 1 --run-dir "$T/run-$name" \
    --out "$T/rep-$name" --boot-timeout 240 >"$T/log-$name" 2>&1 &
  pid=$!
  poll 120 one_qemu "$T/run-$name" || { kill -KILL $pid; cat "$T/log-$name"; fail "$name: no QEMU started"; }
  q=$(qemu_pids "$T/run-$name")
  poll 10 in_pidfile "$T/run-$name" "$q" || fail "$name: QEMU $q is not in the pidfile"
  kill -"$sig" $pid
  ended "$name" "$sig" $pid
done
# The probe: 9ml vm is stopped once the probe's QEMU is in the pidfile, so
# that the probe's deadline cannot pass while the test looks.
name=probe-TERM
start_probe_run "$name"
kill -STOP $pid
p=$(cat "$PROBE_PID_FILE")
[ "$(qemu_pids "$T/run-$name")" = "$p" ] || fail "$name: the probe $p is not the run's one QEMU (found by its run dir)"
kill -TERM $pid
kill -CONT $pid
ended "$name" TERM $pid
echo "PASS"
