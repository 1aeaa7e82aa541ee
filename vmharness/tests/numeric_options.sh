#!/usr/bin/env bash
# Every numeric option of 9ml vm takes only a finite number in its documented
# range (docs/VMHARNESS.md, "Numeric options"): nan, inf, -1, 1e400, 12abc and
# the values just outside the range are one line naming the option and the
# value, exit 2, before anything runs; the range's ends are accepted.
source "$(dirname "$0")/lib.sh"
bad() {  # OPTION VALUE
  timeout 120 "$NINEML" vm --guest host --kernel rng --run-dir "$T/run" --out "$T/rep" "$1" "$2" >"$T/log" 2>&1
  local rc=$?
  [ $rc -eq 2 ] || { cat "$T/log"; fail "$1 $2: exit status $rc, expected 2"; }
  [ "$(wc -l <"$T/log")" -eq 1 ] && grep -qF -- "$1 $2:" "$T/log" \
    || fail "$1 $2: not one line naming the option: $(cat "$T/log")"
}
for opt in --boot-timeout --test-timeout --build-timeout --smp --max-input-bytes --seed --guestfwd; do
  for v in nan inf -inf -1 1e400 12abc "" 0x10 " 5"; do bad "$opt" "$v"; done
done
for opt in --boot-timeout --test-timeout --build-timeout; do
  for v in 0 -0 86400.5 1e-400; do bad "$opt" "$v"; done
done
for v in 0 65 1.5; do bad --smp "$v"; done
for v in 1099511627777 1e3; do bad --max-input-bytes "$v"; done
bad --seed 18446744073709551616
for v in 0 65536 1.5; do bad --guestfwd "$v"; done
echo "ok: every bad value refused with the option named"
"$NINEML" vm --guest host --kernel rng --run-dir "$T/run" --out "$T/rep" --boot-timeout 0.5 --test-timeout 86400 \
  --build-timeout 1e2 --smp 64 --max-input-bytes 1099511627776 --seed 18446744073709551615 >"$T/log" 2>&1 \
  || { cat "$T/log"; fail "the range's ends were refused"; }
report_all_pass "$T/rep"
# --guestfwd 65535 is in range but only for 9front: still one line, exit 2.
"$NINEML" vm --guest host --kernel rng --run-dir "$T/run" --out "$T/rep" --guestfwd 65535 >"$T/log" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -qx "9ml vm: --guestfwd needs --guest 9front" "$T/log" || fail "--guestfwd on the host: $rc $(cat "$T/log")"
echo "PASS"
