# The CI habits of pytest and ctest on `9ml conform` (docs/CLI.md): -x and
# --maxfail N stop early, --last-failed REPORT reruns exactly the failed
# (case, impl) runs, -j N gives the report of -j 1, --xfail FILE turns known
# deviations into xfailed (and a fixed one into XPASS), and the last line is
# one total. NINEML_FAULT=softmax makes softmax's engine runs fail.
. "$(dirname "$0")/lib.sh"
SEL=(--kernel softmax --kernel rmsnorm)
# py SCRIPT ARGS...: python3 on the reports; a failed assertion fails the test.
py() { /usr/bin/python3 - "$@" || fail "python check failed: $*"; }
# last LINE-REGEX: the last line of $TMP/out matches.
last() { [[ "$(tail -n 1 "$TMP/out")" =~ $1 ]] || fail "last line '$(tail -n 1 "$TMP/out")' is not /$1/"; }

# The whole faulted run: the reference for the rest.
NINEML_FAULT=softmax expect_status 1 "$NINEML" conform "${SEL[@]}" --out "$TMP/full" --quiet
read -r total failed <<<"$(py "$TMP/full/report.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["cases"]
print(len(c), sum(not x["passed"] for x in c))
PY
)"
[ "$failed" -gt 3 ] || fail "the fault failed only $failed case runs"
grep -q "^$((total - failed)) passed, $failed failed$" "$TMP/out" || fail "the old closing line is gone"
last "^9ml conform: $total case runs: $((total - failed)) passed, $failed failed, 0 xfailed, 0 xpassed$"

# prefix_of FULL PART N: PART's case runs are FULL's first ones, N of them
# failing, the last of them a failure.
prefix_of() {
  py "$@" <<'PY'
import json, sys
full, part = (json.load(open(p))["cases"] for p in sys.argv[1:3])
want = int(sys.argv[3])
key = lambda c: (c["case_id"], c["impl"])
assert [key(c) for c in part] == [key(c) for c in full[:len(part)]], "not a prefix of the full run"
assert sum(not c["passed"] for c in part) == want, "failures: %d" % sum(not c["passed"] for c in part)
assert not part[-1]["passed"], "does not end at the failure"
assert len(part) < len(full)
PY
}
# -x: stop at the first failing case run.
NINEML_FAULT=softmax expect_status 1 "$NINEML" conform "${SEL[@]}" -x --out "$TMP/x" --quiet
prefix_of "$TMP/full/report.json" "$TMP/x/report.json" 1
grep -q '^stopped after 1 failure(s) (-x)' "$TMP/out" || fail "-x does not say it stopped"
last '^9ml conform: [0-9]+ case runs: [0-9]+ passed, 1 failed, 0 xfailed, 0 xpassed$'
# --maxfail 3: after the third; the same with -j 2.
NINEML_FAULT=softmax expect_status 1 "$NINEML" conform "${SEL[@]}" --maxfail 3 --out "$TMP/m3" --quiet
prefix_of "$TMP/full/report.json" "$TMP/m3/report.json" 3
last '^9ml conform: [0-9]+ case runs: [0-9]+ passed, 3 failed, 0 xfailed, 0 xpassed$'
NINEML_FAULT=softmax expect_status 1 "$NINEML" conform "${SEL[@]}" --maxfail 3 -j 2 --out "$TMP/m3j" --quiet
prefix_of "$TMP/full/report.json" "$TMP/m3j/report.json" 3

# same_report A B: equal but for times and the command line, in every file.
same_report() {
  py "$1" "$2" <<'PY'
import json, re, sys
def load(d):
    j = json.load(open(d + "/report.json"))
    for k in ("created_utc", "seconds", "command"): j.pop(k)
    for c in j["cases"]: c.pop("seconds")
    return j
a, b = load(sys.argv[1]), load(sys.argv[2])
assert len(a["cases"]) == len(b["cases"]), "case runs: %d vs %d" % (len(a["cases"]), len(b["cases"]))
for x, y in zip(a["cases"], b["cases"]):
    assert x == y, "%s [%s] differs in %s" % (x["case_id"], x["impl"], [k for k in x if x[k] != y.get(k)])
assert a == b
def junit(d):
    t = open(d + "/junit.xml").read()
    return re.sub(r'time="[^"]*"', "", t)
assert junit(sys.argv[1]) == junit(sys.argv[2]), "junit.xml differs"
def md(d):
    return [l for l in open(d + "/summary.md") if not l.startswith(("- time:", "- command:", "- created:"))]
assert md(sys.argv[1]) == md(sys.argv[2]), "summary.md differs"
PY
}
# -j 2: the same report as -j 1 (here with failures) ...
NINEML_FAULT=softmax expect_status 1 "$NINEML" conform "${SEL[@]}" -j 2 --out "$TMP/j2" --quiet
same_report "$TMP/full" "$TMP/j2"
# ... also on the implementations that run on engine thread pools (each
# worker needs pools of its own: a pool runs one job at a time).
T=(--kernel matmul_f32 --kernel attention --impl engine-scalar-t2 --impl engine-scalar-t4 --impl engine-scalar)
expect_status 0 "$NINEML" conform "${T[@]}" --out "$TMP/t1" --quiet
expect_status 0 "$NINEML" conform "${T[@]}" --jobs 3 --out "$TMP/t3" --quiet
same_report "$TMP/t1" "$TMP/t3"

# --last-failed: exactly the failed (case, impl) runs, in the report's order.
NINEML_FAULT=softmax expect_status 1 "$NINEML" conform --last-failed "$TMP/full/report.json" --out "$TMP/lf" --quiet
last "^9ml conform: $failed case runs: 0 passed, $failed failed, 0 xfailed, 0 xpassed$"
py "$TMP/full/report.json" "$TMP/lf/report.json" <<'PY'
import json, sys
full, lf = (json.load(open(p))["cases"] for p in sys.argv[1:3])
key = lambda c: (c["case_id"], c["impl"])
assert [key(c) for c in lf] == [key(c) for c in full if not c["passed"]], "not the failed runs"
PY
# Fixed (no fault): they pass; narrowed by --kernel and --impl (globs: engine-scalar-tN do not run softmax).
expect_status 0 "$NINEML" conform --last-failed "$TMP/full/report.json" --kernel 'soft*' --impl 'engine-scalar*' \
  --out "$TMP/lf2" --quiet
py "$TMP/full/report.json" "$TMP/lf2/report.json" <<'PY'
import json, sys
full, lf = (json.load(open(p))["cases"] for p in sys.argv[1:3])
want = [(c["case_id"], c["impl"]) for c in full if not c["passed"] and c["impl"] == "engine-scalar"]
assert want and [(c["case_id"], c["impl"]) for c in lf] == want and all(c["passed"] for c in lf)
PY
# A report without failures, unreadable or malformed: exit 2 with a message.
expect_status 2 "$NINEML" conform --last-failed "$TMP/lf2/report.json" --out "$TMP/lf3"
grep -q 'no case failed in that report' "$TMP/out" || fail "no reason given: $(cat "$TMP/out")"
expect_status 2 "$NINEML" conform --last-failed "$TMP/missing.json" --out "$TMP/lf3"
grep -q -- "--last-failed: .*missing.json" "$TMP/out" || fail "missing report: $(cat "$TMP/out")"
echo '{"cases": [' >"$TMP/bad.json"
expect_status 2 "$NINEML" conform --last-failed "$TMP/bad.json" --out "$TMP/lf3"
grep -q -- "--last-failed: .*bad.json" "$TMP/out" || fail "malformed report: $(cat "$TMP/out")"
[ ! -e "$TMP/lf3/report.json" ] || fail "a refused --last-failed ran"

# --xfail: the softmax failures are known deviations: xfailed, exit 0.
# (engine-scalar fails every softmax case, the SIMD levels some: those by name.)
cat >"$TMP/xfail.txt" <<'EOF'
# known deviations
softmax/* engine-scalar softmax perturbed by NINEML_FAULT  

nosuchkernel/* * a line that matches nothing
EOF
py "$TMP/full/report.json" >>"$TMP/xfail.txt" <<'PY'
import json, sys
for c in json.load(open(sys.argv[1]))["cases"]:
    if not c["passed"] and c["impl"] != "engine-scalar": print(c["case_id"], c["impl"], "SIMD softmax perturbed")
PY
NINEML_FAULT=softmax expect_status 0 "$NINEML" conform "${SEL[@]}" --xfail "$TMP/xfail.txt" --out "$TMP/xf" --quiet
last "^9ml conform: $total case runs: $((total - failed)) passed, 0 failed, $failed xfailed, 0 xpassed$"
grep -q "^9ml conform: warning: --xfail .*xfail.txt:4: 'nosuchkernel/\* \* a line that matches nothing' matches no case run" \
  "$TMP/out" || fail "no warning for the unmatched line: $(cat "$TMP/out")"
grep -q 'xfail.txt:2' "$TMP/out" && fail "a warning for a line that matched"
py "$TMP/xf" <<'PY'
import json, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
c = json.load(open(d + "/report.json"))["cases"]
xf = [x for x in c if "xfail" in x]
reasons = {"softmax perturbed by NINEML_FAULT", "SIMD softmax perturbed"}
assert xf and all(not x["passed"] and x["xfail"] in reasons for x in xf), "report.json xfail"
assert {x["xfail"] for x in xf} == reasons
assert all(x["passed"] for x in c if "xfail" not in x)
suites = ET.parse(d + "/junit.xml").getroot()
assert suites.get("failures") == "0", suites.get("failures")
assert int(suites.get("skipped")) >= len(xf) and sum(int(s.get("skipped")) for s in suites) == int(suites.get("skipped"))
# (an implementation this CPU cannot run is skipped too, with its own message)
sk = [s for s in suites.iter("skipped") if s.get("message").startswith("xfail: ")]
assert len(sk) == len(xf) and all(s.get("message")[len("xfail: "):] in reasons for s in sk)
md = open(d + "/summary.md").read()
assert "**PASS**: %d cases, %d passed, 0 failed, %d xfailed, 0 xpassed" % (len(c), len(c) - len(xf), len(xf)) in md, md[:300]
assert "%d xfailed" % len(xf) in open(d + "/index.html").read()
PY
# -x does not stop at an expected failure.
NINEML_FAULT=softmax expect_status 0 "$NINEML" conform "${SEL[@]}" -x --xfail "$TMP/xfail.txt" --out "$TMP/xf" --quiet
last "^9ml conform: $total case runs: "
# Without the fault the deviation is gone: XPASS, exit 1, as pytest's strict xfail.
echo 'rmsnorm/*/normal/* engine-scalar rmsnorm off by one ULP' >"$TMP/xpass.txt"
expect_status 1 "$NINEML" conform "${SEL[@]}" --xfail "$TMP/xpass.txt" --out "$TMP/xp" --quiet
last '^9ml conform: [0-9]+ case runs: [0-9]+ passed, 0 failed, 0 xfailed, [1-9][0-9]* xpassed$'
grep -q '^XPASS rmsnorm/.*/normal/.* \[engine-scalar\]: passes, but --xfail expects it to fail: rmsnorm off by one ULP$' \
  "$TMP/out" || fail "no XPASS line"
grep -q 'type="xpass"' "$TMP/xp/junit.xml" || fail "junit.xml: XPASS is not a failure"
xp=$(tail -n 1 "$TMP/out" | sed -E 's/.* ([0-9]+) xpassed$/\1/')
# --last-failed reads XPASS back from report.json's "xfail": a failure to rerun.
expect_status 0 "$NINEML" conform --last-failed "$TMP/xp/report.json" --out "$TMP/lfx" --quiet
last "^9ml conform: $xp case runs: $xp passed, 0 failed, 0 xfailed, 0 xpassed$"
# A malformed line or an unreadable file: exit 2, naming the line.
printf '# ok\nsoftmax/* engine-scalar\n' >"$TMP/bad.txt"
expect_status 2 "$NINEML" conform "${SEL[@]}" --xfail "$TMP/bad.txt" --out "$TMP/xb"
grep -q 'bad.txt:2: expected CASE-GLOB IMPL-GLOB REASON' "$TMP/out" || fail "malformed line: $(cat "$TMP/out")"
expect_status 2 "$NINEML" conform "${SEL[@]}" --xfail "$TMP/nosuch.txt" --out "$TMP/xb"

# Bad values: exit 2 before any run.
for bad in "-j 0" "-j x" "-j 257" "--jobs -1" "--maxfail 0" "--maxfail -1" "--maxfail 1.5"; do
  # shellcheck disable=SC2086
  expect_status 2 "$NINEML" conform "${SEL[@]}" $bad --out "$TMP/bad"
done
expect_status 2 "$NINEML" conform --case softmax/n=17/normal/seed=1 --last-failed "$TMP/full/report.json"
[ ! -e "$TMP/bad/report.json" ] || fail "a bad value ran"
echo ok
