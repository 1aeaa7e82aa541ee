# --shard K/N and report merge (docs/CI.md): three shards of a run with a
# failing kernel (NINEML_FAULT=softmax) hold every case exactly once, and
# their merged report has the unsharded run's verdicts, counts, failures and
# worst elements, in the same order, in all four files; overlapping inputs,
# an empty shard and bad K/N are refused.
. "$(dirname "$0")/lib.sh"
K="--kernel softmax --kernel rmsnorm --kernel rng --kernel matmul_f32"
# shellcheck disable=SC2086
NINEML_FAULT=softmax expect_status 1 "$NINEML" conform $K --out "$TMP/full" --quiet
# The totals depend on the CPU (an implementation it lacks is not run): the
# merge must report the unsharded run's, whatever they are.
totals=$(sed -n 's/^9ml conform: \([0-9]* case runs: .*\)$/\1/p' "$TMP/out")
[ -n "$totals" ] || { cat "$TMP/out"; fail "no totals line in the unsharded run"; }
"$NINEML" conform $K --list | sort >"$TMP/all.txt"
for i in 1 2 3; do
  # shellcheck disable=SC2086
  NINEML_FAULT=softmax "$NINEML" conform $K --shard $i/3 --out "$TMP/s$i" --quiet >"$TMP/out$i" 2>&1
  [ $? -le 1 ] || { cat "$TMP/out$i"; fail "shard $i/3"; }
  # shellcheck disable=SC2086
  "$NINEML" conform $K --shard $i/3 --list >"$TMP/list$i.txt"
  [ -s "$TMP/list$i.txt" ] || fail "shard $i/3 is empty"
done
sort "$TMP"/list[123].txt >"$TMP/union.txt"
cmp -s "$TMP/union.txt" "$TMP/all.txt" || fail "the shards' cases are not the selection's, each once: $(diff "$TMP/union.txt" "$TMP/all.txt" | head)"
expect_status 1 "$NINEML" report merge "$TMP/s1/report.json" "$TMP/s2/report.json" "$TMP/s3/report.json" --out "$TMP/m"
want=$(echo "$totals" | sed 's/^\([0-9]*\) case runs: /merged 3 reports: \1 case runs, /')
grep -qF "$want" "$TMP/out" || { cat "$TMP/out"; fail "merge summary, want: $want"; }
/usr/bin/python3 - "$TMP/full" "$TMP/m" <<'PY' || fail "the merged report differs from the unsharded one (above)"
import json, sys
full, merged = (json.load(open(d + "/report.json")) for d in sys.argv[1:3])
key = lambda c: (c["case_id"], c["impl"], c["passed"], c["failure"], c["contract_ok"], c["max_ulp"], c["bound_ratio"],
                 json.dumps(c["worst"], sort_keys=True), c["ulp_histogram"])
a, b = [key(c) for c in full["cases"]], [key(c) for c in merged["cases"]]
if a != b:
    diff = [i for i in range(min(len(a), len(b))) if a[i] != b[i]][:3]
    print("cases: %d vs %d; first differences at %s: %s vs %s" % (len(a), len(b), diff, [a[i][:2] for i in diff], [b[i][:2] for i in diff]))
    sys.exit(1)
if sorted(map(str, full["not_run"])) != sorted(map(str, merged["not_run"])):
    print("not_run differs"); sys.exit(1)
if merged["environment"].get("shards") != "3" or merged["environment"].get("fault_injection") != "softmax":
    print("environment:", merged["environment"]); sys.exit(1)
if not any(c["worst"] for c in merged["cases"] if not c["passed"]):
    print("no worst elements in the failures"); sys.exit(1)
PY
# junit.xml and summary.md say the same totals as the unsharded run's.
for f in junit.xml; do
  [ "$(grep -o '<testsuites [^>]*>' "$TMP/full/$f" | sed 's/ time="[^"]*"//')" = \
    "$(grep -o '<testsuites [^>]*>' "$TMP/m/$f" | sed 's/ time="[^"]*"//')" ] || fail "$f totals differ"
  [ "$(grep -c '<testcase ' "$TMP/full/$f")" = "$(grep -c '<testcase ' "$TMP/m/$f")" ] || fail "$f testcases differ"
done
[ "$(sed -n 3p "$TMP/full/summary.md")" = "$(sed -n 3p "$TMP/m/summary.md")" ] || fail "summary.md totals differ"
[ -s "$TMP/m/index.html" ] || fail "no merged index.html"
# A case in two inputs, an empty shard, bad K/N, a lone --shard-durations.
expect_status 1 "$NINEML" report merge "$TMP/s1/report.json" "$TMP/s1/report.json" --out "$TMP/m2"
grep -q "is in both .*s1/report.json and .*s1/report.json (shards overlap)" "$TMP/out" || fail "overlap not named"
expect_status 2 "$NINEML" conform --kernel rng --shard 40/40 --out "$TMP/x"
grep -q -- "--shard 40/40: this shard has no cases (the selection has 19)" "$TMP/out" || fail "empty shard message"
for bad in 0/3 4/3 3 a/b 1/0 01/3; do
  expect_status 2 "$NINEML" conform --kernel rng --shard "$bad" --out "$TMP/x"
  grep -q -- "--shard $bad: " "$TMP/out" || fail "--shard $bad: $(cat "$TMP/out")"
done
expect_status 2 "$NINEML" conform --kernel rng --shard-durations "$TMP/full/report.json" --out "$TMP/x"
# Measured durations: the same cases, each once, in any balance.
for i in 1 2; do
  "$NINEML" conform $K --shard $i/2 --shard-durations "$TMP/full/report.json" --list >"$TMP/d$i.txt" || fail "--shard-durations"
done
[ "$(sort "$TMP"/d[12].txt | uniq | wc -l)" = "$(wc -l <"$TMP/all.txt")" ] || fail "--shard-durations lost or repeated a case"
[ "$(cat "$TMP"/d[12].txt | wc -l)" = "$(wc -l <"$TMP/all.txt")" ] || fail "--shard-durations repeated a case"
echo ok
