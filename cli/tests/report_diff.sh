# report diff: 0 for identical runs, 1 after a regression or for unreadable
# input, 2 for a bad command line (docs/CLI.md).
. "$(dirname "$0")/lib.sh"
expect_status 0 "$NINEML" conform --kernel silu --out "$TMP/a" --quiet
expect_status 0 "$NINEML" conform --kernel silu --out "$TMP/b" --quiet
NINEML_FAULT=silu expect_status 1 "$NINEML" conform --kernel silu --out "$TMP/c" --quiet
expect_status 0 "$NINEML" report diff "$TMP/a/report.json" "$TMP/b/report.json"
expect_status 1 "$NINEML" report diff "$TMP/a/report.json" "$TMP/c/report.json"
grep -q 'REGRESSION: .*silu' "$TMP/out" || fail "regression not named"
echo "not json" >"$TMP/bad.json"
expect_status 1 "$NINEML" report diff "$TMP/a/report.json" "$TMP/bad.json"
grep -q "$TMP/bad.json" "$TMP/out" || fail "error does not name the file"
expect_status 1 "$NINEML" report diff "$TMP/a/report.json" "$TMP/nosuch.json"
expect_status 2 "$NINEML" report diff "$TMP/a/report.json" "$TMP/b/report.json" --factor nan
grep -qx -- '9ml: --factor nan: expected a finite number >= 1' "$TMP/out" || fail "--factor nan: $(cat "$TMP/out")"
expect_status 2 "$NINEML" report diff "$TMP/a/report.json" "$TMP/b/report.json" --ulp-floor -1
expect_status 2 "$NINEML" report diff "$TMP/a/report.json" "$TMP/b/report.json" --md "$TMP/x.md"
expect_status 0 "$NINEML" report diff "$TMP/a/report.json" "$TMP/b/report.json" --factor 1.5 --ulp-floor 0
echo ok
