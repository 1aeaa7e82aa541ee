# A repro line re-runs exactly one case, with the same result.
. "$(dirname "$0")/lib.sh"
expect_status 0 "$NINEML" conform --kernel matmul_f32 --list
key=$(sed -n 20p "$TMP/out")
[ -n "$key" ] || fail "no case listed"
expect_status 0 "$NINEML" conform --case "$key" --impl engine-scalar --out "$TMP/r" --quiet
grep -q '^1 passed, 0 failed$' "$TMP/out" || fail "repro did not run exactly one case"
expect_status 0 "$NINEML" conform --case "9ml conform --case $key --impl engine-scalar" --impl engine-scalar --out "$TMP/r" --quiet
grep -q '^1 passed, 0 failed$' "$TMP/out" || fail "a whole repro line is not accepted"
echo ok
