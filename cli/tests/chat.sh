# `9ml run -m chat` on a GGUF fixture (its embedded vocabulary): run.c's
# prompts and turns from stdin, -y/-i skipping them, the same transcript
# twice at -t 0, the end of stdin ending the chat, a turn too long for the
# context, a system prompt or turn too long for the buffers and a turn that
# is not UTF-8 each a one-line error with exit 1; on a v0 model with -z tokenizer.bin, with and
# without a system prompt and with -y, the first reply equals generate
# mode's continuation of the llama2.c-rendered turn up to EOS. (Token-level parity with run.c's chat loop over
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

# A llama2.c v0 model (no vocabulary of its own: -z tokenizer.bin), its EOS
# classifier row weighted x16 (as model.ChatParity does) so greedy replies
# end. Each first reply must be what generate mode continues the same turn
# with, rendered by llama2.c's own sprintf format strings, up to the EOS
# piece "\n</s>\n": same tokens fed, same reply, ended at EOS.
V0=$TMP/eos.bin
Z=$TMP/fx/vocab/test-vocab.bin
python3 - "$TMP/fx/models/llama2-v0/model.bin" "$V0" <<'PY' || fail "EOS-weighted model"
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
dim, hidden, layers, heads, kv, vocab, seq = struct.unpack_from("<7i", data, 0)
assert vocab > 0, "the llama2 fixture shares its classifier with the embedding"
off = 28 + 2 * dim * 4  # token embedding row 2 (EOS) = the classifier's row
row = struct.unpack_from("<%df" % dim, data, off)
struct.pack_into("<%df" % dim, data, off, *[v * 16 for v in row])
open(sys.argv[2], "wb").write(data)
PY
SYS="You are a cat."
U1="Hello there"
U2="How are you"
# want_of TURN PREFIX OUT: PREFIX, then the generate-mode reply to the
# rendered TURN up to EOS, then the newline chat prints at EOS, into OUT.
want_of() {
  "$NINEML" run "$V0" -z "$Z" -t 0 -n 200 -i "$1" >"$TMP/gen" 2>/dev/null || fail "generate on the turn failed"
  python3 - "$TMP/gen" "$1" "$2" "$3" <<'PY' || fail "generate mode: $(cat "$TMP/gen")"
import sys
gen, turn = open(sys.argv[1], "rb").read().decode(), sys.argv[2]
assert gen.startswith(turn), "the prompt is not echoed first"
assert "\n</s>\n" in gen[len(turn):], "the greedy reply never reaches EOS within 200 steps"
reply = gen[len(turn):].split("\n</s>\n")[0]
assert reply, "an empty reply does not test the reply"
open(sys.argv[4], "w").write(sys.argv[3] + reply + "\n")
PY
}
# check_chat OUTPUT WANT: OUTPUT starts with WANT's prompts, then the reply
# and the newline at EOS. run.c prints a newline at every position whose
# sample is EOS, prompt positions included, so newlines may come first.
check_chat() {
  python3 - "$1" "$2" <<'PY' || fail "chat with -z: $(head -c 300 "$1")"
import sys
out, want = open(sys.argv[1], "rb").read().decode(), open(sys.argv[2], "rb").read().decode()
prompts = want[:want.index("Assistant: ") + len("Assistant: ")]
reply = want[len(prompts):]
assert out.startswith(prompts), (out[:200], prompts)
assert out[len(prompts):].lstrip("\n").startswith(reply.lstrip("\n")), (out[:200], want)
assert out.count("User: ") >= 2 and out.count("Assistant: ") == 2, "the second turn was not read and answered"
PY
}
with_sys=$(printf '[INST] <<SYS>>\n%s\n<</SYS>>\n\n%s [/INST]' "$SYS" "$U1")
without_sys=$(printf '[INST] %s [/INST]' "$U1")
want_of "$with_sys" "Enter system prompt (optional): User: Assistant: " "$TMP/want1"
want_of "$without_sys" "Enter system prompt (optional): User: Assistant: " "$TMP/want0"
want_of "$with_sys" "User: Assistant: " "$TMP/wanty"
! cmp -s "$TMP/want1" "$TMP/want0" || fail "the system prompt changed nothing"
printf '%s\n%s\n%s\n' "$SYS" "$U1" "$U2" | "$NINEML" run "$V0" -z "$Z" -m chat -t 0 -n 200 >"$TMP/z1" 2>"$TMP/err" ||
  fail "chat -z exited $?: $(cat "$TMP/err")"
check_chat "$TMP/z1" "$TMP/want1"
printf '\n%s\n%s\n' "$U1" "$U2" | "$NINEML" run "$V0" -z "$Z" -m chat -t 0 -n 200 >"$TMP/z0" 2>"$TMP/err" ||
  fail "chat -z without a system prompt exited $?: $(cat "$TMP/err")"
check_chat "$TMP/z0" "$TMP/want0"
printf '%s\n%s\n' "$U1" "$U2" | "$NINEML" run "$V0" -z "$Z" -m chat -t 0 -n 200 -y "$SYS" >"$TMP/zy" 2>"$TMP/err" ||
  fail "chat -z -y exited $?: $(cat "$TMP/err")"
check_chat "$TMP/zy" "$TMP/wanty"

# Errors end the chat with one line on stderr and exit 1 (docs/CLI.md).
# chat_error WANT ARGS...: stdin empty; stderr is one line matching WANT (an extended regex).
chat_error() {
  local want=$1; shift
  "$NINEML" run "$G" -m chat "$@" </dev/null >"$TMP/stdout" 2>"$TMP/stderr"
  local got=$?
  [ "$got" -eq 1 ] || fail "exit $got, expected 1: $* ($(cat "$TMP/stderr"))"
  [ "$(wc -l <"$TMP/stderr")" -eq 1 ] && grep -qxE -- "$want" "$TMP/stderr" ||
    fail "stderr: $(cat "$TMP/stderr"), expected: $want"
}
# A first turn that does not fit in -n positions.
long=$(printf 'word %.0s' $(seq 1 60))
chat_error "9ml: chat: turn 1 is [0-9]+ tokens, more than the 16 positions left of 16" -n 16 -y "" -i "$long"
# -y and -i beyond the chat's buffers (2047 and 4095 bytes).
chat_error "9ml: chat: the system prompt is 3000 bytes; at most 2047 fit" -y "$(printf 'a%.0s' $(seq 1 3000))" -i "hi"
chat_error "9ml: chat: turn 1 is 5000 bytes long; at most 4095 fit" -y "" -i "$(printf 'b%.0s' $(seq 1 5000))"
# A turn the tokenizer rejects (the byte offset is in the rendered template).
chat_error "9ml: chat: turn 1: not valid UTF-8 at byte 9" -y "" -i $'ab\xff'
# ... also when it comes from stdin, after a good turn.
printf 'hi\nab\377\n' | "$NINEML" run "$G" -m chat -t 0 -n 200 -y "" >"$TMP/stdout" 2>"$TMP/stderr"
[ $? -eq 1 ] || fail "stdin turn not UTF-8: exit not 1 ($(cat "$TMP/stderr"))"
grep -q '^9ml: chat: turn 2: not valid UTF-8 at byte ' "$TMP/stderr" || fail "stdin turn: $(cat "$TMP/stderr")"
# The end of stdin is no error.
expect_status 0 "$NINEML" run "$G" -m chat -n 200 -y "" </dev/null
echo ok
