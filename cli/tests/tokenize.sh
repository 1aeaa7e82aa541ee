# `9ml tokenize` / `9ml detokenize` on the generated vocabulary that
# `9ml fixtures` writes (ids: docs/TOKENIZER.md), and their error messages.
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

expect_status 2 "$NINEML" tokenize -z "$Z" $'ab\xff'
grep -q 'text: not valid UTF-8 at byte 2' "$TMP/out" || fail "invalid UTF-8 message"
expect_status 2 "$NINEML" tokenize -z "$TMP/nosuch.bin" "x"
grep -q "$TMP/nosuch.bin: cannot open" "$TMP/out" || fail "missing file message"
expect_status 2 "$NINEML" tokenize -z "$Z" --vocab-size 377 "x"
grep -q "bytes after the last of 377 tokens" "$TMP/out" || fail "vocab size mismatch message"
head -c 101 "$Z" >"$TMP/short.bin"
expect_status 2 "$NINEML" tokenize -z "$TMP/short.bin" "x"
grep -q "short.bin: truncated at token" "$TMP/out" || fail "truncated file message"
expect_status 2 "$NINEML" detokenize -z "$Z" 1 378
grep -q 'token 378 out of range (vocabulary has 378 tokens)' "$TMP/out" || fail "out of range id message"
expect_status 2 "$NINEML" detokenize -z "$Z" 1 x
expect_status 2 "$NINEML" tokenize "x"
expect_status 0 "$NINEML" tokenize --help
grep -q -- '--bos' "$TMP/out" || fail "--help does not explain --bos"
echo ok
