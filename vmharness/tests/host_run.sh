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
# The default run dir is in the build tree, not ./build/vm-run wherever 9ml
# was started (issue 18): a run from an empty folder leaves only --out there.
mkdir -p "$T/cwd"
(cd "$T/cwd" && "$NINEML" vm --guest host --kernel rng --out rep >"$T/log-cwd" 2>&1) || { cat "$T/log-cwd"; fail "run from $T/cwd"; }
[ "$(ls "$T/cwd")" = rep ] || fail "9ml vm left $(ls "$T/cwd") in the folder it was started from"
[ -d "$(dirname "$NINEML")/vm-run/share" ] || fail "no vm-run in the build tree"
# --after-case: the --after commands as one case of the report, passed only
# when every command exits 0 (llmfs's 9front sessions use it).
case_of() {  # REPORT-DIR CASE-ID -> "passed|failed FAILURE"
  python3 - "$1/report.json" "$2" <<'PY'
import json, sys
c = [c for c in json.load(open(sys.argv[1]))["cases"] if c["case_id"] == sys.argv[2]]
print("none" if len(c) != 1 else ("passed" if c[0]["passed"] else "failed " + c[0]["failure"]))
PY
}
"$NINEML" vm --guest host --kernel rng --run-dir "$T/run-ac" --out "$T/rep-ac" --after true --after 'test -d after' \
  --after-case after/ok >"$T/log-ac" 2>&1 || { cat "$T/log-ac"; fail "--after-case with passing commands failed"; }
[ "$(case_of "$T/rep-ac" after/ok)" = passed ] || fail "after/ok: $(case_of "$T/rep-ac" after/ok)"
"$NINEML" vm --guest host --kernel rng --run-dir "$T/run-ac" --out "$T/rep-ac2" --after true --after 'exit 3' \
  --after-case after/bad >"$T/log-ac2" 2>&1
[ $? -eq 1 ] || { cat "$T/log-ac2"; fail "a failing --after command did not fail the run"; }
[[ $(case_of "$T/rep-ac2" after/bad) == "failed "*"exit 3"* ]] || fail "after/bad: $(case_of "$T/rep-ac2" after/bad)"
grep -q 'after/bad' "$T/rep-ac2/junit.xml" || fail "after/bad is not in junit.xml"
echo "PASS"
