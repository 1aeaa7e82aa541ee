#!/usr/bin/env bash
# The component tests out of process on the host: every case passes with the
# same comparator, bit-exact with ref-llama2c; a corrupted output fails.
source "$(dirname "$0")/lib.sh"
"$NINEML" vm --guest host --run-dir "$T/run" --out "$T/rep" >"$T/log" 2>&1 || { cat "$T/log"; fail "host run failed"; }
report_all_pass "$T/rep"
for f in truncate badsum nooutput crash; do
  "$NINEML" vm --guest host --kernel rng --run-dir "$T/run-$f" --out "$T/rep-$f" --inject fault:$f >"$T/log-$f" 2>&1
  [ $? -eq 1 ] || { cat "$T/log-$f"; fail "fault:$f did not fail the run"; }
done
report_has "$T/rep-truncate" "truncated"
report_has "$T/rep-badsum" "bad checksum"
report_has "$T/rep-nooutput" "missing"
report_has "$T/rep-crash" "killed by signal 11"
echo "PASS"
