# Input files 9ml must refuse or take without harm (issue 16):
# - a FIFO (or other non-regular file) given as a model or tokenizer is a
#   one-line error, never a hang on the open or the read;
# - a vocab-only GGUF (every tokenizer.* key, no tensors, as llama.cpp ships
#   to test tokenizers) tokenizes like the full model;
# - a GGUF declaring a context of 30M positions (two 15 GB caches at dim
#   64) runs a few steps without
#   reserving KV caches for all of them (the cache holds the steps asked for).
. "$(dirname "$0")/lib.sh"
EDIT="$(dirname "$0")/gguf_edit.py"
expect_status 0 "$NINEML" fixtures --kernel rng --out "$TMP/fx"
g=$TMP/fx/models/llama2-gguf-f32/model.bin
Z=$TMP/fx/vocab/test-vocab.bin

# -- FIFOs: `timeout` turns a hang into status 124, which expect_status rejects.
mkfifo "$TMP/fifo"
expect_status 1 timeout 20 "$NINEML" info "$TMP/fifo"
grep -q "$TMP/fifo: is a FIFO, not a regular file$" "$TMP/out" || fail "info FIFO: $(cat "$TMP/out")"
expect_status 1 timeout 20 "$NINEML" run "$TMP/fifo" -z "$Z" -n 4
grep -q "$TMP/fifo: is a FIFO, not a regular file" "$TMP/out" || fail "run FIFO: $(cat "$TMP/out")"
expect_status 1 timeout 20 "$NINEML" convert "$TMP/fifo" "$TMP/o.gguf" --to gguf-f32
grep -q "$TMP/fifo: is a FIFO, not a regular file" "$TMP/out" || fail "convert FIFO: $(cat "$TMP/out")"
expect_status 1 timeout 20 "$NINEML" tokenize -z "$TMP/fifo" "the"
grep -q "$TMP/fifo: is a FIFO, not a regular file" "$TMP/out" || fail "tokenize FIFO: $(cat "$TMP/out")"
expect_status 1 timeout 20 "$NINEML" run "$g" -z "$TMP/fifo" -n 4
grep -q "$TMP/fifo: is a FIFO, not a regular file" "$TMP/out" || fail "run -z FIFO: $(cat "$TMP/out")"
expect_status 1 timeout 20 "$NINEML" info /dev/zero
grep -q "/dev/zero: is a device or socket, not a regular file" "$TMP/out" || fail "device: $(cat "$TMP/out")"

# -- A vocab-only GGUF: the full model's ids and text.
python3 "$EDIT" vocab-only "$g" "$TMP/vocab.gguf"
[ "$(stat -c %s "$TMP/vocab.gguf")" -lt "$(stat -c %s "$g")" ] || fail "vocab-only GGUF is not smaller"
expect_status 1 "$NINEML" info "$TMP/vocab.gguf"   # not a model: loading it says so
grep -q "missing tensor" "$TMP/out" || fail "vocab-only info: $(cat "$TMP/out")"
for t in "the" "été sing the xyz 日本 ø" "Once upon a time"; do
  expect_status 0 "$NINEML" tokenize -z "$g" --bos "$t"
  want=$(cat "$TMP/out")
  expect_status 0 "$NINEML" tokenize -z "$TMP/vocab.gguf" --bos "$t"
  [ "$(cat "$TMP/out")" = "$want" ] || fail "vocab-only tokenize '$t': $(cat "$TMP/out"), model gives $want"
  expect_status 0 "$NINEML" detokenize -z "$TMP/vocab.gguf" $want
  [ "$(cat "$TMP/out")" = "$t" ] || fail "vocab-only detokenize '$t': $(cat "$TMP/out")"
done

# -- A header's huge context: the same tokens as the model with its own
# seq_len, under an address-space limit far below one 30M-position cache.
python3 "$EDIT" set-u32 "$g" "$TMP/long.gguf" llama.context_length 30000000
expect_status 0 "$NINEML" info "$TMP/long.gguf"
grep -q "30000000" "$TMP/out" || fail "info does not show the declared context: $(cat "$TMP/out")"
expect_status 0 "$NINEML" run "$g" -n 12 -s 7 --ids --no-simd --threads 1
want=$(grep '^generated:' "$TMP/out")
[ -n "$want" ] || fail "run printed no ids: $(cat "$TMP/out")"
if ldd "$NINEML" 2>/dev/null | grep -q libasan; then
  limit=""   # ASan reserves terabytes of shadow: no address-space limit there
else
  limit="ulimit -v 2000000;"   # 2 GB: one cache of 30M positions is 15 GB
fi
expect_status 0 bash -c "$limit exec \"\$0\" run \"\$1\" -n 12 -s 7 --ids --no-simd --threads 1" "$NINEML" "$TMP/long.gguf"
[ "$(grep '^generated:' "$TMP/out")" = "$want" ] || fail "long-context header: $(cat "$TMP/out"), want $want"
echo ok
