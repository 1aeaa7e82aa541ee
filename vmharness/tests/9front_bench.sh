#!/usr/bin/env bash
# `9ml vm --guest 9front --bench` in the real 9front (docs/PERFORMANCE.md,
# "In 9front"): mk bench builds 6.bench with 6c, it runs on the 2-CPU boot,
# and bench.json holds the levels, a decode figure per type x level x
# thread count (1..2), a kernel figure per kernel x level, the ratios, the
# accelerator, and "emulated": true exactly when that is TCG. The output
# shows the label and the ratio lines. Small steps keep it under ~3 min.
source "$(dirname "$0")/lib.sh"
# The options' checks need no guest.
"$NINEML" vm --guest host --kernel rng --bench --run-dir "$T/h" --out "$T/h-rep" >"$T/h.log" 2>&1
[ $? -eq 2 ] && grep -q -- '--bench needs --guest 9front' "$T/h.log" || fail "--bench on the host guest: $(cat "$T/h.log")"
"$NINEML" vm --guest host --kernel rng --bench-args '--steps 2' --run-dir "$T/h" --out "$T/h-rep" >"$T/h.log" 2>&1
[ $? -eq 2 ] && grep -q -- '--bench-args needs --bench' "$T/h.log" || fail "--bench-args alone: $(cat "$T/h.log")"
need_9front
"$NINEML" vm $(nine_front_args) --kernel residual_add --smp 2 --bench --bench-args '--steps 4 --min-time 0.05' \
  --run-dir "$T/run" --out "$T/rep" --boot-timeout 120 >"$T/log" 2>&1
rc=$?
cat "$T/log"
[ $rc -eq 0 ] || { tail -30 "$T/rep/console.log"; fail "9front run with --bench: exit status $rc"; }
python3 - "$T/rep/bench.json" <<'PY' || fail "bench.json: see above"
import json, sys
j = json.load(open(sys.argv[1]))
def need(cond, what):
    if not cond:
        print("bench.json:", what); sys.exit(1)
need(j["guest"] == "guest:9front" and j["guest_cpus"] == 2 and j["threads"] == 2, "guest, CPUs, threads")
need(j["emulated"] == j["accelerator"].startswith("tcg"), "emulated %s under %s" % (j["emulated"], j["accelerator"]))
need(j["shape"] == "15m" and j["steps"] == 4, "shape and steps")
levels = j["levels"]
need(levels[0] == "scalar" and set(levels) <= {"scalar", "plan9-sse2"}, "levels %s" % levels)
need(len(j["decode"]) == 2 * len(levels) * 2 and all(d["tok_s"] > 0 for d in j["decode"]), "decode figures")
need(len(j["kernels"]) == 7 * len(levels) and all(k["value"] > 0 for k in j["kernels"]), "kernel figures")
threads = [r for r in j["ratios"] if r["of"] == "decode" and r["base"] == "1thread"]
need(len(threads) == 2 * len(levels) and all(r["threads"] == 2 and r["ratio"] > 0 for r in threads), "thread ratios")
simd = [r for r in j["ratios"] if r["base"] == "scalar"]
need(len(simd) == (len(levels) - 1) * (7 + 2 * 2), "level ratios")
print("bench.json: levels %s, %d decode, %d kernel figures, %d ratios, emulated %s (%s)" % (
    levels, len(j["decode"]), len(j["kernels"]), len(j["ratios"]), j["emulated"], j["accelerator"]))
for r in j["ratios"]:
    print("  ratio", {k: v for k, v in r.items()})
PY
if grep -q '"emulated": true' "$T/rep/bench.json"; then
  grep -q '^bench: EMULATED CPU (QEMU TCG): the absolute figures mean little; read the ratios' "$T/log" || fail "no emulated label in the output"
fi
grep -q '^ratio decode f32 scalar, 2/1 threads: ' "$T/log" || fail "no thread-ratio line in the output"
grep -q '^ratio decode q8  scalar, 2/1 threads: ' "$T/log" || fail "no Q8 thread-ratio line in the output"
no_guest_left "$T/run"
echo "PASS"
