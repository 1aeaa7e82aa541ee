# llmfs's Plan 9 main (engine/tools/llmfs.c, 9front's 6.llmfs) built on the
# host over the POSIX port (p9_llmfs): bad arguments exit 2 with one line;
# a server that cannot start (a -m folder that does not resolve, a -l
# command that fails, an address it cannot serve, srv! outside Plan 9) exits
# 1 with its message and leaves nothing running; otherwise it returns once it
# serves, printing the -a address, with the server in the background, and a
# session there gives `9ml run --ids`'s tokens. $2: the plan9/ folder, $3:
# llmfs_client.
. "$(dirname "$0")/lib.sh"
P9=$2/p9_llmfs
CLIENT=$3
"$NINEML" fixtures --out "$TMP/fx" --seed 1 --kernel softmax >/dev/null 2>&1 || fail "fixtures"
mkdir -p "$TMP/models"
cp "$TMP/fx/models/llama2-v0/model.bin" "$TMP/models/v0.bin"
cp "$TMP/fx/vocab/test-vocab.bin" "$TMP/models/tok.bin"
M=$TMP/models
SOCK=$TMP/llm.sock
# The background server, found by its socket path (unique to this test).
server_pids() {
  local f pid
  for f in $(grep -lsF -- "$SOCK" /proc/[0-9]*/cmdline); do
    pid=${f#/proc/}
    pid=${pid%/cmdline}
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = p9_llmfs ] && echo "$pid"
  done
}
trap 'for p in $(server_pids); do kill -9 "$p"; done; rm -rf "$TMP"' EXIT

one_line() {  # STATUS TEXT ARGS...: exit STATUS, one line of output holding TEXT
  local want=$1 text=$2
  shift 2
  expect_status "$want" timeout 60 "$P9" "$@"
  [ "$(wc -l <"$TMP/out")" -eq 1 ] && grep -qF -- "$text" "$TMP/out" || fail "$*: $(cat "$TMP/out")"
}
one_line 2 "llmfs: -x: unknown option" -x 1
one_line 2 "llmfs: -t: must be 1..256" -t 0
one_line 2 "llmfs: -m: needs a value" -m
one_line 2 "llmfs: -s: a name without '/'" -s a/b
one_line 2 "llmfs: extra: unknown argument" extra
one_line 1 "llmfs: -m: $TMP/nonesuch" -a "unix!$SOCK" -m "$TMP/nonesuch"
one_line 1 "llmfs: -l: load: $M/nonesuch.bin" -a "unix!$SOCK" -m "$M" -l "load $M/nonesuch.bin $M/tok.bin"
one_line 1 "llmfs: -l: load: /etc/passwd: outside the --models folders" -a "unix!$SOCK" -m "$M" -l "load /etc/passwd -"
one_line 1 "llmfs: srv!llm" -s llm
one_line 1 "llmfs: udp!x!1" -a 'udp!x!1'
[ -z "$(server_pids)" ] || fail "a server that failed to start is still running"
echo "ok: bad arguments and failed starts"

# Serving: the command returns at once (it would hang under timeout or $(...)
# if the background server held its output) and prints the address.
addr=$(timeout 60 "$P9" -a "unix!$SOCK" -m "$M" -l "load $M/v0.bin $M/tok.bin" -t 1) || fail "p9_llmfs did not start"
[ "$addr" = "unix!$SOCK" ] || fail "printed address: $addr"
[ -S "$SOCK" ] || fail "no socket at $SOCK"
[ -n "$(server_pids)" ] || fail "no server in the background"
"$CLIENT" "unix!$SOCK" >"$TMP/session" <<SCRIPT || fail "client: $(cat "$TMP/session")"
clone
write \$n/ctl temp 0.8
write \$n/ctl topp 0.9
write \$n/ctl seed 42
write \$n/ctl steps 40
write \$n/prompt Once upon a time
write \$n/ctl generate
cat \$n/ids
cat \$n/status
SCRIPT
"$NINEML" run "$M/v0.bin" -z "$M/tok.bin" -t 0.8 -p 0.9 -s 42 -n 40 -i "Once upon a time" --ids >"$TMP/run" 2>/dev/null ||
  fail "9ml run"
grep -E '^(prompt|generated):' "$TMP/session" >"$TMP/ids"
cmp -s "$TMP/ids" "$TMP/run" || fail "p9_llmfs ids differ from 9ml run's: $(cat "$TMP/ids") / $(cat "$TMP/run")"
grep -qE '^done [0-9.]+ tok/s$' "$TMP/session" || fail "status: $(cat "$TMP/session")"
echo "ok: served in the background; the session's ids are 9ml run's"
exit 0
