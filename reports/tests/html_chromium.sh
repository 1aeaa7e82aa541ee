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
# Chromium only opens file:// URLs here; proxy and DNS point nowhere, so
# nothing can reach the network.
# Usage: html_chromium.sh 9ML OUTDIR. Exit 77 (skipped) without chromium,
# except under CI=true, where that is a failure.
set -u
NINEML=$1
OUT=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

CHROMIUM=$(command -v chromium || true)
if [ -z "$CHROMIUM" ]; then
  [ "${CI:-}" = true ] && fail "chromium is not installed (CI=true requires it: scripts/install-deps.sh installs it)"
  echo "SKIP: chromium is not installed (scripts/install-deps.sh installs Debian's chromium)"
  exit 77
fi

NINEML_FAULT=softmax "$NINEML" conform --kernel softmax --kernel rmsnorm --out "$TMP/r" --quiet >"$TMP/conform.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] || { cat "$TMP/conform.out" >&2; fail "conform under NINEML_FAULT=softmax exited $rc, expected 1"; }
[ -s "$TMP/r/index.html" ] || fail "conform wrote no index.html"
mkdir -p "$OUT" || fail "cannot create $OUT"
rm -f "$OUT/index.png" "$OUT/index.dom.html" "$OUT/layout.txt"
cp "$TMP/r/index.html" "$OUT/index.html"

# chrome LOG ARGS...: one headless run with a fresh profile, at most 120 s.
chrome() {
  local log=$1; shift
  rm -rf "$TMP/profile"
  timeout -k 10 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --user-data-dir="$TMP/profile" \
    --no-first-run --no-default-browser-check --disable-extensions --disable-sync \
    --disable-background-networking --disable-component-update --disable-default-apps \
    --proxy-server=127.0.0.1:9 --host-resolver-rules='MAP * ~NOTFOUND' \
    --hide-scrollbars --force-device-scale-factor=1 "$@" 2>"$log"
}

# 1. Screenshot of the first screen at 1280 px.
( cd "$TMP" && chrome "$TMP/shot.log" --window-size=1280,1000 --screenshot="$OUT/index.png" "file://$TMP/r/index.html" >/dev/null ) ||
  { cat "$TMP/shot.log" >&2; fail "chromium --screenshot failed"; }
/usr/bin/python3 - "$OUT/index.png" <<'EOF' || fail "screenshot $OUT/index.png is not a 1280-px-wide PNG"
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
width, height = struct.unpack(">II", data[16:24])
assert width == 1280 and height > 0, f"{width}x{height}"
assert len(data) > 10000, f"only {len(data)} bytes: a blank page?"
EOF

# 2. The DOM Chromium built from the page.
chrome "$TMP/dom.log" --window-size=1280,1000 --dump-dom "file://$TMP/r/index.html" >"$OUT/index.dom.html" ||
  { cat "$TMP/dom.log" >&2; fail "chromium --dump-dom failed"; }
/usr/bin/python3 - "$OUT/index.dom.html" "$TMP/r/report.json" <<'EOF' || fail "index.html's DOM lacks the evidence (above)"
import json, sys
from html.parser import HTMLParser

class Dom(HTMLParser):
    """Collects, per table class, the rows (class, cell texts), and the SVG texts."""
    def __init__(self):
        super().__init__()
        self.stack, self.tables, self.svg_texts, self.svgs = [], [], [], 0
        self.row = self.cell = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.tables.append({"class": a.get("class", ""), "rows": [], "parent": self.current_table()})
            self.stack.append(len(self.tables) - 1)
        elif tag == "tr" and self.stack:
            self.row = {"class": a.get("class", ""), "cells": []}
            self.tables[self.stack[-1]]["rows"].append(self.row)
        elif tag in ("td", "th") and self.row is not None and self.stack:
            self.cell = ""
        elif tag == "svg":
            self.svgs += 1
        self.in_svg_text = tag == "text"
    def current_table(self):
        return self.stack[-1] if self.stack else None
    def handle_endtag(self, tag):
        if tag == "table" and self.stack:
            self.stack.pop()
            self.row = None
        elif tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row["cells"].append(self.cell.strip())
            self.cell = None
        self.in_svg_text = False
    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
        if getattr(self, "in_svg_text", False):
            self.svg_texts.append(data.strip())

dom = Dom()
dom.feed(open(sys.argv[1], encoding="utf-8").read())
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

# 3. Layout at 1280 px, measured by the browser itself.
cat >"$TMP/r/overflow-control.html" <<'EOF'
<!DOCTYPE html><html><body><div style="width:2000px">wider than the frame</div></body></html>
EOF
cat >"$TMP/r/layout.html" <<'EOF'
<!DOCTYPE html>
<html><body style="margin:0">
<iframe id="page" src="index.html" style="width:1280px;height:900px;border:0"></iframe>
<iframe id="control" src="overflow-control.html" style="width:1280px;height:100px;border:0"></iframe>
<pre id="out">not measured</pre>
<script>
// The window's load event comes after both frames have loaded and laid out.
window.addEventListener("load", function () {
  var line = "";
  for (var id of ["page", "control"]) {
    var d = document.getElementById(id).contentDocument;
    line += d ? id + " " + d.documentElement.scrollWidth + " " + d.documentElement.clientWidth + "\n" : id + " no-access\n";
  }
  var d = document.getElementById("page").contentDocument;
  var row = d && d.querySelector("table.failures tr.fail");
  line += "first-failure-top " + (row ? Math.round(row.getBoundingClientRect().top) : "none") + "\n";
  document.getElementById("out").textContent = line;
});
</script>
</body></html>
EOF
chrome "$TMP/layout.log" --window-size=1400,1100 --allow-file-access-from-files --dump-dom "file://$TMP/r/layout.html" >"$TMP/layout.dom" ||
  { cat "$TMP/layout.log" >&2; fail "chromium --dump-dom of the layout page failed"; }
sed -n 's/.*<pre id="out">//; /^\(page\|control\|first-failure-top\) /p' "$TMP/layout.dom" | sed 's/<\/pre>.*//' >"$OUT/layout.txt"
read -r _ sw cw <<<"$(grep '^page ' "$OUT/layout.txt")"
read -r _ csw ccw <<<"$(grep '^control ' "$OUT/layout.txt")"
[[ "${sw:-}" =~ ^[0-9]+$ && "${csw:-}" =~ ^[0-9]+$ ]] || { cat "$TMP/layout.dom" >&2; fail "the layout page measured nothing"; }
[ "$csw" -gt 1280 ] || fail "the overflowing control page measured $csw px: the measurement does not lay out"
[ "$sw" -le 1280 ] && [ "$sw" -le "$cw" ] || fail "index.html overflows at 1280 px: scrollWidth $sw, clientWidth $cw"
# The first failure is on the first screen (the frame is 900 px high).
read -r _ top <<<"$(grep '^first-failure-top ' "$OUT/layout.txt")"
[[ "${top:-}" =~ ^[0-9]+$ ]] && [ "$top" -lt 850 ] || fail "the first failure row is not on the first screen: top ${top:-unknown} px"
echo "ok: $OUT/index.png; scrollWidth $sw <= clientWidth $cw at 1280 px; first failure at $top px"
