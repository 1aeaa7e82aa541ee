#!/usr/bin/env bash
# The Linux guest in a real QEMU (KVM if it works, else TCG) runs every
# component test; its report agrees with the host run of the same programs
# (bit-identical: same code, same CPU model for libm's choices) and no QEMU
# survives. If the guest cannot boot here, the failure says why.
source "$(dirname "$0")/lib.sh"
command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 is not installed (scripts/install-deps.sh installs qemu-system-x86)"
"$NINEML" vm --guest host --run-dir "$T/run-host" --out "$T/rep-host" >"$T/log-host" 2>&1 \
  || { cat "$T/log-host"; fail "host run failed"; }
"$NINEML" vm --guest linux --run-dir "$T/run" --out "$T/rep" --boot-timeout 240 >"$T/log" 2>&1
rc=$?
cat "$T/log"
[ $rc -eq 0 ] || { tail -40 "$T/rep/console.log" 2>/dev/null; fail "linux guest run: exit status $rc"; }
report_all_pass "$T/rep"
python3 - "$T/rep-host/report.json" "$T/rep/report.json" <<'PY' || fail "guest and host reports disagree"
import json, sys
# One worker, scalar, on both sides (the host also runs its sse2 level).
h = {c["case_id"]: c for c in json.load(open(sys.argv[1]))["cases"] if c["impl"] == "component:host"}
g = {c["case_id"]: c for c in json.load(open(sys.argv[2]))["cases"] if c["impl"] == "guest:linux"}
assert h.keys() == g.keys(), "different case sets"
diff = [k for k in h if (h[k]["max_ulp"], h[k]["max_abs"], h[k]["passed"], h[k]["contract_ok"]) !=
        (g[k]["max_ulp"], g[k]["max_abs"], g[k]["passed"], g[k]["contract_ok"])]
for k in diff[:10]: print("differs:", k)
sys.exit(1 if diff else 0)
PY
grep -q "accelerator:" "$T/log" || fail "accelerator choice not reported"
no_guest_left "$T/run"
echo "PASS"
