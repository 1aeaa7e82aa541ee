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
# Without the fault the same selection passes.
expect_status 0 "$NINEML" conform --kernel softmax --kernel rmsnorm --out "$TMP/r2" --quiet
echo ok
