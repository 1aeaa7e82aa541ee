#!/usr/bin/env bash
# Stands in for qemu-system-x86_64 (9ml vm --qemu) in the signal and kill
# tests: KVM does not work on every machine, so the KVM probe becomes a TCG
# QEMU held before its first instruction (-S), running until the probe's
# deadline, and writes its pid to $PROBE_PID_FILE; every other QEMU runs as
# asked. exec keeps the pid: the process is the QEMU.
args=()
probe=0
for a in "$@"; do
  case $a in
    kvm) a=tcg ;;
    host) a=max ;;
    *nineml.mode=probe*) probe=1 ;;
  esac
  args+=("$a")
done
if [ $probe = 1 ]; then
  echo $$ >"$PROBE_PID_FILE"
  exec qemu-system-x86_64 "${args[@]}" -S
fi
exec qemu-system-x86_64 "$@"
