# `9ml diff-layers` on the generated fixture models (docs/PORTING_MODELS.md):
# engine and reference agree at every step in llama2c mode (exit 0) and
# within every step's bound in exact mode; a quantized file differs from the
# f32 reference at the first product by design (exit 1, the divergence
# line); a bad command line is one line and exit 2, a bad file exit 1.
. "$(dirname "$0")/lib.sh"
expect_status 0 "$NINEML" fixtures --out "$TMP/fx" --kernel rng
M=$TMP/fx/models
Z=$TMP/fx/vocab/test-vocab.bin

for arch in llama2 llama3 mistral qwen2; do
  expect_status 0 "$NINEML" diff-layers "$M/$arch-gguf-f32/model.bin" -i "Once upon a time" --steps 12 --simd scalar
  grep -q '^no divergence: 12 position(s), 2 layer(s), every step bit for bit$' "$TMP/out" ||
    fail "$arch llama2c: $(cat "$TMP/out")"
  grep -q '^ *layer *embedding *attn_norm' "$TMP/out" || fail "$arch: no per-layer table"
  grep -qE '^ *final( +-)+ +0 +0$' "$TMP/out" || fail "$arch: final row: $(cat "$TMP/out")"
done
# llama3's scaled RoPE has no per-step derived bound: exact mode says so.
for arch in llama2 mistral qwen2; do
  expect_status 0 "$NINEML" diff-layers "$M/$arch-gguf-f32/model.bin" --mode exact --steps 9
  grep -q '^no divergence: 9 position(s), 2 layer(s), every step within its bound' "$TMP/out" ||
    fail "$arch exact: $(cat "$TMP/out")"
done
# SIMD levels the CPU has: their reductions' order is not llama2c's, so
# llama2c mode stops at the first rmsnorm; exact mode holds every bound.
for lvl in sse2 avx2 avx512; do
  "$NINEML" diff-layers "$M/qwen2-gguf-f32/model.bin" --simd $lvl >"$TMP/out" 2>&1
  case $? in
    2) grep -q "not available on this CPU" "$TMP/out" || fail "$lvl: $(cat "$TMP/out")"; continue;;
    1) grep -q '^first divergence: position 0, layer 0, step attn_norm: ' "$TMP/out" || fail "$lvl llama2c: $(cat "$TMP/out")";;
    *) fail "$lvl llama2c: expected exit 1: $(cat "$TMP/out")";;
  esac
  expect_status 0 "$NINEML" diff-layers "$M/qwen2-gguf-f32/model.bin" --simd $lvl --mode exact --steps 9
  grep -q '^no divergence: 9 position(s), 2 layer(s), every step within its bound' "$TMP/out" ||
    fail "$lvl exact: $(cat "$TMP/out")"
done
expect_status 1 "$NINEML" diff-layers "$M/llama3-gguf-f32/model.bin" --mode exact
grep -qx '9ml: diff-layers --mode exact: scaled RoPE (rope_scaling) has no derived per-step bound; use --mode llama2c' \
  "$TMP/out" || fail "llama3 exact: $(cat "$TMP/out")"

# Other formats of the same weights, with -z, and the default SIMD level.
expect_status 0 "$NINEML" diff-layers "$M/llama2-v0/model.bin" -z "$Z" -i "the abc"
grep -q '^no divergence: 5 position(s)' "$TMP/out" || fail "v0: $(cat "$TMP/out")"
expect_status 0 "$NINEML" diff-layers "$M/qwen2-safetensors-bf16/model.bin" -z "$Z"
grep -q 'every step bit for bit' "$TMP/out" || fail "safetensors bf16: $(cat "$TMP/out")"

# Q8_0: the engine quantizes each product's input, the f32 reference does not.
expect_status 1 "$NINEML" diff-layers "$M/llama2-gguf-q8_0/model.bin"
grep -q '^note: layer 0.s matrices are quantized' "$TMP/out" || fail "q8_0 note: $(cat "$TMP/out")"
grep -qE '^first divergence: position 0, layer 0, step q: element [0-9]+ engine .* \(\|diff\| .*, bit for bit\)' \
  "$TMP/out" || fail "q8_0 divergence line: $(cat "$TMP/out")"
expect_status 1 "$NINEML" diff-layers "$M/llama2-gguf-q8_0/model.bin" --mode exact
grep -q "quantized; exact mode bounds f32/f16/bf16 products only" "$TMP/out" || fail "q8_0 exact: $(cat "$TMP/out")"

# Bad input.
expect_status 2 "$NINEML" diff-layers
expect_status 2 "$NINEML" diff-layers "$M/llama2-gguf-f32/model.bin" --mode fast
[ "$(wc -l <"$TMP/out")" -eq 1 ] || fail "--mode fast: not one line"
expect_status 2 "$NINEML" diff-layers "$M/llama2-gguf-f32/model.bin" --steps -1
grep -qx -- '9ml: --steps -1: expected an integer in 0..1048576' "$TMP/out" || fail "--steps -1: $(cat "$TMP/out")"
expect_status 2 "$NINEML" diff-layers "$M/llama2-gguf-f32/model.bin" --simd mmx
grep -qx -- '9ml: --simd mmx: unknown, or not available on this CPU' "$TMP/out" || fail "--simd: $(cat "$TMP/out")"
expect_status 2 "$NINEML" diff-layers "$M/llama2-v0/model.bin"
grep -q 'embeds no vocabulary (not GGUF): give -z TOKENIZER' "$TMP/out" || fail "v0 without -z: $(cat "$TMP/out")"
expect_status 1 "$NINEML" diff-layers "$TMP/nosuch.gguf" -z "$Z"
[ "$(wc -l <"$TMP/out")" -eq 1 ] && grep -q "$TMP/nosuch.gguf" "$TMP/out" || fail "missing model: $(cat "$TMP/out")"
expect_status 1 "$NINEML" diff-layers "$M/llama2-gguf-f32/model.bin" --steps 100000
grep -qx -- '9ml: --steps 100000: more than the model.s seq_len 256' "$TMP/out" || fail "--steps too many: $(cat "$TMP/out")"
echo "ok"
