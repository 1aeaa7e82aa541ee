#!/usr/bin/env bash
# The real 9front (NINEML_9FRONT, see lib.sh): boots under QEMU, builds the
# engine, the tools and the component tests with 9front's own mk, 6c and 6a,
# runs every case on scalar and on the plan9-sse2 level (the pool-dispatched
# products and attention also on 2-4 workers, bit-identical to 1), halts
# through fshalt. Every case passes, the cases are the host run's, and the
# kernel-by-kernel diffs host vs 9front and host sse2 vs plan9-sse2 (written
# beside the report) show differences only in kernels docs/PLAN9_SUBSET.md
# lists with their cause.
source "$(dirname "$0")/lib.sh"
need_9front
SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT="$BUILD/vm-9front"   # kept after the test: report, console.log, diff
rm -rf "$OUT" && mkdir -p "$OUT"
command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 is not installed"
"$NINEML" vm --guest host --run-dir "$T/run-host" --out "$OUT/host" >"$T/log-host" 2>&1 \
  || { cat "$T/log-host"; fail "host run failed"; }
# shellcheck disable=SC2046
"$NINEML" vm $(nine_front_args) --run-dir "$T/run" --out "$OUT/report" --boot-timeout 120 2>&1 | tee "$OUT/vm.log"
cp "$OUT/vm.log" "$T/log"
rc=${PIPESTATUS[0]}
[ "$rc" -eq 0 ] || { tail -40 "$OUT/report/console.log" 2>/dev/null; fail "9front run: exit status $rc"; }
report_all_pass "$OUT/report"
grep -q "done halting" "$OUT/report/console.log" || fail "the guest did not halt through fshalt"
grep -q "cycle time" "$T/log" || fail "no cycle time printed"
no_guest_left "$T/run"
python3 - "$OUT/host/report.json" "$OUT/report/report.json" <<'PY' || fail "9front and host case sets differ"
import json, sys
h = json.load(open(sys.argv[1]))["cases"]
g = json.load(open(sys.argv[2]))["cases"]
hs = {c["case_id"] for c in h if c["impl"] == "component:host"}
gs = {c["case_id"] for c in g if c["impl"] == "guest:9front"}
assert hs == gs, f"{len(hs ^ gs)} cases in one run only"
pooled = ("matmul_f32", "attention", "matmul_q8_0", "matmul_q4_0", "matmul_f16", "matmul_bf16")
lv = {c["case_id"] for c in g if c["impl"] == "guest:9front-plan9-sse2"}
table = ("rmsnorm", "softmax", "matmul_f32", "rope", "attention", "swiglu", "residual_add", "q8_0_quantize",
         "matmul_q8_0", "matmul_q4_0", "sample_argmax", "matmul_f16", "matmul_bf16")
want_lv = {c["case_id"] for c in g if c["impl"] == "guest:9front" and c["kernel"] in table}
assert lv == want_lv, f"plan9-sse2 ran {len(lv)} cases, expected {len(want_lv)}"
for level in ("", "-plan9-sse2"):
    for n in (2, 3, 4):
        t = [c for c in g if c["impl"] == f"guest:9front{level}-t{n}"]
        want = [c for c in g if c["impl"] == "guest:9front" and c["kernel"] in pooled]
        assert len(t) == len(want) and t, f"{len(t)} cases on {level} {n} workers, expected {len(want)}"
print(f"9front: {len(gs)} cases on 1 worker (as on the host), {len(lv)} on plan9-sse2, the products and attention on 2-4 workers")
PY
"$NINEML" report diff --across "$OUT/host/report.json" "$OUT/report/report.json" --md "$OUT/report/diff-host.md" \
  >"$T/diff" || { cat "$T/diff"; fail "report diff --across host vs 9front failed"; }
cat "$T/diff"
"$NINEML" report diff --across "$OUT/host/report.json" "$OUT/report/report.json" --old-impl component:host-sse2 \
  --new-impl guest:9front-plan9-sse2 --md "$OUT/report/diff-sse2.md" >"$T/diff-sse2" \
  || { cat "$T/diff-sse2"; fail "report diff --across host sse2 vs plan9-sse2 failed"; }
cat "$T/diff-sse2"
documented() {  # DIFF.md SECTION: every kernel the diff shows differing is in that section's table
python3 - "$1" "$SRC/docs/PLAN9_SUBSET.md" "$2" <<'PY'
import re, sys
rows = [l.split("|") for l in open(sys.argv[1]) if re.match(r"\| \w+ \| \d+ \|", l)]
differ = {r[1].strip() for r in rows if int(r[4]) > 0}
doc = open(sys.argv[2]).read()
sect = doc.split("## " + sys.argv[3], 1)
assert len(sect) == 2, f"docs/PLAN9_SUBSET.md has no section '{sys.argv[3]}'"
listed = set(re.findall(r"^\| `(\w+)` \|", sect[1].split("\n## ", 1)[0], re.M))
missing = differ - listed
print("kernels whose bits differ on 9front:", ", ".join(sorted(differ)) or "none")
if missing: print("not documented in docs/PLAN9_SUBSET.md:", ", ".join(sorted(missing)))
stale = listed - differ
if stale: print("documented but identical in this run:", ", ".join(sorted(stale)))
sys.exit(1 if missing else 0)
PY
}
documented "$OUT/report/diff-host.md" "Where 9front's bits differ from the host" || fail "undocumented host vs 9front differences"
documented "$OUT/report/diff-sse2.md" "Where plan9-sse2's bits differ from the host's sse2" \
  || fail "undocumented host sse2 vs plan9-sse2 differences"
echo "PASS"
