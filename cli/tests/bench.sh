# `9ml bench` runs a generated model end to end at two thread counts and
# writes JSON with a positive rate for each (best of --repeat runs) and
# the issue-4 target verdicts; bad arguments exit 2.
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
# 15m q8 has a tokens/s target at 2 threads, and every run a prefill ratio.
whats = sorted((t["threads"], t["what"]) for t in j["targets"])
assert whats == [(1, "prefill/decode tokens per second"), (2, "decode tokens/s"),
                 (2, "prefill/decode tokens per second")], whats
assert all(t["met"] == (t["got"] >= t["want"]) for t in j["targets"])
PY
grep -q "^target, 2 thread(s): decode tokens/s >= 2000: " "$TMP/out" || fail "no target line"
expect_status 2 "$NINEML" bench --shape 7b --no-probe
NINEML_SIMD=nonesuch expect_status 2 "$NINEML" bench --no-probe --prompt 1 --tokens 1
grep -q "not available" "$TMP/out" || fail "unknown NINEML_SIMD not reported"
echo ok
