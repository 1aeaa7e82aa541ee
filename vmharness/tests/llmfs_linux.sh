#!/usr/bin/env bash
# Linux's own 9P client against the host's `9ml llmfs` (issue 17): the Linux
# guest with Debian's standard kernel (--kernel-flavor standard) and no
# network mounts the server through a virtio-serial port whose other end is
# the server's unix socket, and runs the classic shell session
# (llmfs_session.sh): load, clone, temp/topp/seed/steps, prompt, generate,
# output, status, ids; pool-load of two models, a session bound to each,
# pool/list and pool/memory, pool-unload of a model in use refused with the
# server's text. The host then checks what the session printed and that each
# session's ids equal `9ml run --ids` with the same model, prompt, temp, topp,
# seed and steps.
source "$(dirname "$0")/lib.sh"
need_linux_standard
SRV_PID=
trap '[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null; rm -rf "$T"' EXIT

# Bad uses of the options: one line naming the option, exit 2, nothing booted.
bad() {  # WANT ARGS...
  local want=$1
  shift
  "$NINEML" vm --guest linux --kernel rng --run-dir "$T/run-bad" --out "$T/rep-bad" "$@" >"$T/log-bad" 2>&1
  local rc=$?
  [ $rc -eq 2 ] && [ "$(wc -l <"$T/log-bad")" -eq 1 ] && grep -qF -- "$want" "$T/log-bad" ||
    fail "$*: exit $rc, expected 2 and one line with '$want': $(cat "$T/log-bad")"
}
bad "--kernel-flavor tiny: expected cloud or standard" --kernel-flavor tiny
bad "--llmfs-socket needs --guest linux --kernel-flavor standard" --llmfs-socket "$T/nosuch.sock"
bad "--llmfs-socket $T/nosuch.sock: not a listening unix socket" --kernel-flavor standard --llmfs-socket "$T/nosuch.sock"
echo "ok: option errors"
echo "progress: 9ml fixtures, 9ml llmfs, then the guest (TCG: boot about 6 s)"

# The models: the project's generated fixtures (a llama2.c v0 model with its
# tokenizer, a GGUF Q8_0 llama3 model with an embedded one).
"$NINEML" fixtures --out "$T/fx" --kernel rng >/dev/null || fail "9ml fixtures"
M1=$T/fx/models/llama2-v0/model.bin
M2=$T/fx/models/llama3-gguf-q8_0/model.bin
Z=$T/fx/vocab/test-vocab.bin
PROMPT="Once upon a time"
TEMP=0.8 TOPP=0.9 SEED=42 STEPS=40 GSTEPS=24

SOCK=$T/llmfs.sock
"$NINEML" llmfs --listen "unix!$SOCK" --models "$T/fx" >"$T/srv.log" 2>&1 &
SRV_PID=$!
sock_up() { [ -S "$SOCK" ]; }
poll 30 sock_up || { cat "$T/srv.log"; fail "9ml llmfs did not create $SOCK"; }

mkdir -p "$T/put"
cp "$(dirname "$0")/llmfs_session.sh" "$T/put/llmfs_session.sh"
cat >"$T/put/params.sh" <<EOF
M1='$M1'
M2='$M2'
Z='$Z'
PROMPT='$PROMPT'
TEMP=$TEMP TOPP=$TOPP SEED=$SEED STEPS=$STEPS GSTEPS=$GSTEPS
EOF
# Its own cache: the cloud-kernel tests, which CTest may run at the same
# time, stage their initramfs in BUILD/vm-cache.
"$NINEML" vm --guest linux --kernel-flavor standard --llmfs-socket "$SOCK" --kernel rng --smp 1 \
  --cache-dir "$BUILD/vm-cache-llmfs" --run-dir "$T/run" --out "$T/rep" --boot-timeout 240 --test-timeout 300 \
  --put "$T/put/llmfs_session.sh" --put "$T/put/params.sh" \
  --after 'sh put/llmfs_session.sh put/params.sh >after/session.txt 2>&1' >"$T/log" 2>&1
rc=$?
cat "$T/log"
got=$T/run/collected/after
echo "--- the guest's session"
cat "$got/session.txt" 2>/dev/null
echo "---"
[ $rc -eq 0 ] || { tail -40 "$T/rep/console.log" 2>/dev/null; echo "server: $(cat "$T/srv.log")"; fail "linux guest llmfs session: exit status $rc"; }
kill -0 "$SRV_PID" 2>/dev/null || { cat "$T/srv.log"; fail "9ml llmfs is gone after the session"; }
S=$got/session.txt
! grep -q '^FAIL' "$S" && ! grep -q 'FAIL:' "$S" || fail "the guest session failed (above)"
grep -qx "session done" "$S" || fail "the guest session did not finish"
val() { sed -n "s/^$1: //p" "$S" | head -1; }
[ "$(val net)" = "lo " ] || fail "the guest had network devices: $(val net)"
check_llmfs_session "$S"

# Each session's ids are `9ml run --ids`'s with the same settings.
same_ids() {  # NAME MODEL RUN-ARGS...
  local name=$1 model=$2
  shift 2
  "$NINEML" run "$model" "$@" -i "$PROMPT" --ids 2>/dev/null | grep -E '^(prompt|generated):' >"$T/want-$name.txt" ||
    fail "host 9ml run for $name"
  cmp -s "$got/ids-$name.txt" "$T/want-$name.txt" ||
    fail "$name: llmfs ids $(cat "$got/ids-$name.txt") vs 9ml run $(cat "$T/want-$name.txt")"
  [ -s "$got/output-$name.txt" ] || fail "$name: empty output"
  echo "same ids as 9ml run: $name ($(wc -w <"$T/want-$name.txt") words)"
}
same_ids default "$M1" -z "$Z" -t $TEMP -p $TOPP -s $SEED -n $STEPS
same_ids small "$M1" -z "$Z" -t 0 -n $GSTEPS
same_ids big "$M2" -t 0 -n $GSTEPS
grep -E '^9ml vm: (boot|after)' "$T/log" | sed 's/^/time: /'
kill "$SRV_PID"
wait "$SRV_PID" 2>/dev/null
SRV_PID=
no_guest_left "$T/run"
echo "PASS"
