# report diff: 0 for identical runs, 1 after a regression, 2 for unreadable input.
. "$(dirname "$0")/lib.sh"
expect_status 0 "$NINEML" conform --kernel silu --out "$TMP/a" --quiet
expect_status 0 "$NINEML" conform --kernel silu --out "$TMP/b" --quiet
NINEML_FAULT=silu expect_status 1 "$NINEML" conform --kernel silu --out "$TMP/c" --quiet
expect_status 0 "$NINEML" report diff "$TMP/a/report.json" "$TMP/b/report.json"
expect_status 1 "$NINEML" report diff "$TMP/a/report.json" "$TMP/c/report.json"
grep -q 'REGRESSION: .*silu' "$TMP/out" || fail "regression not named"
echo "not json" >"$TMP/bad.json"
expect_status 2 "$NINEML" report diff "$TMP/a/report.json" "$TMP/bad.json"
grep -q "$TMP/bad.json" "$TMP/out" || fail "error does not name the file"
echo ok
