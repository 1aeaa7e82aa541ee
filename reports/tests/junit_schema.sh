# junit.xml of real conform runs validated against reports/schema/junit.xsd
# (the JUnit dialect CI reporters read) with libxml2's xmllint: a passing run,
# and a run under NINEML_FAULT=softmax with --xfail naming the scalar cases,
# so that passed, failed and skipped test cases all appear. A file the
# schema must refuse is refused, so the check itself can fail.
# Usage: junit_schema.sh 9ML XSD
set -u
NINEML=$1
XSD=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v xmllint >/dev/null || fail "xmllint is not installed (scripts/install-deps.sh installs libxml2-utils)"

valid() { xmllint --noout --schema "$XSD" "$1" >"$TMP/xmllint.out" 2>&1 || { cat "$TMP/xmllint.out" >&2; fail "$1 does not validate"; }; }

"$NINEML" conform --kernel softmax --out "$TMP/pass" --quiet >"$TMP/out" 2>&1 || { cat "$TMP/out" >&2; fail "conform --kernel softmax failed"; }
valid "$TMP/pass/junit.xml"
grep -q '<testcase ' "$TMP/pass/junit.xml" || fail "the passing run's junit.xml has no test case"

echo 'softmax/* engine-scalar scalar softmax perturbed on purpose <&"quoted">' >"$TMP/xfail.txt"
NINEML_FAULT=softmax "$NINEML" conform --kernel softmax --xfail "$TMP/xfail.txt" --out "$TMP/fault" --quiet >"$TMP/out" 2>&1
rc=$?
[ "$rc" -eq 1 ] || { cat "$TMP/out" >&2; fail "conform under NINEML_FAULT=softmax exited $rc, expected 1"; }
valid "$TMP/fault/junit.xml"
for e in '<failure ' '<skipped message="xfail: scalar softmax perturbed on purpose &lt;&amp;&quot;quoted&quot;>"' \
  '<property name="fault_injection" value="softmax"'; do
  grep -qF "$e" "$TMP/fault/junit.xml" || fail "junit.xml under the fault lacks $e"
done

# The schema refuses what CI reporters would misread: a negative time, a
# test case without a name, a failure outside a test case.
sed '0,/ time="[0-9.]*"/s// time="-1"/' "$TMP/fault/junit.xml" >"$TMP/bad1.xml"
sed '0,/<testcase name="[^"]*"/s//<testcase/' "$TMP/fault/junit.xml" >"$TMP/bad2.xml"
sed '0,/<testcase /s//<failure message="x"\/><testcase /' "$TMP/fault/junit.xml" >"$TMP/bad3.xml"
for b in bad1 bad2 bad3; do
  cmp -s "$TMP/$b.xml" "$TMP/fault/junit.xml" && fail "$b.xml: the edit did not apply"
  xmllint --noout --schema "$XSD" "$TMP/$b.xml" >/dev/null 2>&1 && fail "$b.xml validates, the schema must refuse it"
done
echo ok
