# 6.bench's program (engine/tools/bench.c; `mk bench`) built on the host as
# p9_bench, on the tiny shape: the emulated label, one decode figure per
# type x level x thread count, one kernel figure per kernel x level, every
# ratio there and equal to the quotient of the figures it names, and
# one-line usage errors. No speed is asserted (docs/PERFORMANCE.md). $2 is
# the directory holding p9_bench.
. "$(dirname "$0")/lib.sh"
B=$2/p9_bench
expect_status 0 "$B" --shape tiny --steps 4 --threads 2 --min-time 0.005 --emulated
out=$TMP/out
head -1 "$out" | grep -q '^bench: EMULATED CPU (QEMU TCG)' || fail "first line is not the emulated label: $(head -1 "$out")"
info=$(grep -P '^bench\tinfo\t' "$out")
[ "$(grep -cP '^bench\tinfo\t' "$out")" = 1 ] || fail "want one info line"
echo "$info" | grep -qP '\temulated=1\t' || fail "info line without emulated=1: $info"
levels=$(echo "$info" | sed -n 's/.*\tlevels=//p' | tr ',' ' ')
case " $levels " in *" scalar "*) ;; *) fail "scalar is not among the levels: $levels" ;; esac
nl=$(echo "$levels" | wc -w)
[ "$(grep -cP '^bench\tdecode\t' "$out")" = $((2 * nl * 2)) ] || fail "want $((2 * nl * 2)) decode lines (f32/q8 x $nl levels x 2 threads)"
[ "$(grep -cP '^bench\tkernel\t' "$out")" = $((7 * nl)) ] || fail "want $((7 * nl)) kernel lines"
for k in matmul_f32_rows matmul_q8_rows matmul_q4_0_rows rmsnorm softmax residual_add argmax; do
  grep -qP "^kernel $k +scalar +[0-9.e+]+ (GFLOP|GB)/s" "$out" || fail "no human line for kernel $k"
done
# Every figure positive; every ratio the quotient of the figures it names.
awk -F'\t' '
  function kv(   i, a) { delete f; for (i = 3; i <= NF; i++) { split($i, a, "="); f[a[1]] = a[2] } }
  $1 != "bench" { next }
  $2 == "kernel" { kv(); if (f["value"] <= 0) { print "kernel figure not positive: " $0; bad = 1 } k[f["name"], f["level"]] = f["value"] }
  $2 == "decode" { kv(); if (f["tok_s"] <= 0) { print "decode figure not positive: " $0; bad = 1 } d[f["type"], f["level"], f["threads"]] = f["tok_s"] }
  $2 == "ratio" { kv(); n++
    if (f["of"] == "kernel") want = k[f["name"], f["level"]] / k[f["name"], "scalar"]
    else if (f["base"] == "scalar") want = d[f["type"], f["level"], f["threads"]] / d[f["type"], "scalar", f["threads"]]
    else want = d[f["type"], f["level"], f["threads"]] / d[f["type"], f["level"], 1]
    r = f["ratio"] / want; if (r < 0.999 || r > 1.001) { print "ratio " f["ratio"] " is not " want ": " $0; bad = 1 }
    of[f["of"] "/" f["base"]]++ }
  END { if (of["decode/1thread"] == 0) { print "no thread ratio"; bad = 1 } exit bad }' "$out" || fail "figures and ratios disagree"
want_ratios=$(( (nl - 1) * 7 + (nl - 1) * 2 * 2 + nl * 2 ))
[ "$(grep -cP '^bench\tratio\t' "$out")" = "$want_ratios" ] || fail "want $want_ratios ratio lines"
grep -q '^ratio decode f32 scalar, 2/1 threads: ' "$out" || fail "no human thread-ratio line"
if [ "$nl" -gt 1 ]; then
  grep -qP '^ratio kernel matmul_f32_rows +sse2/scalar [0-9.e+]+x$' "$out" || fail "no human sse2/scalar matmul ratio line"
fi
# Without --emulated the label says so; bad arguments are one line, exit 2.
expect_status 0 "$B" --shape tiny --steps 1 --threads 1 --min-time 0.001
head -1 "$TMP/out" | grep -q '^bench: figures from this CPU (not marked emulated)' || fail "unemulated label: $(head -1 "$TMP/out")"
grep -qP '^bench\tinfo\temulated=0\t' "$TMP/out" || fail "info line without emulated=0"
for args in "--shape 7b" "--threads 0" "--threads 65" "--steps 65 --shape tiny" "--steps x" "--min-time nan" "--bogus 1" "--steps"; do
  # shellcheck disable=SC2086
  expect_status 2 "$B" $args
  [ "$(wc -l <"$TMP/out")" = 1 ] && grep -q '^bench: ' "$TMP/out" || fail "$args: not one line: $(cat "$TMP/out")"
done
echo PASS
