# The terminal summary of `9ml conform` (issue 18): columns stay in line
# with long kernel and implementation names, a quantized kernel's error is
# shown in the unit of its bound (absolute error, not a ULP distance next to
# near-zero outputs), the totals name cases and case runs apart, and the
# implementations --impl left out are reported as skipped.
. "$(dirname "$0")/lib.sh"

expect_status 0 "$NINEML" conform --kernel matmul_q4_0_batch --kernel softmax --impl engine-scalar \
  --impl engine-scalar-t2 --out "$TMP/r" --quiet
table=$(grep -E '^(kernel|matmul_q4_0_batch|softmax)  ' "$TMP/out")
rows=$(grep -c . <<<"$table")
[ "$rows" -ge 3 ] || { cat "$TMP/out" >&2; fail "no summary table with the selected pairs"; }
grep -q '^matmul_q4_0_batch  *engine-scalar-t2 ' <<<"$table" || fail "no matmul_q4_0_batch x engine-scalar-t2 row"
# Every row has its fields end at the same columns as the header's:
# "cases", "failed", "max error" and "max err/bnd" are right-aligned.
ends() {  # the end column of each right-aligned field (3..6) of a line
  awk '{ pos = 0; line = $0; out = "";
         for (f = 1; f <= 6; f++) { i = index(substr(line, pos + 1), $f); pos += i + length($f) - 1;
                                    if (f >= 3) out = out " " pos }
         print out }' <<<"$1"
}
header=$(head -n 1 <<<"$table" | sed 's/max error/max_error/; s/max err\/bnd/max_err\/bnd/')
want=$(ends "$header")
while IFS= read -r line; do
  got=$(ends "$(sed -E 's/ (ULP|abs) /_\1 /' <<<"$line")")
  [ "$got" = "$want" ] || fail "columns out of line (ends$got, header$want): '$line'"
done < <(tail -n +2 <<<"$table")
# The quantized kernel's error is absolute; softmax's a ULP distance.
grep -E '^matmul_q4_0_batch .* [0-9.e+-]+ abs ' <<<"$table" >/dev/null || fail "matmul_q4_0_batch's error is not shown as absolute: $table"
grep -E '^softmax .* [0-9]+ ULP ' <<<"$table" >/dev/null || fail "softmax's error is not shown in ULP: $table"
if grep -E '^matmul_q4_0_batch .* ULP ' <<<"$table" >/dev/null; then fail "matmul_q4_0_batch shows a ULP distance"; fi
# The same unit in summary.md and index.html.
grep -E '^\| matmul_q4_0_batch \| engine-scalar \|.* abs \|' "$TMP/r/summary.md" >/dev/null || fail "summary.md: no absolute error"
grep -q '<th>max error</th>' "$TMP/r/index.html" || fail "index.html: no max error column"
# Cases and case runs are told apart: runs = cases x implementations here.
read -r runs cases <<<"$(/usr/bin/python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["cases"]
print(len(c), len({x["case_id"] for x in c}))' "$TMP/r/report.json")"
grep -q " $runs case runs ($cases cases, each on its implementations) in " "$TMP/out" || fail "totals do not say $runs case runs of $cases cases"
# The implementations --impl left out are skipped in every output, with the
# reason (and not listed as "not run on this CPU" in the terminal).
/usr/bin/python3 - "$TMP/r" <<'PY' || fail "the implementations left out by --impl are not reported as skipped"
import json, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
nr = {n["impl"]: n["reason"] for n in json.load(open(d + "/report.json"))["not_run"]}
assert nr.get("ref-llama2c") == "not selected (--impl)", nr
assert "engine-scalar" not in nr and "engine-scalar-t2" not in nr, nr
skipped = {tc.get("name") for tc in ET.parse(d + "/junit.xml").iter("testcase") if tc.get("classname") == "9ml.not_run"}
assert "ref-llama2c" in skipped, skipped
html, md = open(d + "/index.html").read(), open(d + "/summary.md").read()
assert "ref-llama2c" in html and "not selected (--impl)" in html
assert "ref-llama2c" in md and "not selected (--impl)" in md
PY
if grep -q "^NOT RUN ref-llama2c" "$TMP/out"; then fail "a left-out implementation is printed as not run on this CPU"; fi
echo "conform_terminal: ok ($rows table lines in line, $runs case runs of $cases cases)"
