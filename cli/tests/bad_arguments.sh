# Bad arguments give a one-line error naming the argument, exit status 2.
. "$(dirname "$0")/lib.sh"
expect_status 2 "$NINEML" conform --kernel nosuch --out "$TMP/r"
grep -q -- '--kernel nosuch: no such kernel' "$TMP/out" || fail "unknown kernel message"
expect_status 2 "$NINEML" conform --impl nosuch --out "$TMP/r"
grep -q -- '--impl nosuch: no such implementation' "$TMP/out" || fail "unknown impl message"
expect_status 2 "$NINEML" conform --case 'softmax/n=3/normal' --out "$TMP/r"
grep -q "case 'softmax/n=3/normal'" "$TMP/out" || fail "malformed case message"
expect_status 2 "$NINEML" conform --seed notanumber
NINEML_FAULT=softmax:x expect_status 2 "$NINEML" conform --kernel softmax --out "$TMP/r"
grep -q 'NINEML_FAULT' "$TMP/out" || fail "bad NINEML_FAULT message"
expect_status 0 "$NINEML" conform --help
for opt in --kernel --impl --seed --case --out; do
  grep -q -- "$opt" "$TMP/out" || fail "--help does not explain $opt"
done
echo ok
