# 9ml quantize to Q5_0/Q5_1/the K-quants and llama.cpp's Q4_K_M/Q5_K_M
# mixes: 9ml info shows each tensor's type as the mix table gives it
# (docs/FORMATS.md, "K-quant mixes") and the per-type counts; rows the K
# types cannot hold fall back; the files run; a bad --to is one line, exit 2.
. "$(dirname "$0")/lib.sh"
expect_status 0 "$NINEML" fixtures --out "$TMP/fx" --kernel softmax
# type_of NAME: the stored type of tensor NAME in the last info output.
type_of() { awk -v n="$1" '$1 == n { print $2 }' "$TMP/out"; }
want_type() { [ "$(type_of "$1")" = "$2" ] || fail "$3: $1 is $(type_of "$1"), expected $2"; }

# dim 256, hidden 512, 2 layers, own classifier: use_more_bits picks layer 1.
src=$TMP/fx/models/mistral-kshape-gguf-q6_k/model.bin
[ -f "$src" ] || fail "no K-shaped fixture"
for t in q4_k_m q5_k_m; do
  base=Q4_K; [ $t = q5_k_m ] && base=Q5_K
  expect_status 0 "$NINEML" quantize "$src" "$TMP/$t.gguf" --to gguf-$t
  expect_status 0 "$NINEML" info "$TMP/$t.gguf"
  want_type output.weight Q6_K $t
  want_type token_embd.weight $base $t
  want_type blk.0.attn_v.weight $base $t
  want_type blk.1.attn_v.weight Q6_K $t
  want_type blk.0.ffn_down.weight $base $t
  want_type blk.1.ffn_down.weight Q6_K $t
  want_type blk.1.attn_q.weight $base $t
  want_type blk.1.ffn_norm.weight F32 $t
  grep -qx "tensor_types *F32 5, $base 13, Q6_K 3" "$TMP/out" || fail "$t: $(grep tensor_types "$TMP/out")"
  expect_status 0 "$NINEML" info "$TMP/$t.gguf" --json
  grep -q "\"$base\": 13" "$TMP/out" || fail "$t: info --json tensor_types"
  expect_status 0 "$NINEML" run "$TMP/$t.gguf" -i "Once upon a time" -t 0 -n 16
done
for t in q2_k q3_k q4_k q5_k q6_k q5_0 q5_1; do
  T=$(echo $t | tr a-z A-Z)
  expect_status 0 "$NINEML" quantize "$src" "$TMP/$t.gguf" --to gguf-$t
  expect_status 0 "$NINEML" info "$TMP/$t.gguf"
  grep -qx "tensor_types *F32 5, $T 16" "$TMP/out" || fail "$t: $(grep tensor_types "$TMP/out")"
  expect_status 0 "$NINEML" run "$TMP/$t.gguf" -i "Once upon a time" -t 0 -n 16
done

# dim 64 (a multiple of 32, not of 256) and hidden 172 (neither), shared
# classifier: llama.cpp's fallbacks.
small=$TMP/fx/models/tiny-shared.bin
expect_status 0 "$NINEML" quantize "$small" "$TMP/small-m.gguf" --to gguf-q4_k_m
expect_status 0 "$NINEML" info "$TMP/small-m.gguf"
want_type token_embd.weight Q8_0 "fallback q4_k_m"       # the classifier's Q6_K -> Q8_0
want_type blk.0.attn_q.weight Q5_0 "fallback q4_k_m"     # Q4_K -> Q5_0
want_type blk.1.attn_v.weight Q8_0 "fallback q4_k_m"     # Q6_K -> Q8_0
want_type blk.0.ffn_down.weight F16 "fallback q4_k_m"    # 172: not a multiple of 32 either
expect_status 0 "$NINEML" quantize "$small" "$TMP/small-5m.gguf" --to gguf-q5_k_m
expect_status 0 "$NINEML" info "$TMP/small-5m.gguf"
want_type blk.0.attn_q.weight Q5_1 "fallback q5_k_m"     # Q5_K -> Q5_1
expect_status 0 "$NINEML" quantize "$small" "$TMP/small-2.gguf" --to gguf-q2_k
expect_status 0 "$NINEML" info "$TMP/small-2.gguf"
want_type blk.0.attn_q.weight Q4_0 "fallback q2_k"       # IQ4_NL in llama.cpp
# Q5_0/Q5_1 have no fallback: the documented one-line error.
expect_status 1 "$NINEML" quantize "$small" "$TMP/x.gguf" --to gguf-q5_1
[ "$(wc -l <"$TMP/out")" -eq 1 ] || fail "q5_1 error is not one line"
grep -q "ffn_down.weight' has row length 172, not a multiple of the block size 32" "$TMP/out" || fail "q5_1 message"

# Bad --to: one line naming the argument, exit 2.
expect_status 2 "$NINEML" quantize "$small" "$TMP/x.gguf" --to gguf-q4_k_s
[ "$(wc -l <"$TMP/out")" -eq 1 ] || fail "bad --to is not one line: $(cat "$TMP/out")"
grep -q -- '--to gguf-q4_k_s: unknown target (known: .*gguf-q4_k_m' "$TMP/out" || fail "bad --to message: $(cat "$TMP/out")"
echo ok
