# `9ml bench` runs a generated model end to end at two thread counts and
# writes JSON with a positive rate for each (the median of --repeat runs,
# with min, max, stddev and every sample), the environment (commit, CPU,
# compiler) and the target verdicts; on a model file it reports that model's
# shape; every argument is checked before the bandwidth probe: bad values
# exit 2, a missing model or an unwritable --json 1 (docs/CLI.md).
. "$(dirname "$0")/lib.sh"
expect_status 0 "$NINEML" bench --shape 15m --type q8 --no-probe --threads 1 2 --prompt 2 --tokens 2 \
  --repeat 2 --json "$TMP/b.json"
python3 - "$TMP/b.json" <<'PY' || fail "bad bench JSON"
import json, sys
j = json.load(open(sys.argv[1]))
runs = j["runs"]
assert [r["threads"] for r in runs] == [1, 2], runs
assert all(r["decode_tokens_per_s"] > 0 and r["prefill_tokens_per_s"] > 0 for r in runs), runs
assert j["bytes_per_token"] > 1e6
assert j["repeat"] == 2
assert all(abs(r["prefill_over_decode"] - r["prefill_tokens_per_s"] / r["decode_tokens_per_s"]) < 1e-9 for r in runs)
import statistics
for r in runs:
    for fig in ("prefill", "decode"):
        s = r[fig]
        assert len(s["samples"]) == 2, s
        assert s["median"] == statistics.median(s["samples"]) == r[fig + "_tokens_per_s"], s
        assert s["min"] == min(s["samples"]) and s["max"] == max(s["samples"]), s
        assert abs(s["stddev"] - statistics.stdev(s["samples"])) <= 1e-9 * max(1.0, s["stddev"]), s
for k in ("commit", "tool_version", "compiler", "cpu_model", "simd_dispatched"):
    assert j["environment"][k], k
# 15m q8 has a tokens/s target at 2 threads, and every run a prefill ratio.
whats = sorted((t["threads"], t["what"]) for t in j["targets"])
assert whats == [(1, "prefill/decode tokens per second"), (2, "decode tokens/s"),
                 (2, "prefill/decode tokens per second")], whats
assert all(t["met"] == (t["got"] >= t["want"]) for t in j["targets"])
PY
grep -q "^target, 2 thread(s): decode tokens/s >= 2000: " "$TMP/out" || fail "no target line"
expect_status 2 "$NINEML" bench --shape 7b --no-probe
expect_status 0 "$NINEML" fixtures --out "$TMP/fx" --kernel softmax
G=$TMP/fx/models/llama3-gguf-q8_0/model.bin
expect_status 0 "$NINEML" bench --model "$G" --no-probe --threads 1 --prompt 2 --tokens 2 --repeat 1
grep -q "^model: $G (dim 64, layers 2, vocab 378), " "$TMP/out" || fail "bench --model shape: $(grep '^model' "$TMP/out")"
# Argument errors come before the probe (no "probing" line) and before any run.
before_probe() {  # WANT_STATUS ARGS...
  local want=$1; shift
  expect_status "$want" "$NINEML" bench "$@"
  [ "$(wc -l <"$TMP/out")" -eq 1 ] || fail "not one line before the probe: $* ($(cat "$TMP/out"))"
}
before_probe 1 --model "$TMP/nosuch.bin"
grep -q "^9ml: --model: $TMP/nosuch.bin: cannot open" "$TMP/out" || fail "missing model: $(cat "$TMP/out")"
head -c 100 "$G" >"$TMP/cut.bin"
before_probe 1 --model "$TMP/cut.bin"
before_probe 1 --json "$TMP/nosuch/b.json"
grep -q -- "^9ml: --json $TMP/nosuch/b.json: cannot write" "$TMP/out" || fail "--json: $(cat "$TMP/out")"
before_probe 2 --threads 1 0
grep -qx -- '9ml: --threads 0: expected an integer in 1..256' "$TMP/out" || fail "--threads 0: $(cat "$TMP/out")"
before_probe 2 --repeat 0
before_probe 2 --prompt 1.5
before_probe 2 --type q4
before_probe 2 --model "$G" --shape 110m
before_probe 2 --simd nonesuch
NINEML_SIMD=nonesuch expect_status 2 "$NINEML" bench --no-probe --prompt 1 --tokens 1
grep -q "not available" "$TMP/out" || fail "unknown NINEML_SIMD not reported"
echo ok
