# scripts/bench-vs.sh with the real 9ml and a fake llama-bench written here:
# a shell script that checks the arguments it is given and prints
# llama-bench-shaped jsonl (pp128 at 100, 200, 300 t/s in rounds 1..3, tg128
# at 10, 20, 30). No real llama-bench is needed or downloaded. Checked: the
# two tools alternate round by round, the table's llama-bench cells are the
# mean ± stdev of those rounds, 9ml's are positive and the ratio is their
# quotient; a missing or non-executable binary, an unreadable or non-GGUF
# model, a failing llama-bench and bad option values each give one line.
. "$(dirname "$0")/lib.sh"
VS=$(cd "$(dirname "$0")/../.." && pwd)/scripts/bench-vs.sh
expect_status 0 "$NINEML" fixtures --out "$TMP/fx" --kernel softmax
G=$TMP/fx/models/llama3-gguf-q8_0/model.bin
cat >"$TMP/llama-bench" <<FAKE
#!/usr/bin/env bash
[ "\$*" = "-m $G -p 128 -n 128 -t 1 -r 1 -o jsonl" ] || { echo "fake llama-bench: bad arguments: \$*" >&2; exit 3; }
echo llama >>"$TMP/order"
n=\$(grep -c llama "$TMP/order")
echo '{"build_commit": "fake", "model_type": "llama ?B Q8_0", "n_threads": 1, "n_prompt": 128, "n_gen": 0, "avg_ts": '\$((n * 100))', "stddev_ts": 0}'
echo '{"build_commit": "fake", "model_type": "llama ?B Q8_0", "n_threads": 1, "n_prompt": 0, "n_gen": 128, "avg_ts": '\$((n * 10))', "stddev_ts": 0}'
FAKE
printf '#!/usr/bin/env bash\necho 9ml >>"%s"\nexec "%s" "$@"\n' "$TMP/order" "$NINEML" >"$TMP/9ml"
chmod +x "$TMP/llama-bench" "$TMP/9ml"
expect_status 0 bash "$VS" "$G" "$TMP/llama-bench" --threads 1 --reps 3 --nineml "$TMP/9ml"
[ "$(tr '\n' ' ' <"$TMP/order")" = "9ml llama 9ml llama 9ml llama " ] || fail "not interleaved: $(cat "$TMP/order")"
grep -q "^model $G: 9ml says llama 111K Q8_0, llama-bench says llama ?B Q8_0$" "$TMP/out" || fail "model line: $(cat "$TMP/out")"
python3 - "$TMP/out" <<'PY' || fail "bad bench-vs table"
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
head = lines.index("| test  |               9ml t/s |       llama-bench t/s | 9ml / llama-bench |")
rows = {r[0]: r for r in ([c.strip() for c in l.strip("|").split("|")] for l in lines[head + 2:head + 4])}
assert set(rows) == {"pp128", "tg128"}, rows
for t, theirs in (("pp128", "200.00 ± 100.00"), ("tg128", "20.00 ± 10.00")):
    r = rows[t]
    assert r[2] == theirs, r
    ours = float(r[1].split(" ± ")[0])
    assert ours > 0, r
    assert abs(float(r[3].rstrip("x")) - ours / float(theirs.split()[0])) <= 0.01, r
PY
# Bad inputs: one line each, before anything runs.
one_line() {  # WANT_STATUS PATTERN ARGS...
  local want=$1 pat=$2; shift 2
  : >"$TMP/order"
  expect_status "$want" bash "$VS" "$@" --nineml "$TMP/9ml"
  [ "$(wc -l <"$TMP/out")" -eq 1 ] || fail "not one line: $* ($(cat "$TMP/out"))"
  grep -q -- "$pat" "$TMP/out" || fail "$*: $(cat "$TMP/out")"
}
one_line 1 "^bench-vs.sh: LLAMA_BENCH $TMP/nosuch: not an executable file$" "$G" "$TMP/nosuch"
chmod -x "$TMP/llama-bench"
one_line 1 "^bench-vs.sh: LLAMA_BENCH $TMP/llama-bench: not an executable file$" "$G" "$TMP/llama-bench"
chmod +x "$TMP/llama-bench"
one_line 1 "^bench-vs.sh: GGUF $TMP/nosuch.gguf: not a readable file$" "$TMP/nosuch.gguf" "$TMP/llama-bench"
one_line 1 "^bench-vs.sh: GGUF $TMP/fx/models/tiny-shared.bin: not a GGUF file" "$TMP/fx/models/tiny-shared.bin" "$TMP/llama-bench"
one_line 2 "^bench-vs.sh: --reps 0: expected an integer in 1..100" "$G" "$TMP/llama-bench" --reps 0
one_line 2 "^bench-vs.sh: --threads x: expected an integer in 1..256" "$G" "$TMP/llama-bench" --threads x
one_line 2 "^bench-vs.sh: --bogus: unknown option" "$G" "$TMP/llama-bench" --bogus
one_line 2 "^bench-vs.sh: expected GGUF and LLAMA_BENCH, got 1" "$G"
[ ! -s "$TMP/order" ] || fail "a tool ran despite a bad input: $(cat "$TMP/order")"
# A llama-bench that fails (here: given 2 threads, which the fake refuses).
expect_status 1 bash "$VS" "$G" "$TMP/llama-bench" --threads 2 --reps 1 --nineml "$TMP/9ml"
grep -qx "bench-vs.sh: $TMP/llama-bench failed in round 1: fake llama-bench: bad arguments: .*" "$TMP/out" ||
  fail "failing llama-bench: $(cat "$TMP/out")"
echo ok
