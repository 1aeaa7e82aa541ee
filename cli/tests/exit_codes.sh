# Exit codes a CI gate can trust (docs/CLI.md): a selection that runs nothing, an unknown
# name or an unknown command is a usage error (one line on stderr, exit 2),
# never "0 passed" with exit 0.
. "$(dirname "$0")/lib.sh"
# expect_err WANT_STATUS TEXT CMD...: status WANT_STATUS and TEXT (fixed string) on stderr, nothing on stdout.
expect_err() {
  local want=$1 text=$2; shift 2
  "$@" >"$TMP/stdout" 2>"$TMP/stderr"
  local got=$?
  [ "$got" -eq "$want" ] || { cat "$TMP/stdout" "$TMP/stderr" >&2; fail "exit $got, expected $want: $*"; }
  grep -qF -- "$text" "$TMP/stderr" || { cat "$TMP/stderr" >&2; fail "no '$text' on stderr: $*"; }
  [ "$(wc -l <"$TMP/stderr")" -eq 1 ] || { cat "$TMP/stderr" >&2; fail "not one error line: $*"; }
  ! grep -q 'passed' "$TMP/stdout" || fail "printed a pass count: $*"
}
R="$TMP/r"
# Unknown names, with the closest valid ones (or a few valid ones).
expect_err 2 "9ml: --kernel softmx: no such kernel; did you mean softmax?" "$NINEML" conform --kernel softmx --out "$R"
expect_err 2 "9ml: --kernel nosuch: no such kernel; valid: rmsnorm, softmax," "$NINEML" conform --kernel nosuch --out "$R"
expect_err 2 "did you mean matmul_f32, matmul_q8_0 or matmul_q4_0?" "$NINEML" conform --kernel matmul --out "$R"
expect_err 2 "9ml: --impl engine-avx: no such implementation; did you mean engine-avx2 or engine-avx512?" \
  "$NINEML" conform --impl engine-avx --out "$R"
expect_err 2 "9ml: --impl nosuch: no such implementation; valid: engine-scalar, ref-llama2c" "$NINEML" conform --impl nosuch --out "$R"
expect_err 2 "9ml: --case softmx/n=3/normal/seed=1: no such kernel 'softmx'; did you mean softmax?" \
  "$NINEML" conform --case softmx/n=3/normal/seed=1 --out "$R"
# Known names whose selection runs nothing: rng has no kernel-table entry.
expect_err 2 "9ml: --impl engine-avx2: does not run kernel rng; nothing to run (runs on: engine-scalar, ref-llama2c)" \
  "$NINEML" conform --kernel rng --impl engine-avx2 --out "$R"
expect_err 2 "--impl engine-avx2: does not run kernel rng" "$NINEML" conform --case rng/n=2/normal/seed=1 --impl engine-avx2 --out "$R"
[ ! -e "$R" ] || fail "an empty selection wrote a report"
# --list and the other commands taking --kernel: the same message, exit 2.
expect_err 2 "9ml: --kernel softmx: no such kernel; did you mean softmax?" "$NINEML" conform --kernel softmx --list
expect_err 2 "--impl engine-avx2: does not run kernel rng" "$NINEML" conform --kernel rng --impl engine-avx2 --list
expect_err 2 "9ml: --kernel softmx: no such kernel; did you mean softmax?" "$NINEML" fixtures --kernel softmx --out "$TMP/fx"
expect_err 2 "9ml: --kernel softmx: no such kernel; did you mean softmax?" \
  "$NINEML" vm --guest host --kernel softmx --run-dir "$TMP/vm" --out "$TMP/vr"
expect_err 2 "9ml vm: --after-case llmfs: want KERNEL/NAME (no spaces or commas)" \
  "$NINEML" vm --guest host --kernel rng --after-case llmfs --after true --run-dir "$TMP/vm" --out "$TMP/vr"
expect_err 2 "9ml vm: --after-case needs --after or --peer-after commands" \
  "$NINEML" vm --guest host --kernel rng --after-case llmfs/x --run-dir "$TMP/vm" --out "$TMP/vr"
# Globs (fnmatch) in --kernel, --impl, --case; one that matches nothing is exit 2.
"$NINEML" conform --kernel 'soft*' --list >"$TMP/g1" || fail "--kernel 'soft*'"
[ -s "$TMP/g1" ] && ! grep -qv '^softmax/' "$TMP/g1" || fail "--kernel 'soft*' selected $(cut -d/ -f1 "$TMP/g1" | sort -u)"
"$NINEML" conform --case 'softmax/n=2/*' --list >"$TMP/g2" || fail "--case glob"
[ "$(wc -l <"$TMP/g2")" -ge 2 ] && ! grep -qv '^softmax/n=2/' "$TMP/g2" || fail "--case glob: $(cat "$TMP/g2")"
"$NINEML" conform --kernel matmul_f32 --impl 'engine-scalar*' --out "$TMP/g3" --quiet >"$TMP/g3.out" || fail "--impl glob"
[ "$(grep -c '^matmul_f32 ' "$TMP/g3.out")" = 4 ] || fail "--impl 'engine-scalar*' is engine-scalar and -t2..-t4: $(cat "$TMP/g3.out")"
expect_err 2 "9ml: --kernel sofx*: matches no kernel; " "$NINEML" conform --kernel 'sofx*' --list
expect_err 2 "9ml: --impl eng?ne-mmx*: matches no implementation; " "$NINEML" conform --impl 'eng?ne-mmx*' --list
expect_err 2 "9ml: --case nope/*: matches no case" "$NINEML" conform --case 'nope/*' --list
# Unknown commands: not the top-level help with exit 0.
# llmfs is a command now: its unknown options are usage errors too.
expect_err 2 "9ml: The following argument was not expected: --nosuch (see 9ml llmfs --help)" "$NINEML" llmfs --nosuch
# check-port is a command now too: without --cmd it is a usage error.
expect_err 2 "9ml: --cmd is required (see 9ml check-port --help)" "$NINEML" check-port
expect_err 2 "9ml: unknown command 'checkport'; did you mean check-port? commands: conform," "$NINEML" checkport --help
expect_err 2 "9ml: unknown command 'nosuch'; commands: conform," "$NINEML" nosuch
expect_err 2 "9ml: unknown command 'conformm'; did you mean conform? commands: conform," "$NINEML" conformm
# The convention for every command (docs/CLI.md): a missing file is a data
# error (1), an unknown option, a bad number or a missing argument a usage
# error (2); each one line on stderr.
N=$TMP/nosuch.bin
expect_err 1 "$N: cannot open" "$NINEML" run "$N"
expect_err 1 "$N: cannot open" "$NINEML" info "$N"
expect_err 1 "$N: cannot open" "$NINEML" tokenize -z "$N" x
expect_err 1 "$N: cannot open" "$NINEML" detokenize -z "$N" 1
expect_err 1 "$N: cannot open" "$NINEML" convert "$N" "$TMP/out.bin" --to v1
expect_err 1 "$N: cannot open" "$NINEML" quantize "$N" "$TMP/out.bin"
expect_err 1 "$N: cannot open" "$NINEML" bench --model "$N"
expect_err 1 "$N" "$NINEML" accuracy --model "$N"
expect_err 1 "$N" "$NINEML" report diff "$N" "$N"
for cmd in conform fixtures "run $N" "info $N" "tokenize -z $N x" "detokenize -z $N 1" "convert $N $N --to v1" \
           "quantize $N $N" accuracy bench "report diff $N $N"; do
  # shellcheck disable=SC2086
  expect_err 2 "9ml: The following argument was not expected: --bogus (see 9ml ${cmd%% *}" "$NINEML" $cmd --bogus
done
expect_err 2 "9ml: MODEL is required (see 9ml run --help)" "$NINEML" run
expect_err 2 "MODEL is required" "$NINEML" info
expect_err 2 "--tokenizer is required" "$NINEML" tokenize x
expect_err 2 "--to is required" "$NINEML" convert "$N" "$N"
expect_err 2 "NEW is required" "$NINEML" report diff "$N"
# A bad number names the option and the value, for every command that takes one.
expect_err 2 "9ml: --seed -1: expected an integer in 0..18446744073709551615" "$NINEML" conform --seed -1
expect_err 2 "9ml: --seed 0x1: expected an integer in 0..18446744073709551615" "$NINEML" fixtures --seed 0x1
expect_err 2 "9ml: --factor inf: expected a finite number >= 1" "$NINEML" report diff "$N" "$N" --factor inf
expect_err 2 "9ml: --vocab-size 1.0: expected an integer in 0..16777216" "$NINEML" tokenize -z "$N" --vocab-size 1.0 x
expect_err 2 "9ml: ID 1e3: expected an integer in 0..2147483647" "$NINEML" detokenize -z "$N" 1e3
expect_err 2 "9ml: -s -5: expected an integer in 0..18446744073709551615" "$NINEML" run "$N" -s -5
expect_err 2 "9ml: -t nan: expected a finite number >= 0" "$NINEML" run "$N" -t nan
expect_err 2 "9ml: -p 1.5: expected a number in [0, 1]" "$NINEML" run "$N" -p 1.5
expect_err 2 "9ml: -n -3: expected an integer in 0..2147483647" "$NINEML" run "$N" -n -3
expect_err 2 "9ml: --threads 0: expected an integer in 1..256" "$NINEML" run "$N" --threads 0
expect_err 2 "9ml: --group-size -2: expected an integer in 1..1073741824" "$NINEML" quantize "$N" "$N" --group-size -2
expect_err 2 "9ml: --steps abc: expected an integer in 0..1048576" "$NINEML" accuracy --steps abc
expect_err 2 "9ml: --seed 1.5: expected an integer in 0..18446744073709551615" "$NINEML" accuracy --seed 1.5
expect_err 2 "9ml: --threads 0: expected an integer in 1..256" "$NINEML" bench --threads 0
expect_err 2 "9ml: --repeat 101: expected an integer in 1..100" "$NINEML" bench --repeat 101
expect_err 2 "9ml: --prompt +1: expected an integer in 1..1048576" "$NINEML" bench --prompt +1
expect_err 2 "9ml: --tokens 0: expected an integer in 1..1048576" "$NINEML" bench --tokens 0
# A valid tiny selection still passes, and --help still exits 0.
expect_status 0 "$NINEML" conform --kernel rng --impl engine-scalar --out "$R" --quiet
grep -q '^rng  *engine-scalar ' "$TMP/out" || fail "rng x engine-scalar did not run"
grep -q '^[1-9][0-9]* passed, 0 failed' "$TMP/out" || fail "no pass count"
expect_status 0 "$NINEML" conform --kernel rng --list
expect_status 0 "$NINEML" --help
expect_status 0 "$NINEML" conform --help
grep -q 'runs nothing' "$TMP/out" || fail "conform --help does not explain exit 2"
echo ok
