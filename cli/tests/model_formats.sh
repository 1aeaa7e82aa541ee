# 9ml convert/quantize/info over every format and architecture-carrying
# target; run with the vocabulary GGUF fixtures embed; info on bad files
# exits 1 with a one-line "PATH: problem".
. "$(dirname "$0")/lib.sh"
expect_status 0 "$NINEML" fixtures --out "$TMP/fx" --kernel softmax
src=$TMP/fx/models/tiny-shared.bin
[ -f "$src" ] || fail "no v0 fixture model"
expect_status 0 "$NINEML" info "$src"
grep -q '^format *llama2c-v0' "$TMP/out" || fail "info: format line"
grep -q '^architecture *llama2' "$TMP/out" || fail "info: architecture line"
grep -q 'layers.1.feed_forward.w3.weight' "$TMP/out" || fail "info: tensor table"
for t in v0 v1 gguf-f32 gguf-f16 gguf-bf16 safetensors-f32 safetensors-f16 safetensors-bf16; do
  mkdir -p "$TMP/$t"
  cj=; case $t in safetensors-*) cj=--config-json;; esac  # loading needs config.json beside it
  expect_status 0 "$NINEML" convert "$src" "$TMP/$t/model" --to "$t" $cj
  expect_status 0 "$NINEML" info "$TMP/$t/model" --json
  grep -q '"dim": 64' "$TMP/out" || fail "info --json $t: dim"
  grep -q '"parameters"' "$TMP/out" || fail "info --json $t: parameters"
  # f16/bf16 matrices stay 16-bit in memory (the rest load as f32)
  want=f32; case $t in *-f16) want=f16;; *-bf16) want=bf16;; esac
  grep -q "\"weight_type\": \"$want\"" "$TMP/out" || fail "info --json $t: weight_type $want"
done
# text form: the loaded type and the matrices' bytes (16-bit: half of f32's)
expect_status 0 "$NINEML" info "$TMP/gguf-f16/model"
grep -q '^weight_type *f16' "$TMP/out" || fail "info gguf-f16: weight_type line"
f16_bytes=$(sed -n 's/^matrix_bytes *//p' "$TMP/out")
expect_status 0 "$NINEML" info "$TMP/gguf-f32/model"
f32_bytes=$(sed -n 's/^matrix_bytes *//p' "$TMP/out")
[ -n "$f16_bytes" ] && [ $((2 * f16_bytes)) -eq "$f32_bytes" ] || fail "matrix_bytes f16 $f16_bytes vs f32 $f32_bytes"
expect_status 0 "$NINEML" quantize "$src" "$TMP/q-v2"
expect_status 0 "$NINEML" info "$TMP/q-v2"
grep -q 'Q8_GROUP' "$TMP/out" || fail "info: v2 tensors"
# hidden_dim 172 is not a multiple of the GGUF block size.
for t in gguf-q8_0 gguf-q4_0; do
  expect_status 1 "$NINEML" quantize "$src" "$TMP/q-$t" --to "$t"
  grep -q "ffn_down.weight' has row length 172, not a multiple of the block size 32" "$TMP/out" || fail "$t message"
done
expect_status 0 "$NINEML" quantize "$src" "$TMP/q-g2" --group-size 2
expect_status 0 "$NINEML" info "$TMP/q-g2" --json
grep -q '"group_size": 2' "$TMP/out" || fail "group size 2"
# Content, not name: a v1 file called .gguf is v1.
expect_status 0 "$NINEML" convert "$src" "$TMP/v1.gguf" --to v1
expect_status 0 "$NINEML" info "$TMP/v1.gguf"
grep -q '^format *llama2c-v1' "$TMP/out" || fail "v1 named .gguf"
# GGUF fixtures embed the generated vocabulary: without -z, run reads it
# from the file and gives the same ids and text as with -z tokenizer.bin.
for arch in llama2 llama3 mistral qwen2; do
  for t in gguf-f32 gguf-f16 gguf-bf16 gguf-q8_0 gguf-q4_0; do
    g=$TMP/fx/models/$arch-$t/model.bin
    for mode in --ids ""; do
      # stdout only: tok/s goes to stderr
      "$NINEML" run "$g" -i "Once upon a time" -t 0 -n 40 $mode >"$TMP/embedded" 2>"$TMP/err" ||
        fail "$arch-$t $mode: run without -z failed: $(cat "$TMP/err")"
      "$NINEML" run "$g" -z "$TMP/fx/vocab/test-vocab.bin" -i "Once upon a time" -t 0 -n 40 $mode \
        >"$TMP/bin" 2>"$TMP/err" || fail "$arch-$t $mode: run with -z failed: $(cat "$TMP/err")"
      [ "$(wc -c <"$TMP/embedded")" -gt 16 ] || fail "$arch-$t $mode: no output"
      cmp -s "$TMP/embedded" "$TMP/bin" || fail "$arch-$t $mode: embedded vocabulary differs from -z: $(cat "$TMP/embedded")"
    done
  done
done
# A file without a vocabulary needs -z, and says so.
expect_status 1 "$NINEML" run "$TMP/fx/models/llama2-v0/model.bin" -i "Once"
grep -q -- '-z: the model has no vocabulary of its own; pass -z TOKENIZER' "$TMP/out" || fail "no-vocab message: $(cat "$TMP/out")"
# Bad input and bad arguments.
head -c 1000 "$src" >"$TMP/cut.bin"
expect_status 1 "$NINEML" info "$TMP/cut.bin"
[ "$(wc -l <"$TMP/out")" -eq 1 ] || fail "error is not one line"
grep -q "$TMP/cut.bin: unrecognized format" "$TMP/out" || fail "truncated file message"
expect_status 1 "$NINEML" info "$TMP/nosuch"
grep -q "$TMP/nosuch: cannot open" "$TMP/out" || fail "missing file message"
mkdir -p "$TMP/adir"
expect_status 1 "$NINEML" info "$TMP/adir"
[ "$(wc -l <"$TMP/out")" -eq 1 ] && grep -q "$TMP/adir: is a directory" "$TMP/out" || fail "directory message: $(cat "$TMP/out")"
expect_status 2 "$NINEML" convert "$src" "$TMP/x" --to gguf-q5
grep -q -- '--to gguf-q5: unknown target' "$TMP/out" || fail "unknown target message"
expect_status 2 "$NINEML" quantize "$src" "$TMP/x" --to gguf-q4_0 --group-size 2
expect_status 2 "$NINEML" quantize "$src" "$TMP/x" --group-size 0
grep -qx -- '9ml: --group-size 0: expected an integer in 1..1073741824' "$TMP/out" || fail "group 0: $(cat "$TMP/out")"
expect_status 1 "$NINEML" quantize "$TMP/nosuch" "$TMP/x"
expect_status 1 "$NINEML" convert "$TMP/nosuch" "$TMP/x" --to v1
echo ok
