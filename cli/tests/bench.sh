# `9ml bench` runs a generated model end to end at two thread counts and
# writes JSON with a positive rate for each (the median of --repeat runs,
# with min, max, stddev and every sample), the environment (commit, CPU,
# compiler) and the target verdicts; on a model file it reports that model's
# shape; every argument is checked before the bandwidth probe: bad values
# exit 2, a missing model or an unwritable --json or --llama-bench 1; with
# --llama-bench it also writes llama-bench's table and jsonl (docs/CLI.md).
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
# --llama-bench: llama-bench's markdown table (its header, a pp128 and a
# tg128 row per thread count, "avg ± stddev") and its jsonl records (its
# field names; avg_ts the mean of samples_ts, stddev_ts their stdev; size
# and params the file's tensors as `9ml info` counts them).
expect_status 0 "$NINEML" bench --model "$G" --no-probe --threads 1 2 --repeat 2 --llama-bench "$TMP/lb.jsonl"
cp "$TMP/out" "$TMP/lb.md"
expect_status 0 "$NINEML" info "$G" --json
python3 - "$TMP/lb.md" "$TMP/lb.jsonl" "$TMP/out" "$G" <<'PY' || fail "bad --llama-bench output"
import json, statistics, sys
md = [l for l in open(sys.argv[1], encoding="utf-8") if l.startswith("|")]
info = json.load(open(sys.argv[3]))
assert md[0] == "| model                          |       size |     params | backend    | threads |            test |                  t/s |\n", md[0]
assert md[1] == "| ------------------------------ | ---------: | ---------: | ---------- | ------: | --------------: | -------------------: |\n", md[1]
rows = [[c.strip() for c in l.strip().strip("|").split("|")] for l in md[2:]]
assert [(r[4], r[5]) for r in rows] == [("1", "pp128"), ("1", "tg128"), ("2", "pp128"), ("2", "tg128")], rows
recs = [json.loads(l) for l in open(sys.argv[2])]
assert len(recs) == 4, recs
for r, row in zip(recs, rows):
    for k in ("build_commit", "cpu_info", "backends", "model_filename", "model_type", "model_size", "model_n_params",
              "n_batch", "n_ubatch", "n_threads", "type_k", "type_v", "n_prompt", "n_gen", "n_depth", "test_time",
              "avg_ns", "stddev_ns", "avg_ts", "stddev_ts", "samples_ns", "samples_ts"):
        assert k in r, k
    assert r["avg_ts"] > 0 and len(r["samples_ts"]) == 2 == len(r["samples_ns"]), r
    assert abs(r["avg_ts"] - statistics.mean(r["samples_ts"])) <= 1e-9 * r["avg_ts"], r
    assert abs(r["stddev_ts"] - statistics.stdev(r["samples_ts"])) <= 1e-9 * max(1, r["stddev_ts"]), r
    n = r["n_prompt"] + r["n_gen"]
    assert all(abs(ts - 1e9 * n / ns) <= 1e-3 * ts for ts, ns in zip(r["samples_ts"], r["samples_ns"])), r
    assert (r["n_prompt"], r["n_gen"]) == ((128, 0) if row[5] == "pp128" else (0, 128)), r
    assert r["n_threads"] == int(row[4]) and r["model_filename"] == sys.argv[4], r
    assert r["model_size"] == info["tensor_bytes"] and r["model_n_params"] == info["parameters"], (r, info)
    assert r["model_type"] == row[0] == "llama 111K Q8_0", r
    assert row[1] == "%.2f MiB" % (r["model_size"] / 1048576) and row[2] == "%.2f M" % (r["model_n_params"] / 1e6), row
    assert row[3] == r["backends"] == "CPU", row
    assert row[6] == "%.2f ± %.2f" % (r["avg_ts"], r["stddev_ts"]), (row, r)
PY
grep -q "^build: 9ml .* (kernels " "$TMP/lb.md" || fail "no build line"
# A generated shape: its size label and storage; 15m q8 holds group-32 Q8
# (int8 + a float per 32) for 288x32000 + 6 x (4 x 288x288 + 3 x 288x768)
# elements and 13 x 288 f32 norms: 17101440 bytes, 15191712 parameters.
expect_status 0 "$NINEML" bench --shape 15m --type q8 --no-probe --threads 1 --repeat 1 --prompt 2 --tokens 2 \
  --llama-bench "$TMP/g.jsonl"
grep -q '^| llama 15M Q8_GROUP  .* |  *pp2 |' "$TMP/out" || fail "generated pp row: $(grep '^|' "$TMP/out")"
grep -q '"model_type":"llama 15M Q8_GROUP","model_size":17101440,"model_n_params":15191712,' "$TMP/g.jsonl" ||
  fail "generated model fields: $(head -1 "$TMP/g.jsonl")"
# f16/bf16 generated shapes: the matrices held and read as 16-bit floats
# (2 x 15191712 - 2 x 3744 norms + 4 x 3744 bytes, read once a token with the
# shared classifier), named as llama-bench names the type.
for t in f16 bf16; do
  T=$(echo $t | tr a-z A-Z)
  expect_status 0 "$NINEML" bench --shape 15m --type $t --no-probe --threads 1 --repeat 1 --prompt 2 --tokens 2 \
    --json "$TMP/$t.json" --llama-bench "$TMP/$t.jsonl"
  grep -q "^| llama 15M $T  .* |  *pp2 |" "$TMP/out" || fail "$t pp row: $(grep '^|' "$TMP/out")"
  grep -q "\"model_type\":\"llama 15M $T\",\"model_size\":30390912," "$TMP/$t.jsonl" || fail "$t: $(head -1 "$TMP/$t.jsonl")"
  grep -q '"bytes_per_token": 30390912' "$TMP/$t.json" || fail "$t bytes_per_token: $(grep bytes_per "$TMP/$t.json")"
done
# A GGUF Q8_0 file's scales are fp16: a token reads its tensor bytes, not
# the 36/34 of them float scales would take (the scalar level: no packing).
NINEML_SIMD=scalar expect_status 0 "$NINEML" info "$G" --json
python3 - "$TMP/out" <<'PY' || fail "GGUF Q8_0 bytes per token"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["kernels"] == "scalar" and j["bytes_per_token"] == j["tensor_bytes"], j
PY
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
before_probe 1 --llama-bench "$TMP/nosuch/l.jsonl"
grep -q -- "^9ml: --llama-bench $TMP/nosuch/l.jsonl: cannot write" "$TMP/out" || fail "--llama-bench: $(cat "$TMP/out")"
before_probe 2 --llama-bench "$TMP/l.jsonl" --tokens 0
before_probe 2 --llama-bench "$TMP/l.jsonl" --repeat x
before_probe 2 --llama-bench
before_probe 2 --prompt 1.5
before_probe 2 --type q4
before_probe 2 --model "$G" --shape 110m
before_probe 2 --simd nonesuch
NINEML_SIMD=nonesuch expect_status 2 "$NINEML" bench --no-probe --prompt 1 --tokens 1
grep -q "not available" "$TMP/out" || fail "unknown NINEML_SIMD not reported"
echo ok
