#!/usr/bin/env bash
# The 9front guests' networks (vmharness/network.cpp, peer.cpp), loopback
# only: (1) --guestfwd: a guest on QEMU user networking with restrict=on
# reaches a server on the host's 127.0.0.1 through tcp!10.0.2.100!564, one
# host connection per guest connection, closed when the guest closes it,
# and cannot reach the host through the gateway; (2) --peer-after: a second
# guest on a socket network mounts what the first one exports with
# aux/listen1 + exportfs -r, and its files come back in collected/peer.
source "$(dirname "$0")/lib.sh"
need_9front
# (1) A host server: greets, logs what it reads until the client closes.
cat >"$T/srv.py" <<'PY'
import socket, sys, threading
s = socket.socket()
s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
log = open(sys.argv[2], "a", buffering=1)
def serve(c):
    c.sendall(b"hello from the host\n")
    got = b""
    while True:
        b = c.recv(4096)
        if not b: break
        got += b
    log.write("closed after %r\n" % got)
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
python3 "$T/srv.py" "$T/port" "$T/srv.log" &
srv=$!
trap 'kill $srv 2>/dev/null; rm -rf "$T"' EXIT
poll 20 test -s "$T/port" || fail "the host server did not start"
port=$(cat "$T/port")
# greeted_dial N: an rc line that sends pingN, keeps the connection open until
# the host's greeting has arrived (at most 30 s: the relay is a process the
# host starts per connection, slow on a loaded machine), then closes it.
greeted_dial() {
  echo "{echo ping$1; n=(); while(! grep -s 'hello from the host' after/d$1.txt && ! ~ \$#n 30) {sleep 1; n=(\$n 1)}} | aux/dial tcp!10.0.2.100!564 >after/d$1.txt; status=''"
}
# shellcheck disable=SC2046
"$NINEML" vm $(nine_front_args) --kernel rng --run-dir "$T/run1" --out "$T/rep1" --boot-timeout 120 --guestfwd "$port" \
  --after "$(greeted_dial 1)" --after "$(greeted_dial 2)" \
  --after "aux/dial tcp!10.0.2.2!$port </dev/null >[2]after/gw.txt; echo \$status >>after/gw.txt" >"$T/log1" 2>&1
rc=$?
cat "$T/log1"
[ $rc -eq 0 ] || { tail -30 "$T/rep1/console.log"; fail "guestfwd run: exit status $rc"; }
got="$T/run1/collected/after"
for n in 1 2; do
  grep -q "hello from the host" "$got/d$n.txt" || fail "connection $n: the guest did not read the host's greeting"
  poll 10 grep -q "closed after b'ping$n\\\\n'" "$T/srv.log" || fail "connection $n: the host did not see ping$n and the close: $(cat "$T/srv.log")"
done
[ "$(grep -c closed "$T/srv.log")" -eq 2 ] || fail "expected 2 host connections: $(cat "$T/srv.log")"
grep -q "connection refused" "$got/gw.txt" || fail "restrict=on: the gateway reached the host: $(cat "$got/gw.txt")"
no_guest_left "$T/run1"
echo "ok: guestfwd: two guest connections, two host connections closed by the guest; the gateway is refused"
# (2) Two guests: A exports a folder, B (the peer) mounts it and writes what it read to its after/.
# shellcheck disable=SC2046
"$NINEML" vm $(nine_front_args) --kernel rng --run-dir "$T/run2" --out "$T/rep2" --boot-timeout 120 \
  --after "mkdir -p /tmp/x; echo hello from A >/tmp/x/f; aux/listen1 -t tcp!*!564 /bin/exportfs -r /tmp/x &" \
  --peer-after "srv -c tcp!10.0.0.1!564 x /n/x && cat /n/x/f >after/f.txt" \
  --peer-after "echo written by B >/n/x/g && cat /n/x/g >after/g.txt" >"$T/log2" 2>&1
rc=$?
cat "$T/log2"
[ $rc -eq 0 ] || { tail -40 "$T/rep2/console.log"; fail "peer run: exit status $rc"; }
[ "$(tr -d '\r' <"$T/run2/collected/peer/after/f.txt")" = "hello from A" ] || fail "B did not read A's file"
[ "$(tr -d '\r' <"$T/run2/collected/peer/after/g.txt")" = "written by B" ] || fail "B could not write into A's export"
grep -q "==== peer guest (10.0.0.2) ====" "$T/rep2/console.log" || fail "the peer's console is not in console.log"
[ "$(grep -c "done halting" "$T/rep2/console.log")" -eq 2 ] || fail "both guests must halt through fshalt"
no_guest_left "$T/run2"
# (3) A peer command that fails is a fault of the run (exit 1), named with "peer:".
# shellcheck disable=SC2046
"$NINEML" vm $(nine_front_args) --kernel rng --run-dir "$T/run3" --out "$T/rep3" --boot-timeout 120 \
  --after "echo nothing served" --peer-after "srv tcp!10.0.0.1!564 x" >"$T/log3" 2>&1
rc=$?
[ $rc -eq 1 ] || { cat "$T/log3"; fail "a failing peer command: exit status $rc, expected 1"; }
grep -q "FAULT fault command_failed: peer: srv tcp!10.0.0.1!564 x: status" "$T/log3" || { cat "$T/log3"; fail "the peer's failure is not reported"; }
no_guest_left "$T/run3"
echo "ok: peer: B mounted A's export (srv + mount -c), read and wrote; a failing peer command fails the run"
echo "PASS"
