# Never lose a user's file (issue 16): quantize/convert (and Plan 9's
# export) refuse OUT == IN, also through a hard link, a symlink or another
# spelling of the path; convert --to safetensors-* writes config.json only
# with --config-json (else a one-line note) and never touches one already
# there; a write that fails midway (a file size limit standing in for a
# full disk) leaves an existing OUT as it was and nothing else behind.
# $2: the directory holding the host build of Plan 9's export (p9_export).
. "$(dirname "$0")/lib.sh"
EXPORT=$2/p9_export
expect_status 0 "$NINEML" fixtures --out "$TMP/fx" --kernel softmax
mkdir -p "$TMP/w"
m=$TMP/w/m.bin
cp "$TMP/fx/models/tiny-shared.bin" "$m"
cp "$m" "$TMP/orig.bin"
same() { cmp -s "$m" "$TMP/orig.bin" || fail "$1: the input changed"; }

# OUT is IN: exit 2, one line naming OUT, IN untouched.
expect_status 2 "$NINEML" quantize "$m" "$m"
[ "$(cat "$TMP/out")" = "9ml quantize: OUT $m is the input file" ] || fail "quantize IN IN: $(cat "$TMP/out")"
same "quantize IN IN"
expect_status 2 "$NINEML" convert "$m" "$m" --to v1
[ "$(cat "$TMP/out")" = "9ml convert: OUT $m is the input file" ] || fail "convert IN IN: $(cat "$TMP/out")"
same "convert IN IN"
ln "$m" "$TMP/w/hard.bin"
ln -s m.bin "$TMP/w/sym.bin"
for out in "$TMP/w/hard.bin" "$TMP/w/sym.bin" "$TMP/w/../w/./m.bin"; do
  expect_status 2 "$NINEML" quantize "$m" "$out" --to gguf-q8_0
  grep -qx "9ml quantize: OUT $out is the input file" "$TMP/out" || fail "quantize to $out: $(cat "$TMP/out")"
  expect_status 2 "$NINEML" convert "$TMP/w/sym.bin" "$out" --to gguf-f32
  grep -qx "9ml convert: OUT $out is the input file" "$TMP/out" || fail "convert to $out: $(cat "$TMP/out")"
  same "OUT $out"
done
expect_status 2 "$EXPORT" quantize "$m" "$TMP/w/hard.bin"
grep -qx "export: OUT $TMP/w/hard.bin is the input file" "$TMP/out" || fail "export quantize IN IN: $(cat "$TMP/out")"
same "export quantize IN IN"
# A different file is still fine.
expect_status 0 "$NINEML" quantize "$m" "$TMP/w/q.bin"

# config.json: only with --config-json; one already beside OUT is left alone.
mkdir -p "$TMP/st" "$TMP/st2"
echo '{"sentinel": true}' >"$TMP/st/config.json"
"$NINEML" convert "$m" "$TMP/st/model.safetensors" --to safetensors-f16 >"$TMP/stdout" 2>"$TMP/stderr" ||
  fail "convert to safetensors: $(cat "$TMP/stderr")"
[ "$(cat "$TMP/st/config.json")" = '{"sentinel": true}' ] || fail "convert overwrote config.json"
[ "$(cat "$TMP/stderr")" = "9ml convert: note: loading $TMP/st/model.safetensors needs config.json beside it (add --config-json to write it)" ] ||
  fail "note: $(cat "$TMP/stderr")"
expect_status 0 "$NINEML" convert "$m" "$TMP/st2/model.safetensors" --to safetensors-f32
[ ! -e "$TMP/st2/config.json" ] || fail "convert wrote config.json unasked"
[ "$(ls -A "$TMP/st2")" = model.safetensors ] || fail "convert left: $(ls -A "$TMP/st2")"
expect_status 1 "$NINEML" info "$TMP/st2/model.safetensors"
grep -q "config.json: cannot open" "$TMP/out" || fail "info without config.json: $(cat "$TMP/out")"
expect_status 0 "$NINEML" convert "$m" "$TMP/st2/model.safetensors" --to safetensors-f32 --config-json
grep -q "needs config.json" "$TMP/out" && fail "note printed with --config-json"
expect_status 0 "$NINEML" info "$TMP/st2/model.safetensors"
[ "$(ls -A "$TMP/st2" | tr '\n' ' ')" = "config.json model.safetensors " ] || fail "left: $(ls -A "$TMP/st2")"
expect_status 2 "$NINEML" convert "$m" "$TMP/st2/x.gguf" --to gguf-f32 --config-json
grep -qx -- "9ml convert: --config-json: only for --to safetensors-\*" "$TMP/out" || fail "--config-json gguf: $(cat "$TMP/out")"
# config.json as IN is an input too.
expect_status 2 "$NINEML" convert "$TMP/st2/config.json" "$TMP/st2/y.safetensors" --to safetensors-f32 --config-json
grep -qx -- "9ml convert: --config-json: $TMP/st2/config.json is the input file" "$TMP/out" || fail "config.json IN: $(cat "$TMP/out")"
# A fixture directory is the user's choice of a whole model: config.json stays.
for f in "$TMP"/fx/models/*-safetensors-*; do [ -s "$f/config.json" ] || fail "fixtures: no $f/config.json"; done

# A write that fails midway (SIGXFSZ ignored, so write() fails with EFBIG
# past 64 KiB, as on a full disk): exit 1, the old OUT intact, no leftovers.
[ "$(wc -c <"$m")" -gt 200000 ] || fail "the model is too small for the size limit"
mkdir -p "$TMP/full"
echo "previous content" >"$TMP/full/out.bin"
for t in v1 v2 gguf-f16 safetensors-f32; do
  (trap '' XFSZ; ulimit -f 64; exec "$NINEML" convert "$m" "$TMP/full/out.bin" --to "$t") >"$TMP/out" 2>&1
  rc=$?
  [ $rc -eq 1 ] || fail "$t: exit $rc under a size limit: $(cat "$TMP/out")"
  grep -q "^9ml convert: $TMP/full/out.bin: write failed (File too large)" "$TMP/out" || fail "$t: $(cat "$TMP/out")"
  [ "$(cat "$TMP/full/out.bin")" = "previous content" ] || fail "$t: the old OUT was changed"
  [ "$(ls -A "$TMP/full")" = out.bin ] || fail "$t: left behind: $(ls -A "$TMP/full")"
done
echo ok
