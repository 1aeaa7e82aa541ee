#!/bin/bash
# `9ml audit approx` (docs/ACCURACY.md): the strided sweep and the kernel
# effect land in --out as markdown and JSON with every approximation, the
# approx-* implementations fail the bounds they should, and bad arguments
# are usage errors.
set -u
NINEML=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$NINEML" audit approx --out "$out" > "$out/stdout" || fail "audit approx exited $?"
[ -s "$out/approx_audit.md" ] || fail "no approx_audit.md"
[ -s "$out/approx_audit.json" ] || fail "no approx_audit.json"
/usr/bin/python3 - "$out/approx_audit.json" <<'PY' || fail "approx_audit.json"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["stride"] == 4096, j["stride"]
sweeps = {s["name"]: s for s in j["sweeps"]}
for name in ["exp-libm", "exp-schraudolph", "exp-poly5", "exp-poly6", "rsqrt-libm", "rsqrt-0nr", "rsqrt-1nr",
             "rsqrt-2nr", "silu-libm", "silu-tanh", "silu-rational"]:
    assert name in sweeps, name
    assert sum(sweeps[name]["ulp_histogram"].values()) == sweeps[name]["count"], name
assert abs(sweeps["rsqrt-0nr"]["max_rel"] - 0.0344) < 0.0002, sweeps["rsqrt-0nr"]["max_rel"]
assert sweeps["exp-libm"]["max_ulp"] <= 1
kern = {(k["impl"], k["kernel"]): k for k in j["kernels"]}
assert kern[("approx-rsqrt-0nr", "rmsnorm")]["failed"] > 0
assert kern[("approx-exp-schraudolph", "softmax")]["failed"] > 0
assert kern[("approx-exp-poly6", "softmax")]["failed"] == 0
assert all(k["cases"] > 0 for k in j["kernels"])
PY
grep -q "^| rsqrt-1nr |" "$out/approx_audit.md" || fail "markdown lacks the rsqrt-1nr row"
cmp -s "$out/stdout" "$out/approx_audit.md" || fail "stdout differs from approx_audit.md"

"$NINEML" audit nonsense > /dev/null 2> "$out/err"; [ $? -eq 2 ] || fail "unknown audit: exit not 2"
grep -q "no such audit" "$out/err" || fail "unknown audit message: $(cat "$out/err")"
"$NINEML" audit approx --threads 0 > /dev/null 2>&1; [ $? -eq 2 ] || fail "--threads 0: exit not 2"
echo OK
