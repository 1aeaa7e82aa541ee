# index.html in a real browser: Debian's headless Chromium loads the report of
# a run with one injected fault (NINEML_FAULT=softmax) and this checks what it
# rendered, not only what html.cpp wrote:
#   1. a screenshot at a 1280-px-wide window, kept in the build tree (OUTDIR);
#   2. the DOM after parsing (--dump-dom): a failures table with one row per
#      failing case of report.json, each followed by its worst elements; a
#      worst-element table per kernel x impl; the histogram SVGs with their
#      axis titles;
#   3. layout: a wrapper page loads index.html in a 1280x900-px iframe and
#      writes the iframe document's scrollWidth, and where the first failure
#      row is, into its own DOM; no horizontal overflow is allowed, and the
#      first failure must be on that first screen. A control page that does overflow is measured the
#      same way, so a measurement that does not really lay out the page fails.
# chromium_lib.sh runs Chromium (only file:// URLs; proxy and DNS point
# nowhere, so nothing can reach the network); html_dom.py reads the DOM.
# Usage: html_chromium.sh 9ML OUTDIR. Exit 77 (skipped) without chromium,
# except under CI=true, where that is a failure.
set -u
NINEML=$1
OUT=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

. "$(dirname "$0")/chromium_lib.sh"
need_chromium

NINEML_FAULT=softmax "$NINEML" conform --kernel softmax --kernel rmsnorm --out "$TMP/r" --quiet >"$TMP/conform.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] || { cat "$TMP/conform.out" >&2; fail "conform under NINEML_FAULT=softmax exited $rc, expected 1"; }
[ -s "$TMP/r/index.html" ] || fail "conform wrote no index.html"
mkdir -p "$OUT" || fail "cannot create $OUT"
rm -f "$OUT/index.png" "$OUT/index.dom.html" "$OUT/layout.txt"
cp "$TMP/r/index.html" "$OUT/index.html"

# 1. Screenshot of the first screen at 1280 px.
screenshot "$TMP/r/index.html" "$OUT/index.png"

# 2. The DOM Chromium built from the page.
dump_dom "$TMP/r/index.html" "$OUT/index.dom.html"
/usr/bin/python3 - "$OUT/index.dom.html" "$TMP/r/report.json" "$(dirname "$0")" <<'EOF' || fail "index.html's DOM lacks the evidence (above)"
import json, sys
sys.path.insert(0, sys.argv[3])
import html_dom

dom = html_dom.load(sys.argv[1])
report = json.load(open(sys.argv[2]))
failing = [c for c in report["cases"] if not c["passed"]]
assert failing, "the fault made no case fail"
problems = []
def need(ok, what):
    if not ok:
        problems.append(what)

failures = [t for t in dom.tables if "failures" in t["class"].split()]
need(len(failures) == 1, f"{len(failures)} failures tables, expected 1")
if failures:
    rows = [r for r in failures[0]["rows"] if "fail" in r["class"].split()]
    need(len(rows) == len(failing), f"failures table has {len(rows)} failing rows, report.json {len(failing)} failing cases")
    for c, r in zip(failing, rows):
        need(r["cells"][:2] == [c["case_id"], c["impl"]], f"failures row {r['cells'][:2]} is not {c['case_id']} [{c['impl']}]")
        need(c["repro"] in r["cells"], f"failures row of {c['case_id']} lacks its repro line")
    index = dom.tables.index(failures[0])
    nested = [t for t in dom.tables if t["parent"] == index and "worst" in t["class"].split()]
    need(len(nested) == len(failing), f"{len(nested)} worst-element tables in the failures table, expected {len(failing)}")
    for t, c in zip(nested, failing):
        data = [r["cells"] for r in t["rows"][1:]]  # below the header row
        need(len(data) == len(c["worst"]), f"{c['case_id']}: {len(data)} worst elements shown, {len(c['worst'])} in report.json")
        for cells, w in zip(data, c["worst"]):
            need(cells[0] == str(w["index"]), f"{c['case_id']}: worst element index {cells[0]} != {w['index']}")
            need(any(x.startswith("0x") and len(x) == 10 for x in cells), f"{c['case_id']}: no float32 bits in {cells}")
worst = [t for t in dom.tables if "worst" in t["class"].split() and (not failures or t["parent"] != dom.tables.index(failures[0]))]
sections = len({(c["kernel"], c["impl"]) for c in report["cases"]})
need(len(worst) == sections, f"{len(worst)} per-section worst-element tables, expected {sections}")
head = [t["rows"][0]["cells"] for t in worst[:1]]
need(head and "ULP" in head[0] and "bound" in head[0] and "ratio" in head[0], f"worst-element table header {head}")
need(dom.svgs == sections, f"{dom.svgs} histogram SVGs, expected {sections}")
need(dom.svg_texts.count("ULP distance") == sections, "histograms without an x-axis title 'ULP distance'")
need(sum(t.startswith("output elements") for t in dom.svg_texts) == sections, "histograms without a y-axis title")
for p in problems:
    print("  " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF

# 3. Layout at 1280 px; the first failure is on the first screen (the frame
# is 900 px high).
check_layout "$TMP/r" index.html "table.failures tr.fail" "$OUT/layout.txt"
[[ "${ROW_TOP:-}" =~ ^[0-9]+$ ]] && [ "$ROW_TOP" -lt 850 ] ||
  fail "the first failure row is not on the first screen: top ${ROW_TOP:-unknown} px"
echo "ok: $OUT/index.png; $LAYOUT_WIDTHS at 1280 px; first failure at $ROW_TOP px"
