# Bad arguments give a one-line error naming the argument, exit status 2;
# an --out that cannot be written is found before the run (exit 1).
. "$(dirname "$0")/lib.sh"
expect_status 2 "$NINEML" conform --kernel nosuch --out "$TMP/r"
grep -q -- '--kernel nosuch: no such kernel' "$TMP/out" || fail "unknown kernel message"
expect_status 2 "$NINEML" conform --impl nosuch --out "$TMP/r"
grep -q -- '--impl nosuch: no such implementation' "$TMP/out" || fail "unknown impl message"
expect_status 2 "$NINEML" conform --case 'softmax/n=3/normal' --out "$TMP/r"
grep -q "case 'softmax/n=3/normal'" "$TMP/out" || fail "malformed case message"
expect_status 2 "$NINEML" conform --seed notanumber
grep -qx -- '9ml: --seed notanumber: expected an integer in 0..18446744073709551615' "$TMP/out" || fail "seed: $(cat "$TMP/out")"
expect_status 2 "$NINEML" conform --seed -1 --kernel rng --list
expect_status 2 "$NINEML" fixtures --seed 1e3 --out "$TMP/fx"
[ ! -e "$TMP/fx" ] || fail "fixtures wrote files after a bad --seed"
# An --out that is not a creatable, writable directory: one line, exit 1,
# before any case runs (no progress lines, no pass count).
echo x >"$TMP/file"
expect_status 1 "$NINEML" conform --kernel softmax --out "$TMP/file/sub"
[ "$(wc -l <"$TMP/out")" -eq 1 ] || fail "conform ran before checking --out: $(cat "$TMP/out")"
grep -q -- "^9ml: --out $TMP/file/sub: cannot create the directory: " "$TMP/out" || fail "--out: $(cat "$TMP/out")"
expect_status 1 "$NINEML" fixtures --kernel softmax --out "$TMP/file/sub"
[ "$(wc -l <"$TMP/out")" -eq 1 ] || fail "fixtures ran before checking --out: $(cat "$TMP/out")"
if [ "$(id -u)" != 0 ]; then  # root writes anywhere
  mkdir "$TMP/ro" && chmod 555 "$TMP/ro"
  expect_status 1 "$NINEML" conform --kernel softmax --out "$TMP/ro"
  grep -q -- "^9ml: --out $TMP/ro: cannot write in the directory" "$TMP/out" || fail "read-only --out: $(cat "$TMP/out")"
fi
NINEML_FAULT=softmax:x expect_status 2 "$NINEML" conform --kernel softmax --out "$TMP/r"
grep -q 'NINEML_FAULT' "$TMP/out" || fail "bad NINEML_FAULT message"
expect_status 0 "$NINEML" conform --help
for opt in --kernel --impl --seed --case --out; do
  grep -q -- "$opt" "$TMP/out" || fail "--help does not explain $opt"
done
echo ok
