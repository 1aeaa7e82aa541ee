# `9ml accuracy`: quantized storages against f32 on the generated fixture
# weights and on a v0 file: per-step rows, every logit within its bound
# (exit 0), JSON report; bad arguments exit 2 with one line.
. "$(dirname "$0")/lib.sh"
for s in q8 q8_0 q4_0; do
  expect_status 0 "$NINEML" accuracy --storage "$s" --steps 32 --json "$TMP/$s.json"
  grep -q "^llama2 $s vs f32, 32 steps: top-1 agreement [0-9]*/32 .* (bound holds)$" "$TMP/out" || fail "$s summary: $(head -1 "$TMP/out")"
  [ "$(grep -cE '^ +[0-9]+ +[0-9]+ +[0-9]+ +(yes|NO) ' "$TMP/out")" -eq 32 ] || fail "$s: not 32 step rows"
  python3 - "$TMP/$s.json" "$s" <<'PY' || fail "$s JSON"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["storage"] == sys.argv[2] and j["steps"] == 32 and len(j["rows"]) == 32, j
assert j["bound_holds"] and 0 < j["worst_error_over_bound"] <= 1
assert all(r["max_logit_error"] <= r["bound_at_max_error"] for r in j["rows"])
assert abs(j["top1_agreement"] - sum(r["agree"] for r in j["rows"]) / 32) < 1e-12
PY
done
expect_status 0 "$NINEML" accuracy --arch mistral --storage q4_0 --steps 16 --summary
[ "$(wc -l <"$TMP/out")" -eq 1 ] || fail "--summary prints one line"
expect_status 0 "$NINEML" fixtures --out "$TMP/fx" --kernel softmax
expect_status 0 "$NINEML" accuracy --model "$TMP/fx/models/tiny-shared.bin" --storage q8 --steps 8 --summary
grep -q "(bound holds)" "$TMP/out" || fail "v0 model: $(cat "$TMP/out")"
# hidden_dim 172 has no whole blocks of 32
expect_status 2 "$NINEML" accuracy --model "$TMP/fx/models/tiny-shared.bin" --storage q4_0
grep -q -- "--storage q4_0: dim 64 and hidden_dim 172 must be multiples of the block size 32" "$TMP/out" ||
  fail "block size: $(cat "$TMP/out")"
expect_status 2 "$NINEML" accuracy --storage q9
grep -q -- "--storage q9: expected q8, q8_0 or q4_0" "$TMP/out" || fail "bad storage: $(cat "$TMP/out")"
expect_status 2 "$NINEML" accuracy --steps 100000
grep -q -- "--steps 100000: expected 1..256" "$TMP/out" || fail "bad steps: $(cat "$TMP/out")"
echo ok
