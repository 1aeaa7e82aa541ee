# `9ml tokenize` / `9ml detokenize` on the generated vocabulary that
# `9ml fixtures` writes (ids: docs/TOKENIZER.md), on the copy every GGUF
# fixture embeds, and their error messages: exit 1 for what the file or the
# text decides, 2 for a bad command line (docs/CLI.md).
. "$(dirname "$0")/lib.sh"
expect_status 0 "$NINEML" fixtures --kernel rng --out "$TMP/fx"
Z=$TMP/fx/vocab/test-vocab.bin
[ -s "$Z" ] || fail "9ml fixtures wrote no vocab/test-vocab.bin"
grep -q '"vocab/test-vocab.bin"' "$TMP/fx/manifest.json" || fail "manifest does not list the vocabulary"

expect_status 0 "$NINEML" tokenize -z "$Z" --bos "the"
[ "$(cat "$TMP/out")" = "1 363" ] || fail "tokenize --bos the: $(cat "$TMP/out")"
expect_status 0 "$NINEML" tokenize -z "$Z" "abc"
[ "$(cat "$TMP/out")" = "259 365 326" ] || fail "tokenize abc (leftmost tie): $(cat "$TMP/out")"
expect_status 0 "$NINEML" tokenize -z "$Z" --bos --eos ""
[ "$(cat "$TMP/out")" = "1 2" ] || fail "tokenize --bos --eos '': $(cat "$TMP/out")"
expect_status 0 "$NINEML" tokenize -z "$Z" --vocab-size 378 $'\t'
[ "$(cat "$TMP/out")" = "259 12" ] || fail "byte fallback: $(cat "$TMP/out")"

expect_status 0 "$NINEML" detokenize -z "$Z" 1 363 259 365 326 2
[ "$(cat "$TMP/out")" = "the abc" ] || fail "detokenize: $(cat "$TMP/out")"
expect_status 0 "$NINEML" detokenize -z "$Z" 198 187
[ "$(cat "$TMP/out")" = "$(printf '\303\270')" ] || fail "detokenize byte pieces: $(cat "$TMP/out")"
expect_status 0 "$NINEML" tokenize -z "$Z" --bos "été sing the xyz 日本 ø"
ids=$(cat "$TMP/out")
expect_status 0 "$NINEML" detokenize -z "$Z" $ids
[ "$(cat "$TMP/out")" = "été sing the xyz 日本 ø" ] || fail "round trip: $(cat "$TMP/out")"

expect_status 1 "$NINEML" tokenize -z "$Z" $'ab\xff'
grep -q 'text: not valid UTF-8 at byte 2' "$TMP/out" || fail "invalid UTF-8 message"
expect_status 1 "$NINEML" tokenize -z "$TMP/nosuch.bin" "x"
grep -q "$TMP/nosuch.bin: cannot open" "$TMP/out" || fail "missing file message"
expect_status 1 "$NINEML" tokenize -z "$TMP" "x"
grep -q "$TMP: is a directory" "$TMP/out" || fail "directory message: $(cat "$TMP/out")"
expect_status 1 "$NINEML" tokenize -z "$Z" --vocab-size 377 "x"
grep -q "bytes after the last of 377 tokens" "$TMP/out" || fail "vocab size mismatch message"
head -c 101 "$Z" >"$TMP/short.bin"
expect_status 1 "$NINEML" tokenize -z "$TMP/short.bin" "x"
grep -q "short.bin: truncated at token" "$TMP/out" || fail "truncated file message"
expect_status 1 "$NINEML" detokenize -z "$Z" 1 378
grep -q 'token 378 out of range (vocabulary has 378 tokens)' "$TMP/out" || fail "out of range id message"
expect_status 2 "$NINEML" detokenize -z "$Z" 1 x
grep -qx -- '9ml: ID x: expected an integer in 0..2147483647' "$TMP/out" || fail "bad id: $(cat "$TMP/out")"
expect_status 2 "$NINEML" detokenize -z "$Z" 1 0x10
expect_status 2 "$NINEML" tokenize -z "$Z" --vocab-size -1 "x"
grep -qx -- '9ml: --vocab-size -1: expected an integer in 0..16777216' "$TMP/out" || fail "bad size: $(cat "$TMP/out")"
expect_status 2 "$NINEML" tokenize "x"
# A GGUF model as the tokenizer source: its embedded vocabulary (every GGUF
# fixture carries the generated one, docs/FIXTURES.md) gives the same ids
# and the same text as test-vocab.bin, for merges, ties, multi-byte
# characters and byte fallback.
texts=("the" "abc" "été sing the xyz 日本 ø" $'tab\there' "Once upon a time" "")
for g in "$TMP"/fx/models/*-gguf-*/model.bin; do
  for t in "${texts[@]}"; do
    expect_status 0 "$NINEML" tokenize -z "$Z" --bos --eos "$t"
    want=$(cat "$TMP/out")
    expect_status 0 "$NINEML" tokenize -z "$g" --bos --eos "$t"
    [ "$(cat "$TMP/out")" = "$want" ] || fail "$g: tokenize '$t': $(cat "$TMP/out"), test-vocab.bin gives $want"
    expect_status 0 "$NINEML" detokenize -z "$g" $want
    [ "$(cat "$TMP/out")" = "$t" ] || fail "$g: detokenize '$t': $(cat "$TMP/out")"
  done
done
g=$TMP/fx/models/llama2-gguf-f32/model.bin
expect_status 0 "$NINEML" tokenize -z "$g" --vocab-size 378 "the"
[ "$(cat "$TMP/out")" = "363" ] || fail "--vocab-size 378 on a GGUF: $(cat "$TMP/out")"
expect_status 1 "$NINEML" tokenize -z "$g" --vocab-size 377 "the"
grep -q "^9ml: $g: the embedded vocabulary has 378 tokens, not 377$" "$TMP/out" || fail "GGUF vocab size: $(cat "$TMP/out")"
# A GGUF file without a vocabulary (converted from a v0 checkpoint) says so.
expect_status 0 "$NINEML" convert "$TMP/fx/models/llama2-v0/model.bin" "$TMP/novocab.gguf" --to gguf-f32
expect_status 1 "$NINEML" tokenize -z "$TMP/novocab.gguf" "the"
grep -q "^9ml: $TMP/novocab.gguf: model: no embedded vocabulary$" "$TMP/out" || fail "no vocabulary: $(cat "$TMP/out")"
# A GGUF cut short: the loader's one-line error.
head -c 200 "$g" >"$TMP/cut.gguf"
expect_status 1 "$NINEML" tokenize -z "$TMP/cut.gguf" "the"
[ "$(wc -l <"$TMP/out")" -eq 1 ] && grep -q "^9ml: $TMP/cut.gguf: " "$TMP/out" || fail "cut GGUF: $(cat "$TMP/out")"

# Byte-level BPE: the generated vocabulary (fixtures/bpe_vocab_gen.hpp, Llama
# 3's pre-tokenizer; ids in docs/TOKENIZER.md).
B=$TMP/fx/vocab/test-bpe-vocab.gguf
grep -q '"vocab/test-bpe-vocab.gguf"' "$TMP/fx/manifest.json" || fail "manifest does not list the BPE vocabulary"
expect_status 0 "$NINEML" tokenize -z "$B" "he's 4123"
[ "$(cat "$TMP/out")" = "257 262 32 52 260 51" ] || fail "BPE tokenize: $(cat "$TMP/out")"
expect_status 0 "$NINEML" detokenize -z "$B" 257 262 32 52 260 51
[ "$(cat "$TMP/out")" = "he's 4123" ] || fail "BPE detokenize: $(cat "$TMP/out")"
expect_status 0 "$NINEML" tokenize -z "$B" --bos --eos " the"
[ "$(cat "$TMP/out")" = "269 258 269" ] || fail "BPE --bos --eos: $(cat "$TMP/out")"
expect_status 0 "$NINEML" tokenize -z "$B" "<|user|>the<|endoftext|>"
[ "$(cat "$TMP/out")" = "270 259 60 124 101 110 100 111 102 116 101 120 116 124 62" ] ||
  fail "BPE special tokens without --special: $(cat "$TMP/out")"
# Bytes that are not UTF-8 are byte tokens both ways.
expect_status 0 "$NINEML" tokenize -z "$B" $'a\xffb'
[ "$(cat "$TMP/out")" = "97 255 98" ] || fail "BPE invalid UTF-8: $(cat "$TMP/out")"
expect_status 0 "$NINEML" detokenize -z "$B" 97 255 98
[ "$(cat "$TMP/out")" = $'a\xffb' ] || fail "BPE detokenize of a lone byte"
# The same vocabulary as Hugging Face's tokenizer.json gives the same ids.
J=$TMP/fx/vocab/test-bpe-tokenizer.json
expect_status 0 "$NINEML" tokenize -z "$J" "he's 4123"
[ "$(cat "$TMP/out")" = "257 262 32 52 260 51" ] || fail "tokenizer.json tokenize: $(cat "$TMP/out")"
expect_status 0 "$NINEML" detokenize -z "$J" 257 262 32 52 260 51
[ "$(cat "$TMP/out")" = "he's 4123" ] || fail "tokenizer.json detokenize: $(cat "$TMP/out")"
expect_status 1 "$NINEML" tokenize -z "$J" --bos "x"
grep -qx "9ml: text: the vocabulary names no BOS token" "$TMP/out" || fail "tokenizer.json --bos: $(cat "$TMP/out")"
sed 's/"BPE"/"Unigram"/' "$J" >"$TMP/unigram.json"
expect_status 1 "$NINEML" tokenize -z "$TMP/unigram.json" "x"
grep -qx "9ml: $TMP/unigram.json: model.type: not a BPE tokenizer" "$TMP/out" || fail "Unigram tokenizer.json: $(cat "$TMP/out")"
python3 "$(dirname "$0")/gguf_edit.py" set-str "$B" "$TMP/falcon.gguf" tokenizer.ggml.pre falcon
expect_status 1 "$NINEML" tokenize -z "$TMP/falcon.gguf" "x"
grep -qx "9ml: $TMP/falcon.gguf: unsupported pre-tokenizer 'falcon' (tokenizer.ggml.pre; supported: gpt-2, llama-bpe, qwen2)" \
  "$TMP/out" || fail "unsupported pre-tokenizer: $(cat "$TMP/out")"
python3 "$(dirname "$0")/gguf_edit.py" set-str "$B" "$TMP/gpt2pre.gguf" tokenizer.ggml.pre gpt-2
expect_status 0 "$NINEML" tokenize -z "$TMP/gpt2pre.gguf" "he's 4123"
[ "$(cat "$TMP/out")" = "257 262 32 52 261" ] || fail "GPT-2 pre-tokenizer (digit runs): $(cat "$TMP/out")"

expect_status 0 "$NINEML" tokenize --help
grep -q -- '--bos' "$TMP/out" || fail "--help does not explain --bos"
echo ok
