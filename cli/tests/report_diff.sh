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

# --html: a clean softmax + rmsnorm run against the same run with the softmax
# fault, in a directory whose name is markup; the exit status is diff's.
D="$TMP/x<&>"
expect_status 0 "$NINEML" conform --kernel softmax --kernel rmsnorm --out "$D/a" --quiet
NINEML_FAULT=softmax expect_status 1 "$NINEML" conform --kernel softmax --kernel rmsnorm --out "$D/b" --quiet
expect_status 1 "$NINEML" report diff "$D/a/report.json" "$D/b/report.json" --html "$D/diff.html"
grep -qx "wrote $D/diff.html" "$TMP/out" || fail "--html: $(cat "$TMP/out")"
tail -n 1 "$TMP/out" | grep -q '^[1-9][0-9]* regression(s) between ' || fail "--html: last line $(tail -n 1 "$TMP/out")"
/usr/bin/python3 - "$D/diff.html" "$D/a/report.json" "$D/b/report.json" "$(dirname "$0")/../../reports/tests" <<'EOF' ||
import json, sys
sys.path.insert(0, sys.argv[4])
import html_dom

text = open(sys.argv[1], encoding="utf-8").read()
dom = html_dom.load(sys.argv[1])
old, new = (json.load(open(p))["cases"] for p in sys.argv[2:4])
key = lambda c: (c["kernel"], c["impl"], c["case_id"])
was = {key(c): c["passed"] for c in old}
newly = sorted((c for c in new if was.get(key(c)) is True and not c["passed"]), key=key)
assert newly and {c["kernel"] for c in newly} == {"softmax"}, f"newly failing: {[key(c) for c in newly][:3]}"
moved = [t for t in dom.tables if t["class"].startswith("moved ")]
assert moved[0]["class"] == "moved newly-failing", [t["class"] for t in moved]
rows = [r["cells"] for r in moved[0]["rows"][1:]]
assert [r[:3] for r in rows] == [list(key(c)) for c in newly], (rows[:2], [key(c) for c in newly][:2])
assert [r[-1] for r in rows] == [c["repro"] for c in newly], "repro lines"
assert all(r["cells"][0] != "rmsnorm" for t in moved for r in t["rows"][1:]), "an rmsnorm case moved"
unchanged = [r["cells"] for t in dom.tables if t["class"] == "unchanged" for r in t["rows"][1:]]  # per kernel x impl
rms = sum(int(r[2]) for r in unchanged if r[0] == "rmsnorm")
assert rms == sum(c["kernel"] == "rmsnorm" for c in new), (rms, unchanged)
# The directory's name as text, never markup, in the environments' table.
assert "x&lt;&amp;&gt;/a/report.json" in text and "x&lt;&amp;&gt;/b/report.json" in text, "paths not escaped"
assert "<&>" not in text, "raw <&> in the page"
EOF
  fail "diff.html does not show what moved (above)"

# Identical runs: exit 0 and a page that says so. --html goes without
# --across, and never over an input report.
expect_status 0 "$NINEML" report diff "$D/a/report.json" "$D/a/report.json" --html "$TMP/same.html"
grep -q '<p class="pass">NO REGRESSION: 0 regression(s) between OLD and NEW</p>' "$TMP/same.html" || fail "same.html"
expect_status 2 "$NINEML" report diff --across "$D/a/report.json" "$D/a/report.json" --html "$TMP/x.html"
cp "$D/b/report.json" "$TMP/b.json"
expect_status 2 "$NINEML" report diff "$D/a/report.json" "$D/b/report.json" --html "$D/b/report.json"
grep -q -- "--html $D/b/report.json: is the input report" "$TMP/out" || fail "--html over NEW: $(cat "$TMP/out")"
cmp -s "$D/b/report.json" "$TMP/b.json" || fail "--html over NEW changed it"
expect_status 1 "$NINEML" report diff "$D/a/report.json" "$D/b/report.json" --html "$TMP/nosuchdir/d.html"
grep -q -- "--html $TMP/nosuchdir/d.html: cannot write" "$TMP/out" || fail "unwritable --html: $(cat "$TMP/out")"
echo ok
