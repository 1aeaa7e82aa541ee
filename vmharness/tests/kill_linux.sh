#!/usr/bin/env bash
# `9ml vm` killed with SIGKILL (no handler runs) leaves no QEMU once the next
# `9ml vm` with the same run dir has started: killed while the Linux guest
# boots (real QEMU, TCG), and while the KVM probe's QEMU runs (through
# probe_wrapper.sh, as KVM does not work everywhere). And the next run reaps
# an emulator a crashed run left in the pidfile (here a QEMU started beside
# 9ml vm), while a process that is not a QEMU of that run dir is never
# killed, even with its pid and start time in the pidfile.
source "$(dirname "$0")/lib.sh"
command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 is not installed"
one_qemu() { [ -n "$(qemu_pids "$1")" ]; }
next_run() {  # NAME: the next run in the same run dir (the host guest: quick), then nothing left
  "$NINEML" vm --guest host --kernel rng --run-dir "$T/run-$1" --out "$T/rep-next-$1" >"$T/log-next-$1" 2>&1 \
    || { cat "$T/log-next-$1"; fail "$1: the next run failed"; }
  no_guest_left "$T/run-$1"
  [ -z "$(qemu_pids "$T/run-$1")" ] || fail "$1: QEMU left running after the next run"
}

name=boot
NINEML_VM_ACCEL=tcg "$NINEML" vm --guest linux --kernel rng --smp 1 --run-dir "$T/run-$name" --out "$T/rep-$name" \
  --boot-timeout 240 >"$T/log-$name" 2>&1 &
pid=$!
poll 120 one_qemu "$T/run-$name" || { kill -KILL $pid; cat "$T/log-$name"; fail "$name: no QEMU started"; }
q=$(qemu_pids "$T/run-$name")
poll 10 in_pidfile "$T/run-$name" "$q" || fail "$name: QEMU $q is not in the pidfile"
kill -KILL $pid
wait $pid 2>/dev/null
next_run $name
echo "ok: SIGKILL while the guest boots: no QEMU left"

name=probe
start_probe_run "$name"
kill -KILL $pid
wait $pid 2>/dev/null
next_run $name
echo "ok: SIGKILL during the KVM probe: no QEMU left"

# A leftover QEMU of the run dir (idle: -machine none -S) and an unrelated
# process, both recorded with their real start times.
name=stale
R="$T/run-$name"
mkdir -p "$R"
setsid qemu-system-x86_64 -machine none -S -nodefaults -display none -monitor none -serial none \
  -name "guest=leftover $R/" </dev/null >/dev/null 2>&1 &
qpid=$!
sleep 600 </dev/null >/dev/null 2>&1 &
spid=$!
poll 30 one_qemu "$R" || fail "$name: the leftover QEMU did not start"
echo "$qpid $(awk '{print $22}' /proc/$qpid/stat)" >"$R/qemu.pid"
echo "$spid $(awk '{print $22}' /proc/$spid/stat)" >>"$R/qemu.pid"
next_run $name
grep -q "killed QEMU pid $qpid left running by an earlier run" "$T/log-next-$name" || fail "$name: the leftover was not reported"
kill -0 $spid 2>/dev/null || fail "$name: the unrelated process $spid was killed"
kill $spid
echo "ok: a leftover QEMU reaped, an unrelated process untouched"
echo "PASS"
