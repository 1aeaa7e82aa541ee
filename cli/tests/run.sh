# `9ml run` on a generated 15M-shaped v0 model: text streams and tok/s is
# reported; --ids is deterministic at -t 0; errors are one line naming the
# argument: exit 2 for a bad command line, 1 for what the files or the text
# decide (docs/CLI.md). $2 is the make_run_fixture helper.
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

# Errors found in the model, the tokenizer or the text: one line, exit 1, naming the argument.
long=$(printf 'x%.0s' $(seq 1 300))
expect_status 1 "$NINEML" run "$M" -z "$Z" -i "$long"
grep -q '^9ml: -i: the prompt is [0-9]* tokens, longer than the model.s seq_len 256$' "$TMP/out" || fail "long prompt: $(cat "$TMP/out")"
expect_status 1 "$NINEML" run "$M" -z "$Z" -n 257
grep -q '^9ml: -n: 257 steps beyond the model.s seq_len 256$' "$TMP/out" || fail "steps: $(cat "$TMP/out")"
expect_status 1 "$NINEML" run "$M" -z "$Z" -i $'ab\xffc'
grep -q '^9ml: -i: not valid UTF-8 at byte' "$TMP/out" || fail "utf-8: $(cat "$TMP/out")"
"$NINEML" fixtures --kernel rng --out "$TMP/fx" >/dev/null 2>&1 || fail "9ml fixtures failed"
expect_status 1 "$NINEML" run "$M" -z "$TMP/fx/vocab/test-vocab.bin"
grep -q "^9ml: -z: the tokenizer has 378 tokens, the model's vocab_size is 32000$" "$TMP/out" || fail "vocab: $(cat "$TMP/out")"
expect_status 1 "$NINEML" run "$TMP/nosuch.bin" -z "$Z"
[ "$(wc -l <"$TMP/out")" -eq 1 ] || fail "missing model: $(cat "$TMP/out")"
expect_status 1 "$NINEML" run "$M" -z "$TMP/nosuch.bin"
grep -q "^9ml: -z: $TMP/nosuch.bin: cannot open" "$TMP/out" || fail "missing tokenizer: $(cat "$TMP/out")"
# A bad command line: exit 2 before any file is read (the model here does not exist).
# Numbers are strict: decimal, finite, within the option's documented range.
bad_number() {  # OPTION VALUE WANT: one line "9ml: OPTION VALUE: WANT", exit 2
  expect_status 2 "$NINEML" run "$TMP/nosuch.bin" "$1" "$2" -i hi
  [ "$(cat "$TMP/out")" = "9ml: $1 $2: $3" ] || fail "$1 $2: $(cat "$TMP/out")"
}
bad_number -s -5 "expected an integer in 0..18446744073709551615"
bad_number -s 0x10 "expected an integer in 0..18446744073709551615"
bad_number -s 18446744073709551616 "expected an integer in 0..18446744073709551615"
bad_number -t -1 "expected a finite number >= 0"
bad_number -t nan "expected a finite number >= 0"
bad_number -t inf "expected a finite number >= 0"
bad_number -t 1e39 "expected a finite number >= 0"
bad_number -p 1.5 "expected a number in [0, 1]"
bad_number -p 0.5x "expected a number in [0, 1]"
bad_number -n -3 "expected an integer in 0..2147483647"
bad_number -n 010 "expected an integer in 0..2147483647"
bad_number -n 1.5 "expected an integer in 0..2147483647"
bad_number --threads 0 "expected an integer in 1..256"
bad_number --threads 257 "expected an integer in 1..256"
expect_status 2 "$NINEML" run "$TMP/nosuch.bin" --simd sse2 --no-simd
grep -q '^9ml: --no-simd: conflicts with --simd sse2$' "$TMP/out" || fail "conflict before the model: $(cat "$TMP/out")"
# -s 0 is the time (llama2.c's run: seed <= 0), and the largest seed is taken.
expect_status 0 "$NINEML" run "$M" -z "$Z" -n 8 -s 0 -i "Once"
expect_status 0 "$NINEML" run "$M" -z "$Z" -n 8 -s 18446744073709551615 -t 1e-3 -p 1 -i "Once"
# llama.cpp's long names beside llama2.c's short ones: the same run, the
# same ids; --help shows both; a bad value names the option's short form.
expect_status 0 "$NINEML" run "$M" -z "$Z" -t 0.8 -p 0.9 -s 42 -n 24 -i "Once upon a time" --ids
short=$(grep -E '^(prompt|generated):' "$TMP/out")
expect_status 0 "$NINEML" run "$M" -z "$Z" --temp 0.8 --top-p 0.9 --seed 42 --n-predict 24 \
  --prompt "Once upon a time" --ids
[ "$(grep -E '^(prompt|generated):' "$TMP/out")" = "$short" ] || fail "long options: $(cat "$TMP/out"), short: $short"
expect_status 0 "$NINEML" run --help
for o in "-t,--temp" "-p,--top-p" "-s,--seed" "-n,--n-predict" "-i,--prompt"; do
  grep -q -- "$o" "$TMP/out" || fail "run --help does not show $o"
done
expect_status 2 "$NINEML" run "$M" -z "$Z" --temp nan
grep -qx -- '9ml: -t nan: expected a finite number >= 0' "$TMP/out" || fail "--temp nan: $(cat "$TMP/out")"
echo ok
