# run-doc-blocks.py must fail on a marked block that fails, on a marker with
# no block, and on files with no marked block; and pass a good one.
set -u
PY=$1 SRC=$2 BUILD=$3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
run() { "$PY" "$SRC/scripts/run-doc-blocks.py" "$SRC" "$BUILD" "$@" >"$T/out" 2>&1; }
printf '# x\n\n<!-- runnable -->\n\n    9ml --help >/dev/null\n    test -L build\n\n```sh\nnot run\n```\n' >"$T/good.md"
run "$T/good.md" || { cat "$T/out"; fail "a good block failed"; }
grep -q "^1 runnable blocks, 0 failed$" "$T/out" || fail "good: $(cat "$T/out")"
printf '<!-- runnable -->\n```bash\necho before\nfalse\necho after\n```\n' >"$T/bad.md"
run "$T/bad.md" && fail "a failing block passed"
grep -q "^FAIL .*bad.md:2: exit status 1$" "$T/out" || fail "bad: $(cat "$T/out")"
grep -q "^after$" "$T/out" && fail "the block went on after a failing command"
printf 'no marks\n\n    false\n' >"$T/none.md"
run "$T/none.md" && fail "no marked block passed"
grep -q "no block marked" "$T/out" || fail "none: $(cat "$T/out")"
printf '<!-- runnable -->\n\nprose, not a block\n' >"$T/empty.md"
run "$T/empty.md" && fail "a marker without a block passed"
echo PASS
