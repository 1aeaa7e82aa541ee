# The whole default run passes and writes the four report files.
. "$(dirname "$0")/lib.sh"
expect_status 0 "$NINEML" conform --out "$TMP/r" --quiet
for f in report.json junit.xml summary.md index.html; do
  [ -s "$TMP/r/$f" ] || fail "missing $f"
done
kernels=$(awk '$2 == "engine-scalar" && $3 ~ /^[0-9]+$/ && $4 ~ /^[0-9]+$/ { n++ } END { print n + 0 }' "$TMP/out")
[ "$kernels" -ge 15 ] || fail "only $kernels kernels in the report"
grep -q '^[0-9]* passed, 0 failed$' "$TMP/out" || fail "no clean closing line"
echo "ok: $kernels kernels"
