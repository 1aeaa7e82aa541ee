# `9ml run` on a generated 15M-shaped v0 model: text streams and tok/s is
# reported; --ids is deterministic at -t 0; bad arguments give one-line
# errors and exit 2. $2 is the make_run_fixture helper.
. "$(dirname "$0")/lib.sh"
MAKE_FIXTURE=$2
"$MAKE_FIXTURE" "$TMP/m.bin" "$TMP/tok.bin" || fail "make_run_fixture failed"
M=$TMP/m.bin
Z=$TMP/tok.bin

"$NINEML" run "$M" -z "$Z" -n 24 -t 1.0 -p 0.9 -s 42 -i "Once upon a time" >"$TMP/text" 2>"$TMP/err" ||
	{ cat "$TMP/err" >&2; fail "run exited $?"; }
[ -s "$TMP/text" ] || fail "run printed no text"
grep -qE '^achieved tok/s: [0-9]+\.[0-9]+$' "$TMP/err" || fail "no tok/s line: $(cat "$TMP/err")"

# --ids at temperature 0: the prompt ids, then the generated ids; twice the same.
expect_status 0 "$NINEML" run "$M" -z "$Z" -n 32 -t 0 -i "Once upon a time" --ids
grep -q '^prompt: 1 ' "$TMP/out" || fail "--ids prompt line: $(cat "$TMP/out")"
grep -qE '^generated: [0-9]+( [0-9]+)*$' "$TMP/out" || fail "--ids generated line: $(cat "$TMP/out")"
grep -v tok/s "$TMP/out" >"$TMP/ids1"
expect_status 0 "$NINEML" run "$M" -z "$Z" -n 32 -t 0 -i "Once upon a time" --ids --threads 2 --no-simd
grep -v tok/s "$TMP/out" >"$TMP/ids2"
cmp -s "$TMP/ids1" "$TMP/ids2" || fail "greedy ids differ between runs: $(cat "$TMP/ids1") / $(cat "$TMP/ids2")"
# --simd scalar is --no-simd: the same ids at the same thread count.
expect_status 0 "$NINEML" run "$M" -z "$Z" -n 32 -t 0 -i "Once upon a time" --ids --threads 2 --simd scalar
grep -v tok/s "$TMP/out" >"$TMP/ids3"
cmp -s "$TMP/ids2" "$TMP/ids3" || fail "--simd scalar differs from --no-simd: $(cat "$TMP/ids3")"
expect_status 2 "$NINEML" run "$M" -z "$Z" --simd nonesuch
grep -q '^9ml: --simd nonesuch: unknown, or not available on this CPU$' "$TMP/out" || fail "--simd: $(cat "$TMP/out")"
expect_status 2 "$NINEML" run "$M" -z "$Z" --simd sse2 --no-simd
grep -q '^9ml: --no-simd: conflicts with --simd sse2$' "$TMP/out" || fail "--no-simd --simd: $(cat "$TMP/out")"
n=$(sed -n 's/^generated: //p' "$TMP/ids1" | wc -w)
p=$(sed -n 's/^prompt: //p' "$TMP/ids1" | wc -w)
[ $((n + p)) -le 33 ] || fail "more positions than -n 32: prompt $p + generated $n"

# Errors: one line, exit 2, naming the argument.
long=$(printf 'x%.0s' $(seq 1 300))
expect_status 2 "$NINEML" run "$M" -z "$Z" -i "$long"
grep -q '^9ml: -i: the prompt is [0-9]* tokens, longer than the model.s seq_len 256$' "$TMP/out" || fail "long prompt: $(cat "$TMP/out")"
expect_status 2 "$NINEML" run "$M" -z "$Z" -n 257
grep -q '^9ml: -n: 257 steps beyond the model.s seq_len 256$' "$TMP/out" || fail "steps: $(cat "$TMP/out")"
expect_status 2 "$NINEML" run "$M" -z "$Z" -i $'ab\xffc'
grep -q '^9ml: -i: not valid UTF-8 at byte' "$TMP/out" || fail "utf-8: $(cat "$TMP/out")"
"$NINEML" fixtures --kernel rng --out "$TMP/fx" >/dev/null 2>&1 || fail "9ml fixtures failed"
expect_status 2 "$NINEML" run "$M" -z "$TMP/fx/vocab/test-vocab.bin"
grep -q "^9ml: -z: the tokenizer has 378 tokens, the model's vocab_size is 32000$" "$TMP/out" || fail "vocab: $(cat "$TMP/out")"
expect_status 2 "$NINEML" run "$M" -z "$Z" -t -1
grep -q '^9ml: -t: temperature must be >= 0$' "$TMP/out" || fail "temperature: $(cat "$TMP/out")"
expect_status 2 "$NINEML" run "$TMP/nosuch.bin" -z "$Z"
[ "$(wc -l <"$TMP/out")" -eq 1 ] || fail "missing model: $(cat "$TMP/out")"
echo ok
