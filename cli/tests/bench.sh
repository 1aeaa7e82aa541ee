# `9ml bench` runs a generated model end to end at two thread counts and
# writes JSON with a positive rate for each; bad arguments exit 2.
. "$(dirname "$0")/lib.sh"
expect_status 0 "$NINEML" bench --shape 15m --type q8 --no-probe --threads 1 2 --prompt 2 --tokens 2 \
  --json "$TMP/b.json"
python3 - "$TMP/b.json" <<'PY' || fail "bad bench JSON"
import json, sys
j = json.load(open(sys.argv[1]))
runs = j["runs"]
assert [r["threads"] for r in runs] == [1, 2], runs
assert all(r["decode_tokens_per_s"] > 0 and r["prefill_tokens_per_s"] > 0 for r in runs), runs
assert j["bytes_per_token"] > 1e6
PY
expect_status 2 "$NINEML" bench --shape 7b --no-probe
NINEML_SIMD=nonesuch expect_status 2 "$NINEML" bench --no-probe --prompt 1 --tokens 1
grep -q "not available" "$TMP/out" || fail "unknown NINEML_SIMD not reported"
echo ok
