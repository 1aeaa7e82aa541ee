# diff.html in a real browser (chromium_lib.sh, as reports.html_chromium):
# `report diff --html` between a clean run of softmax and rmsnorm and the
# same run with NINEML_FAULT=softmax, then
#   1. a screenshot at a 1280-px-wide window, kept in OUTDIR;
#   2. the DOM Chromium built: the first table of cases that moved is the
#      newly failing one, with one row per softmax case that passed and now
#      fails (report.json's), each with its repro line; no rmsnorm case is
#      listed, the unchanged table counts them all; the summary's counts
#      agree; the fault_injection row of the environments is marked;
#   3. layout: no horizontal overflow at 1280 px, and the first newly failing
#      row on the first 900-px screen.
# Usage: diff_chromium.sh 9ML OUTDIR. Exit 77 (skipped) without chromium,
# except under CI=true, where that is a failure.
set -u
NINEML=$1
OUT=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
. "$(dirname "$0")/chromium_lib.sh"
need_chromium

"$NINEML" conform --kernel softmax --kernel rmsnorm --out "$TMP/a" --quiet >"$TMP/out" 2>&1 ||
  { cat "$TMP/out" >&2; fail "the clean conform run failed"; }
NINEML_FAULT=softmax "$NINEML" conform --kernel softmax --kernel rmsnorm --out "$TMP/b" --quiet >"$TMP/out" 2>&1
rc=$?
[ "$rc" -eq 1 ] || { cat "$TMP/out" >&2; fail "conform under NINEML_FAULT=softmax exited $rc, expected 1"; }
mkdir -p "$OUT/d" || fail "cannot create $OUT/d"
rm -f "$OUT/diff.png" "$OUT/diff.dom.html" "$OUT/layout.txt"
"$NINEML" report diff "$TMP/a/report.json" "$TMP/b/report.json" --html "$OUT/d/diff.html" >"$TMP/out" 2>&1
rc=$?
[ "$rc" -eq 1 ] || { cat "$TMP/out" >&2; fail "report diff exited $rc, expected 1 (regressions)"; }

screenshot "$OUT/d/diff.html" "$OUT/diff.png"
dump_dom "$OUT/d/diff.html" "$OUT/diff.dom.html"
/usr/bin/python3 - "$OUT/diff.dom.html" "$TMP/a/report.json" "$TMP/b/report.json" "$(dirname "$0")" <<'EOF' ||
import json, sys
sys.path.insert(0, sys.argv[4])
import html_dom

dom = html_dom.load(sys.argv[1])
old, new = (json.load(open(p))["cases"] for p in sys.argv[2:4])
key = lambda c: (c["kernel"], c["impl"], c["case_id"])
was = {key(c): c["passed"] for c in old}
newly = [c for c in new if was.get(key(c)) is True and not c["passed"]]
problems = []
def need(ok, what):
    if not ok:
        problems.append(what)

need(newly and all(c["kernel"] == "softmax" for c in newly), f"{len(newly)} newly failing cases, not all softmax")
moved = [t for t in dom.tables if t["class"].split()[:1] == ["moved"]]
need(moved and moved[0]["class"] == "moved newly-failing", f"first table of moved cases: {[t['class'] for t in moved][:1]}")
if moved:
    rows = moved[0]["rows"][1:]
    need(len(rows) == len(newly), f"{len(rows)} newly failing rows, report.json {len(newly)}")
    for c, r in zip(sorted(newly, key=key), rows):
        need(r["class"] == "fail" and r["cells"][:3] == [c["kernel"], c["impl"], c["case_id"]],
             f"newly failing row {r['cells'][:3]} is not {key(c)}")
        need(r["cells"][3].startswith("pass \u2192 FAIL"), f"{c['case_id']}: verdict {r['cells'][3]!r}")
        need(r["cells"][-1] == c["repro"], f"{c['case_id']}: repro {r['cells'][-1]!r}")
listed = [r["cells"][0] for t in moved for r in t["rows"][1:]]
need("rmsnorm" not in listed, "an rmsnorm case is listed as moved")
unchanged = [t for t in dom.tables if t["class"] == "unchanged"]
rms = sum(c["kernel"] == "rmsnorm" for c in new)
got = sum(int(r["cells"][2]) for t in unchanged for r in t["rows"][1:] if r["cells"][0] == "rmsnorm")
need(got == rms, f"unchanged table counts {got} rmsnorm cases, report.json has {rms}")
counts = {h: v for t in dom.tables if t["class"] == "counts" for h, v in zip(t["rows"][0]["cells"], t["rows"][1]["cells"])}
need(counts.get("Newly failing (passed in OLD)") == str(len(newly)), f"summary counts {counts}")
env = [r for t in dom.tables if "sidebyside" in t["class"].split() for r in t["rows"]]
need(any(r["class"] == "changed" and r["cells"][0].startswith("fault_injection") and r["cells"][2] == "softmax"
         for r in env), "the environments do not mark fault_injection")
for p in problems:
    print("  " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
  fail "diff.html's DOM lacks what moved (above)"

check_layout "$OUT/d" diff.html "table.newly-failing tr.fail" "$OUT/layout.txt"
[[ "${ROW_TOP:-}" =~ ^[0-9]+$ ]] && [ "$ROW_TOP" -lt 850 ] ||
  fail "the first newly failing row is not on the first screen: top ${ROW_TOP:-unknown} px"
echo "ok: $OUT/diff.png; $LAYOUT_WIDTHS at 1280 px; first newly failing case at $ROW_TOP px"
