# The Plan 9 programs (engine/tools/: run, runq, export; `mk tools`), built
# on the host from the same sources (port/p9compat.h), against the host's
# 9ml on every fixture model: export info reports what 9ml info reports,
# export quantize writes 9ml quantize's bytes, run and runq generate 9ml
# run's ids; runq refuses f32 files; errors are one line. $2 is the
# directory holding p9_run, p9_runq, p9_export.
. "$(dirname "$0")/lib.sh"
P=$2
Z=$TMP/fx/vocab/test-vocab.bin
expect_status 0 "$NINEML" fixtures --out "$TMP/fx" --kernel softmax
fields='^(format|architecture|dim|hidden_dim|n_layers|n_heads|n_kv_heads|head_size|vocab_size|seq_len|sliding_window|shared_classifier|embedded_vocab|parameters|tensor_bytes) '
n=0
for f in "$TMP"/fx/models/*/model.bin "$TMP"/fx/models/*.bin; do
  expect_status 0 "$P/p9_export" info "$f"
  cp "$TMP/out" "$TMP/p9info"
  expect_status 0 "$NINEML" info "$f"
  cp "$TMP/out" "$TMP/info"
  for want in "$TMP/info" "$TMP/p9info"; do
    grep -E "$fields" "$want" | tr -s ' ' >"$want.fields"
    sed -n '/^tensor /,$p' "$want" | tr -s ' ' >"$want.table"
  done
  cmp -s "$TMP/info.fields" "$TMP/p9info.fields" || fail "export info $f: $(diff "$TMP/info.fields" "$TMP/p9info.fields")"
  cmp -s "$TMP/info.table" "$TMP/p9info.table" || fail "export info $f tensor table differs"
  n=$((n + 1))
done
[ "$n" -ge 29 ] || fail "only $n fixture models"

# export quantize == 9ml quantize --to v2, byte for byte (default and -g 16).
for f in "$TMP/fx/models/llama2-gguf-f32/model.bin" "$TMP/fx/models/llama2-safetensors-bf16/model.bin" \
         "$TMP/fx/models/llama2-v1/model.bin" "$TMP/fx/models/tiny-shared.bin"; do
  expect_status 0 "$P/p9_export" quantize "$f" "$TMP/p9.v2"
  expect_status 0 "$NINEML" quantize "$f" "$TMP/host.v2" --to v2
  cmp -s "$TMP/p9.v2" "$TMP/host.v2" || fail "export quantize $f differs from 9ml quantize"
  case $f in *tiny-shared.bin) continue ;; esac  # hidden_dim 172: only the default rule (group 4) fits
  expect_status 0 "$P/p9_export" quantize "$f" "$TMP/p9g.v2" -g 16
  expect_status 0 "$NINEML" quantize "$f" "$TMP/hostg.v2" --to v2 --group-size 16
  cmp -s "$TMP/p9g.v2" "$TMP/hostg.v2" || fail "export quantize -g 16 $f differs"
done

# run / runq: the ids 9ml run prints with the same kernel level (scalar,
# one thread; sse2; the default, the best level here) and two threads.
ids() { "$@" -z "$Z" -t 0 -n 40 -i "Once upon a time" --ids 2>/dev/null | grep -E '^(prompt|generated):'; }
levels=("--no-simd" "--simd sse2" "")
for m in llama2-v0 llama2-gguf-f32 mistral-safetensors-f32; do
  for l in "${levels[@]}"; do
    # shellcheck disable=SC2086
    ids "$P/p9_run" "$TMP/fx/models/$m/model.bin" $l --threads 2 >"$TMP/a" || fail "p9_run $m $l failed"
    # shellcheck disable=SC2086
    ids "$NINEML" run "$TMP/fx/models/$m/model.bin" $l --threads 1 >"$TMP/b"
    [ -s "$TMP/a" ] && cmp -s "$TMP/a" "$TMP/b" || fail "run $m $l: $(cat "$TMP/a") vs $(cat "$TMP/b")"
  done
done
"$P/p9_export" quantize "$TMP/fx/models/llama2-v0/model.bin" "$TMP/q.v2" >/dev/null || fail "quantize for runq"
for m in "$TMP/q.v2" "$TMP/fx/models/llama3-gguf-q8_0/model.bin" "$TMP/fx/models/mistral-gguf-q4_0/model.bin"; do
  for l in "${levels[@]}"; do
    # shellcheck disable=SC2086
    ids "$P/p9_runq" "$m" $l --threads 2 >"$TMP/a" || fail "p9_runq $m $l failed"
    # shellcheck disable=SC2086
    ids "$NINEML" run "$m" $l --threads 1 >"$TMP/b"
    [ -s "$TMP/a" ] && cmp -s "$TMP/a" "$TMP/b" || fail "runq $m $l: $(cat "$TMP/a") vs $(cat "$TMP/b")"
  done
done

# Without -z: the vocabulary a GGUF embeds, as 9ml run does; and any worker count gives the same ids.
g=$TMP/fx/models/llama3-gguf-q8_0/model.bin
"$P/p9_run" "$g" -t 0 -n 40 -i "Once upon a time" --ids --no-simd 2>/dev/null | grep -E '^(prompt|generated):' >"$TMP/a"
"$NINEML" run "$g" -t 0 -n 40 -i "Once upon a time" --ids --no-simd --threads 1 2>/dev/null | grep -E '^(prompt|generated):' >"$TMP/b"
[ -s "$TMP/a" ] && cmp -s "$TMP/a" "$TMP/b" || fail "run $g without -z: $(cat "$TMP/a") vs $(cat "$TMP/b")"
for th in 1 3; do
  ids "$P/p9_run" "$TMP/fx/models/llama2-v0/model.bin" -t 1 -p 0.9 -s 42 --no-simd --threads $th >"$TMP/t$th" || fail "p9_run --threads $th"
done
[ -s "$TMP/t1" ] && cmp -s "$TMP/t1" "$TMP/t3" || fail "run --threads 3 differs from --threads 1"

# Errors: one line (plus export's usage line), the right status.
expect_status 2 "$P/p9_runq" "$TMP/fx/models/llama2-v1/model.bin" -z "$Z"
grep -q "^runq: $TMP/fx/models/llama2-v1/model.bin: not quantized: " "$TMP/out" || fail "runq f32: $(cat "$TMP/out")"
expect_status 2 "$P/p9_run" "$TMP/fx/models/llama2-v0/model.bin" -z "$Z" --simd plan9-sse2
grep -q '^run: --simd: unknown kernel level, or not available on this CPU or build$' "$TMP/out" || fail "run --simd: $(cat "$TMP/out")"
expect_status 2 "$P/p9_run" "$TMP/fx/models/llama2-v0/model.bin" -z "$Z" --simd sse2 --no-simd
grep -q '^run: --simd: cannot be combined with --no-simd$' "$TMP/out" || fail "run --simd --no-simd: $(cat "$TMP/out")"
expect_status 2 "$P/p9_run"
grep -q '^run: usage: run MODEL \[-z TOKENIZER\]' "$TMP/out" || fail "run usage: $(cat "$TMP/out")"
expect_status 2 "$P/p9_run" "$TMP/fx/models/llama2-v0/model.bin"
grep -q '^run: -z: the model has no vocabulary of its own; pass -z TOKENIZER$' "$TMP/out" || fail "run no vocab: $(cat "$TMP/out")"
expect_status 2 "$P/p9_export"
grep -q '^export: missing command$' "$TMP/out" || fail "export usage: $(cat "$TMP/out")"
expect_status 1 "$P/p9_export" info "$TMP/nosuch"
[ "$(wc -l <"$TMP/out")" -eq 1 ] && grep -q "^export: $TMP/nosuch: cannot open" "$TMP/out" || fail "missing file: $(cat "$TMP/out")"
expect_status 1 "$P/p9_export" quantize "$TMP/fx/models/tiny-shared.bin" "$TMP/x.v2" -g 7
grep -q "^export: $TMP/x.v2: group size 7 does not divide dim 64 and hidden_dim 172$" "$TMP/out" || fail "group: $(cat "$TMP/out")"
expect_status 2 "$P/p9_export" quantize "$TMP/fx/models/tiny-shared.bin" "$TMP/x.v2" -g 0
echo ok
