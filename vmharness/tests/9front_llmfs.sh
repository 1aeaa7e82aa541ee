#!/usr/bin/env bash
# llmfs in the real 9front (issue 17), the classic session (llmfs_session.rc:
# load, clone, temp/topp/seed/steps, prompt, generate, output, status, ids;
# pool-load of two models, a session bound to each, pool/list and
# pool/memory, pool-unload of a model in use refused with the server's text)
# on one of three set-ups ($2):
#   local   9front builds 6.llmfs with `mk llmfs`, `6.llmfs -s llm` posts
#           /srv/llm, the same 9front mounts it on /mnt/llm
#   remote  two 9front guests on a QEMU socket network: A serves 6.llmfs and
#           exports /mnt/llm with aux/listen1 + exportfs -r; B mounts it with
#           srv tcp!10.0.0.1!564 + mount and runs the session
#   host    9front as a client of the host's `9ml llmfs` through QEMU user
#           networking with restrict=on and a guestfwd to its loopback port
# Each session's ids equal the host's `9ml run --ids` with the same settings.
source "$(dirname "$0")/lib.sh"
MODE=${2:-local}
need_9front
SRV_PID=
trap '[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null; rm -rf "$T"' EXIT

# The models: the project's generated fixtures (a llama2.c v0 model with its
# tokenizer, a GGUF Q8_0 llama3 model with an embedded one).
"$NINEML" fixtures --out "$T/fx" --kernel rng >/dev/null || fail "9ml fixtures"
mkdir -p "$T/put"
cp "$T/fx/models/llama2-v0/model.bin" "$T/put/f32.bin"
cp "$T/fx/models/llama3-gguf-q8_0/model.bin" "$T/put/q80.gguf"
cp "$T/fx/vocab/test-vocab.bin" "$T/put/vocab.bin"
cp "$(dirname "$0")/llmfs_session.rc" "$T/put/session.rc"
PROMPT="Once upon a time"
TEMP=0.8 TOPP=0.9 SEED=42 STEPS=40 GSTEPS=24
# Where the server finds the models: in the serving guest's share, or on the host.
if [ "$MODE" = host ]; then D=$T/put; else D=/mnt/host/put; fi
cat >"$T/put/params.rc" <<EOF
M1=$D/f32.bin
M2=$D/q80.gguf
Z=$D/vocab.bin
PROMPT='$PROMPT'
TEMP=$TEMP
TOPP=$TOPP
SEED=$SEED
STEPS=$STEPS
GSTEPS=$GSTEPS
WANT=put
EOF
# The ids each session must give: the host's 9ml run (scalar, 1 thread).
want() {  # NAME MODEL RUN-ARGS...
  local name=$1 model=$2
  shift 2
  "$NINEML" run "$model" "$@" -i "$PROMPT" --ids --no-simd --threads 1 2>/dev/null | grep -E '^(prompt|generated):' \
    >"$T/put/want-$name.txt" && [ -s "$T/put/want-$name.txt" ] || fail "host 9ml run for $name"
}
want default "$T/put/f32.bin" -z "$T/put/vocab.bin" -t $TEMP -p $TOPP -s $SEED -n $STEPS
want small "$T/put/f32.bin" -z "$T/put/vocab.bin" -t 0 -n $GSTEPS
want big "$T/put/q80.gguf" -t 0 -n $GSTEPS
session="rc put/session.rc put/params.rc /mnt/llm >after/session.txt >[2=1]"
serve=("--after" "mk llmfs >[2=1]" "--after" "./6.llmfs -s llm -m /mnt/host/put" "--after" "mount -c /srv/llm /mnt/llm")
case $MODE in
local)
  args=("${serve[@]}" --after "$session")
  got=$T/run/collected/after
  ;;
remote)
  args=("${serve[@]}" --after "aux/listen1 -t tcp!*!564 /bin/exportfs -r /mnt/llm &"
    --peer-after "srv tcp!10.0.0.1!564 llm" --peer-after "mount -c /srv/llm /mnt/llm" --peer-after "$session")
  got=$T/run/collected/peer/after
  ;;
host)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$NINEML" llmfs --listen "tcp!127.0.0.1!$port" --models "$T/put" >"$T/srv.log" 2>&1 &
  SRV_PID=$!
  up() { python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null; }
  poll 30 up || { cat "$T/srv.log"; fail "9ml llmfs does not listen on $port"; }
  args=(--guestfwd "$port" --after "srv tcp!10.0.2.100!564 llm" --after "mount -c /srv/llm /mnt/llm" --after "$session")
  got=$T/run/collected/after
  ;;
*) fail "mode $MODE: expected local, remote or host" ;;
esac
puts=()
for f in "$T"/put/*; do puts+=(--put "$f"); done
# shellcheck disable=SC2046
"$NINEML" vm $(nine_front_args) --kernel rng "${puts[@]}" --run-dir "$T/run" --out "$T/rep" --boot-timeout 120 \
  --test-timeout 600 --after-case "llmfs/$MODE" "${args[@]}" >"$T/log" 2>&1
rc=$?
cat "$T/log"
echo "--- the guest's session"
tr -d '\r' <"$got/session.txt" 2>/dev/null | tee "$T/session.txt"
echo "---"
[ $rc -eq 0 ] || { tail -40 "$T/rep/console.log" 2>/dev/null; [ -n "$SRV_PID" ] && echo "server: $(cat "$T/srv.log")"; fail "9front llmfs $MODE: exit status $rc"; }
S=$T/session.txt
! grep -q 'FAIL' "$S" || fail "the guest session failed (above)"
grep -qx "session done" "$S" || fail "the guest session did not finish"
check_llmfs_session "$S"

# Each session's ids are `9ml run --ids`'s with the same settings (scalar, 1
# thread: what 6.llmfs runs): the guest's session compares them itself (the
# report's case llmfs/MODE), and the host once more here.
for name in default small big; do
  tr -d '\r' <"$got/ids-$name.txt" >"$T/got-$name.txt"
  cmp -s "$T/got-$name.txt" "$T/put/want-$name.txt" ||
    fail "$name: llmfs ids $(cat "$T/got-$name.txt") vs 9ml run $(cat "$T/put/want-$name.txt")"
  [ -s "$got/output-$name.txt" ] || fail "$name: empty output"
  echo "same ids as 9ml run: $name ($(wc -w <"$T/put/want-$name.txt") words)"
done
# The report holds the session as one case beside the kernels'.
python3 - "$T/rep/report.json" "$MODE" <<'PY' || fail "report.json: no passed case llmfs/$MODE"
import json, sys
rep = json.load(open(sys.argv[1]))
cases = [c for c in rep["cases"] if c["case_id"] == "llmfs/" + sys.argv[2]]
env = rep["environment"]
sys.exit(0 if len(cases) == 1 and cases[0]["passed"] and env["guest"] == "guest:9front" and "root.img" in env["guest_image"] else 1)
PY
echo "report case llmfs/$MODE: passed"
no_guest_left "$T/run"
echo "PASS"
