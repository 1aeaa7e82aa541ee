#!/usr/bin/env bash
# The 9front profile's whole dialogue (boot questions, clock, disk discovery,
# dossrv + mount, mk, every test, unmount + fshalt) against the fake console.
source "$(dirname "$0")/lib.sh"
"$NINEML" vm --guest 9front --image /nonexistent.qcow2 --qemu "$BUILD/fake9front" \
  --qemu-arg="--fake-bin=$BUILD/component" --qemu-arg=--fake-questions --run-dir "$T/run" --out "$T/rep" \
  --kernel softmax --kernel q8_0_quantize --kernel rng --kernel sample_topp >"$T/log" 2>&1
rc=$?
cat "$T/log"
[ $rc -eq 0 ] || fail "exit status $rc"
report_all_pass "$T/rep"
grep -q "build (mk lib tools component)" "$T/log" || fail "no build step"
grep -q "bootargs is" "$T/rep/console.log" && grep -q "user\[glenda\]" "$T/rep/console.log" || fail "boot questions not asked"
grep -q "echo [0-9]* >/dev/time" "$T/rep/console.log" || fail "clock not set"
grep -q "dossrv -f /dev/sdC1/data shared" "$T/rep/console.log" || fail "shared disk not found as sdC1"
grep -q "mk lib tools component" "$T/rep/console.log" || fail "mk not run"
grep -q "done halting" "$T/rep/console.log" || fail "no fshalt"
grep -q '"host": "guest:9front"' "$T/rep/report.json" || fail "implementation is not guest:9front"
no_guest_left "$T/run"
echo "PASS"
