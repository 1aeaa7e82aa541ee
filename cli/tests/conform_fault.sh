# NINEML_FAULT=softmax fails exactly softmax's engine cases, and the run exits 1.
. "$(dirname "$0")/lib.sh"
NINEML_FAULT=softmax expect_status 1 "$NINEML" conform --kernel softmax --kernel rmsnorm --out "$TMP/r" --quiet
read -r cases failed <<<"$(row softmax engine-scalar)"
[ "$cases" -gt 0 ] && [ "$cases" = "$failed" ] || fail "softmax engine: $failed of $cases failed"
[ "$(row softmax ref-llama2c)" = "$cases 0" ] || fail "the reference must not be perturbed"
read -r rc rf <<<"$(row rmsnorm engine-scalar)"
[ "$rf" = 0 ] || fail "rmsnorm failed under a softmax fault"
grep '^FAIL ' "$TMP/out" | grep -v '^FAIL softmax/' && fail "a failure outside softmax"
grep -q '^  repro: 9ml conform --case softmax/' "$TMP/out" || fail "no repro line"
# The reports say that the fault was on (a self-test is not a regression)
# and where they were made.
env_of() { /usr/bin/python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["environment"]; print(e.get(sys.argv[2], "-"))' "$@"; }
[ "$(env_of "$TMP/r/report.json" fault_injection)" = softmax ] || fail "report.json does not record NINEML_FAULT"
grep -q '^| fault_injection | softmax |$' "$TMP/r/summary.md" || fail "summary.md does not record NINEML_FAULT"
grep -Eq '<property name="fault_injection" value="softmax" ?/>' "$TMP/r/junit.xml" || fail "junit.xml does not record NINEML_FAULT"
for k in commit tool_version compiler cpu_model simd_dispatched os; do
  [ "$(env_of "$TMP/r/report.json" $k)" != - ] || fail "report.json's environment lacks $k"
done
# Without the fault the same selection passes.
expect_status 0 "$NINEML" conform --kernel softmax --kernel rmsnorm --out "$TMP/r2" --quiet
[ "$(env_of "$TMP/r2/report.json" fault_injection)" = - ] || fail "fault_injection recorded without NINEML_FAULT"
echo ok
