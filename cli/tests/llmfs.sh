# `9ml llmfs` end to end with the real binaries: a session over a Unix socket
# gives exactly `9ml run --ids`'s tokens, for a llama2.c model with its
# tokenizer.bin and for a GGUF Q8_0 with its own vocabulary (`-`); pool
# files and errors as docs/LLMFS.md gives them; bad flags exit 2; SIGTERM
# ends it (143) and removes the socket. $2: llmfs_client, $3: make_run_fixture.
. "$(dirname "$0")/lib.sh"
CLIENT=$2
"$NINEML" fixtures --out "$TMP/fx" --seed 1 --kernel softmax >/dev/null 2>&1 || fail "fixtures"
mkdir -p "$TMP/models"
cp "$TMP/fx/models/llama2-v0/model.bin" "$TMP/models/v0.bin"
cp "$TMP/fx/models/llama3-gguf-q8_0/model.bin" "$TMP/models/q8.gguf"
cp "$TMP/fx/vocab/test-vocab.bin" "$TMP/models/tok.bin"
M=$TMP/models

# Bad flags: one line, exit 2, before anything is served.
expect_status 2 "$NINEML" llmfs --max-sessions 0
grep -q '^9ml: --max-sessions 0: expected an integer in 1..100000$' "$TMP/out" || fail "--max-sessions 0: $(cat "$TMP/out")"
expect_status 2 "$NINEML" llmfs --msize 100
grep -q '^9ml: --msize 100: expected an integer in 256..16777216$' "$TMP/out" || fail "--msize 100: $(cat "$TMP/out")"
expect_status 2 "$NINEML" llmfs --listen 'tcp!0.0.0.0!5640'
grep -q 'not a loopback address; add --any-address' "$TMP/out" || fail "--listen 0.0.0.0: $(cat "$TMP/out")"
expect_status 1 "$NINEML" llmfs --listen 'udp!x!1'
grep -q '^9ml: --listen udp!x!1: ' "$TMP/out" || fail "--listen udp: $(cat "$TMP/out")"
expect_status 1 "$NINEML" llmfs --models "$M" --load "$M/nonesuch.bin" "$M/tok.bin"
grep -q "^9ml: --load: load: $M/nonesuch.bin: " "$TMP/out" || fail "--load nonesuch: $(cat "$TMP/out")"

SOCK=$TMP/llm.sock
"$NINEML" llmfs --listen "unix!$SOCK" --models "$M" --load "$M/v0.bin" "$M/tok.bin" \
  --pool-load q8 "$M/q8.gguf" - --max-models 4 --max-bytes 0 --max-prompt 4096 --max-steps 512 \
  --max-sessions 8 --max-connections 4 --msize 8192 --threads 2 2>"$TMP/server.err" &
SERVER=$!
trap 'kill -9 $SERVER 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || fail "no socket: $(cat "$TMP/server.err")"
grep -q "^9ml llmfs: serving on unix!$SOCK$" "$TMP/server.err" || fail "serving line: $(cat "$TMP/server.err")"

LONG=$(printf 'x%.0s' $(seq 5000))
"$CLIENT" "unix!$SOCK" >"$TMP/session" <<SCRIPT || fail "client"
cat model
cat pool/count
cat pool/list
cat pool/limit
clone
write \$n/ctl temp 0.8
write \$n/ctl topp 0.9
write \$n/ctl seed 42
write \$n/ctl steps 40
write \$n/prompt Once upon a time
write \$n/ctl generate
cat \$n/output
cat \$n/ids
cat \$n/status
write \$n/model q8
write \$n/ctl temp 0
write \$n/ctl generate
cat \$n/ids
write ctl pool-unload q8
write \$n/prompt $LONG
write \$n/ctl steps 513
write ctl load /etc/passwd -
cat pool/list
write \$n/ctl close
cat \$n/status
SCRIPT
S=$TMP/session
sed -n 1p "$S" | grep -qE '^v0\.bin [0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+ llama2c-v0 [0-9]+$' || fail "model: $(sed -n 1p "$S")"
[ "$(sed -n 2p "$S")" = 2 ] || fail "pool/count: $(cat "$S")"
[ "$(sed -n 3p "$S")" = "q8,default" ] || fail "pool/list: $(cat "$S")"
[ "$(sed -n 4p "$S")" = "4 0" ] || fail "pool/limit: $(cat "$S")"
n=$(sed -n 5p "$S")
[ "$n" = 1 ] || fail "clone: $(cat "$S")"

"$NINEML" run "$M/v0.bin" -z "$M/tok.bin" -t 0.8 -p 0.9 -s 42 -n 40 -i "Once upon a time" --ids >"$TMP/run1" 2>/dev/null ||
  fail "9ml run v0"
grep -E '^(prompt|generated):' "$S" | sed -n 1,2p >"$TMP/ids1"
cmp -s "$TMP/ids1" "$TMP/run1" || fail "llmfs ids differ from 9ml run's: $(cat "$TMP/ids1") / $(cat "$TMP/run1")"
"$NINEML" run "$M/q8.gguf" -t 0 -p 0.9 -s 42 -n 40 -i "Once upon a time" --ids >"$TMP/run2" 2>/dev/null || fail "9ml run q8"
grep -E '^(prompt|generated):' "$S" | sed -n 3,4p >"$TMP/ids2"
cmp -s "$TMP/ids2" "$TMP/run2" || fail "GGUF ids differ from 9ml run's: $(cat "$TMP/ids2") / $(cat "$TMP/run2")"
grep -qE '^done [0-9]+\.[0-9]{2} tok/s$' "$S" || fail "status: $(cat "$S")"
grep -qx "error: pool-unload q8: in use by session 1" "$S" || fail "pool-unload in use: $(cat "$S")"
grep -qx "error: prompt: longer than 4096 bytes (--max-prompt)" "$S" || fail "--max-prompt: $(cat "$S")"
grep -qx "error: steps 513: expected a whole number 1..512 (--max-steps)" "$S" || fail "--max-steps: $(cat "$S")"
grep -qx "error: load: /etc/passwd: outside the --models folders" "$S" || fail "confinement: $(cat "$S")"
[ "$(tail -2 "$S" | head -1)" = "q8,default" ] || fail "pool/list after the failures: $(cat "$S")"
[ "$(tail -1 "$S")" = "error: file does not exist" ] || fail "closed session: $(cat "$S")"

# --max-connections 4: the fifth client at once is closed.
for i in 1 2 3 4; do (sleep 3 | "$CLIENT" "unix!$SOCK" >/dev/null 2>&1) & done
sleep 1
echo "cat pool/count" | "$CLIENT" "unix!$SOCK" >"$TMP/fifth" 2>&1
grep -q '^2$' "$TMP/fifth" && fail "a fifth connection was served: $(cat "$TMP/fifth")"
wait %2 %3 %4 %5 2>/dev/null

kill -TERM "$SERVER"
wait "$SERVER"
st=$?
[ "$st" -eq 143 ] || fail "SIGTERM: exit $st"
[ -e "$SOCK" ] && fail "the socket file stayed"
exit 0
