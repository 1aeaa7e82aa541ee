#!/usr/bin/env bash
# A build failure inside the real 9front (a syntax error injected into a copy
# of the sources) gives one build_failed result carrying 6c's first error
# line, printed on the host too; the guest still unmounts and halts through
# fshalt, and no QEMU survives.
source "$(dirname "$0")/lib.sh"
need_9front
SRC=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$T/src/conformance"
cp -r "$SRC/engine" "$SRC/mkfile" "$T/src/" && cp -r "$SRC/conformance/component" "$T/src/conformance/"
printf '\nint nineml_injected_error = ;\n' >>"$T/src/engine/kernels/rope.c"
# shellcheck disable=SC2046
"$NINEML" vm $(nine_front_args) --source "$T/src" --kernel rng --run-dir "$T/run" --out "$T/rep" \
  --boot-timeout 120 >"$T/log" 2>&1
rc=$?
cat "$T/log"
[ $rc -eq 1 ] || fail "exit status $rc, expected 1"
python3 - "$T/rep/report.json" <<'PY' || fail "the report is not one build_failed result naming rope.c"
import json, sys
c = json.load(open(sys.argv[1]))["cases"]
assert len(c) == 1, f"{len(c)} results"
assert c[0]["case_id"] == "build/mk" and not c[0]["passed"], c[0]
f = c[0]["failure"]
assert f.startswith("fault build_failed: ") and "engine/kernels/rope.c:" in f, f
print("one result:", f)
PY
grep -q "fault build_failed: engine/kernels/rope.c:" "$T/log" || fail "the first error line was not printed on the host"
grep -q "done halting" "$T/rep/console.log" || fail "the guest did not halt through fshalt after the failed build"
no_guest_left "$T/run"
echo "PASS"
