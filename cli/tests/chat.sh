# `9ml run -m chat` on a GGUF fixture (its embedded vocabulary): run.c's
# prompts and turns from stdin, -y/-i skipping them, the same transcript
# twice at -t 0, the end of stdin ending the chat, a turn too long for the
# context a one-line error. (Token-level parity with run.c's chat loop over
# the reference: model.Archs/ChatParity.*)
. "$(dirname "$0")/lib.sh"
expect_status 0 "$NINEML" fixtures --out "$TMP/fx" --kernel softmax
G=$TMP/fx/models/llama2-gguf-f32/model.bin

printf 'You are a cat.\nHello there\nHow are you\n' >"$TMP/in"
"$NINEML" run "$G" -m chat -t 0 -n 200 <"$TMP/in" >"$TMP/chat1" 2>"$TMP/err" || fail "chat exited $?: $(cat "$TMP/err")"
head -c 60 "$TMP/chat1" | grep -q '^Enter system prompt (optional): User: Assistant: ' ||
  fail "run.c's prompts: $(head -c 200 "$TMP/chat1")"
[ "$(wc -c <"$TMP/chat1")" -gt 60 ] || fail "no reply: $(cat "$TMP/chat1")"
"$NINEML" run "$G" -m chat -t 0 -n 200 <"$TMP/in" >"$TMP/chat2" 2>/dev/null || fail "second chat failed"
cmp -s "$TMP/chat1" "$TMP/chat2" || fail "greedy chat differs between runs"

# -y and -i give the system prompt and the first turn: no prompt for them.
"$NINEML" run "$G" -m chat -t 0 -n 200 -y "You are a cat." -i "Hello there" </dev/null >"$TMP/chat3" 2>"$TMP/err" ||
  fail "chat with -y/-i exited $?: $(cat "$TMP/err")"
head -c 11 "$TMP/chat3" | grep -q '^Assistant: ' || fail "-y/-i still prompted: $(head -c 100 "$TMP/chat3")"
# Same turns, same model, same seed: the same reply as through stdin.
sed -e 's/^Enter system prompt (optional): User: //' "$TMP/chat1" | head -c "$(wc -c <"$TMP/chat3")" >"$TMP/chat1cut"
cmp -s "$TMP/chat3" "$TMP/chat1cut" || fail "-y/-i reply differs from the stdin one"

# A first turn that does not fit in -n positions: one line, exit 2.
long=$(printf 'word %.0s' $(seq 1 60))
expect_status 2 "$NINEML" run "$G" -m chat -n 16 -y "" -i "$long"
[ "$(grep -c . "$TMP/out")" -eq 1 ] || fail "not one line: $(cat "$TMP/out")"
grep -q '^9ml: chat: a turn did not fit in the context left (16 positions)$' "$TMP/out" || fail "too-long turn: $(cat "$TMP/out")"
echo ok
