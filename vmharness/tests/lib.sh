# Shared by the vmharness tests: $NINEML (the 9ml binary), a scratch dir,
# checks on report.json, and the no-QEMU-left check.
set -u
NINEML=$1
# Injected crashes must die by their signal in sanitizer builds too.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0"
BUILD=$(cd "$(dirname "$NINEML")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# report_has DIR TEXT: some case failure mentions TEXT.
report_has() {
  python3 - "$1/report.json" "$2" <<'PY' || fail "report $1 has no failure mentioning '$2'"
import json, sys
r = json.load(open(sys.argv[1]))
bad = [c for c in r["cases"] if not c["passed"]]
sys.exit(0 if bad and any(sys.argv[2] in c["failure"] for c in bad) else 1)
PY
}
# report_all_pass DIR: every case passed and there are some.
report_all_pass() {
  python3 - "$1/report.json" <<'PY' || fail "report $1: not every case passed"
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if r["cases"] and all(c["passed"] for c in r["cases"]) else 1)
PY
}
# no_guest_left RUN_DIR: no process of ours still runs with RUN_DIR in its command line.
no_guest_left() {
  local left
  left=$(ps -eo pid=,args= | grep -F -- "$1" | grep -v -e grep -e "ps -eo" || true)
  [ -z "$left" ] || fail "processes left running: $left"
  [ ! -e "$1/qemu.pid" ] || fail "$1/qemu.pid left behind"
}
# need_9front: sets NF_DIR to the real 9front for QEMU (kernel 9pc64q, root
# image root.img), unpacked once into the build tree from the tarball in
# $NINEML_9FRONT (.ci/run sets it from ../shared/9front). Without the variable
# the test did not run: exit 77 (CTest: skipped), except in CI, where a 9front
# test that cannot run is a failure.
need_9front() {
  if [ -z "${NINEML_9FRONT:-}" ]; then
    if [ "${CI:-}" = "true" ]; then fail "NINEML_9FRONT is not set: the real 9front tests must run in CI"; fi
    echo "SKIP: did not run: NINEML_9FRONT (a folder holding 9front-qemu.tar.zst, e.g. ../shared/9front) is not set"
    exit 77
  fi
  local tarball="$NINEML_9FRONT/9front-qemu.tar.zst"
  [ -r "$tarball" ] || fail "NINEML_9FRONT=$NINEML_9FRONT: no readable 9front-qemu.tar.zst there"
  command -v zstd >/dev/null || fail "zstd is not installed (scripts/install-deps.sh installs it)"
  local dest="$BUILD/9front" stamp
  stamp="unpacked-$(stat -c %s-%Y "$tarball")"
  (
    flock 9
    if [ ! -e "$dest/$stamp" ]; then
      echo "9front: unpacking $tarball into $dest"
      rm -rf "$dest" && mkdir -p "$dest.tmp" && tar -I zstd -xf "$tarball" -C "$dest.tmp" \
        && mv "$dest.tmp" "$dest" && touch "$dest/$stamp" || { rm -rf "$dest.tmp"; exit 1; }
    fi
  ) 9>"$BUILD/9front.lock" || fail "could not unpack $tarball"
  NF_DIR="$dest/9front-qemu"
  [ -f "$NF_DIR/9pc64q" ] && [ -f "$NF_DIR/root.img" ] || fail "$tarball holds no 9front-qemu/9pc64q and root.img"
}
# need_linux_standard: what a Linux guest with Debian's standard kernel
# (--kernel-flavor standard) needs: qemu-system-x86_64 and the kernel's .deb
# that scripts/install-deps.sh downloads into /var/cache/9ml/linux-image
# (NINEML_LINUX_DEB_DIR names another). Without them the test did not run:
# exit 77 (CTest: skipped), except in CI, where it fails.
need_linux_standard() {
  local dir=${NINEML_LINUX_DEB_DIR:-/var/cache/9ml/linux-image} why=
  if ! command -v qemu-system-x86_64 >/dev/null; then
    why="qemu-system-x86_64 is not installed (scripts/install-deps.sh installs qemu-system-x86)"
  elif ! ls "$dir" 2>/dev/null | grep -qE '^linux-image-[0-9]+\.[0-9]+\.[0-9]+-[0-9]+-amd64_[^_]+_amd64\.deb$'; then
    why="no linux-image-X.Y.Z-N-amd64_*.deb in $dir (the standard kernel; scripts/install-deps.sh downloads it)"
  fi
  [ -z "$why" ] && return 0
  if [ "${CI:-}" = "true" ]; then fail "$why: the Linux standard-kernel tests must run in CI"; fi
  echo "SKIP: did not run: $why"
  exit 77
}
# The 9front options of `9ml vm` for NF_DIR.
nine_front_args() {
  echo --guest 9front --kernel-file "$NF_DIR/9pc64q" --append console=0 --image "$NF_DIR/root.img"
}
# qemu_pids RUN_DIR: the QEMU processes of that run, found by RUN_DIR/ in
# /proc/*/cmdline (every emulator 9ml vm starts names its run dir there).
qemu_pids() {
  local f pid
  for f in $(grep -lsF -- "$1/" /proc/[0-9]*/cmdline); do
    pid=${f#/proc/}
    pid=${pid%/cmdline}
    case $(cat "/proc/$pid/comm" 2>/dev/null) in qemu-system*) echo "$pid" ;; esac
  done
}
# poll SECONDS CMD...: runs CMD every 0.1 s until it succeeds; status 1 after
# SECONDS (a bound against hanging, not a measurement).
poll() {
  local end=$((SECONDS + $1))
  shift
  until "$@"; do
    [ $SECONDS -lt $end ] || return 1
    sleep 0.1
  done
}
# in_pidfile RUN_DIR PID: PID has a line in RUN_DIR/qemu.pid.
in_pidfile() { grep -q "^$2 " "$1/qemu.pid" 2>/dev/null; }
# start_probe_run NAME: `9ml vm --guest linux` in the background (its pid in
# $pid) with run dir $T/run-NAME, whose KVM probe is a paused TCG QEMU
# (probe_wrapper.sh; /dev/null stands for /dev/kvm); returns once the
# probe's QEMU is in the pidfile, its pid in $PROBE_PID_FILE.
start_probe_run() {
  export PROBE_PID_FILE="$T/probe.pid"
  NINEML_VM_KVM_DEVICE=/dev/null "$NINEML" vm --guest linux --kernel rng --smp 1 --run-dir "$T/run-$1" \
    --out "$T/rep-$1" --qemu "$(dirname "$0")/probe_wrapper.sh" --boot-timeout 240 >"$T/log-$1" 2>&1 &
  pid=$!
  probe_tracked() { [ -s "$PROBE_PID_FILE" ] && in_pidfile "$T/run-$1" "$(cat "$PROBE_PID_FILE")"; }
  poll 120 probe_tracked "$1" || { kill -KILL $pid; cat "$T/log-$1"; fail "$1: no KVM probe QEMU in the pidfile"; }
}
# check_llmfs_session FILE: the "key: value" lines of llmfs's classic session
# (llmfs_session.sh in the Linux guest, llmfs_session.rc in 9front): the
# listings, the statuses, the bound models, the refused pool-unload and the
# pool figures (docs/LLMFS.md). The ids are each test's own comparison.
check_llmfs_session() {
  local S=$1 f k a m m0 m1 m2 m3 c0 c2 c3
  val() { sed -n "s/^$1: //p" "$S" | head -1; }
  field() { val "$1" | sed -n "s/.*$2 \([^ ]*\).*/\1/p"; }
  for f in ctl model clone pool; do
    [[ " $(val root) " == *" $f "* ]] || fail "root listing lacks $f: $(val root)"
  done
  for f in count memory list limit; do
    [[ " $(val pool) " == *" $f "* ]] || fail "pool listing lacks $f: $(val pool)"
  done
  for f in ctl model prompt output stream status ids; do
    [[ " $(val files) " == *" $f "* ]] || fail "session listing lacks $f: $(val files)"
  done
  [[ $(val model) == *" "* ]] || fail "model info: $(val model)"
  [ "$(val 'status before')" = idle ] || fail "status before generate: $(val 'status before')"
  for k in 'status after' 'status a' 'status b'; do
    [[ $(val "$k") =~ ^done\ [0-9.]+\ tok/s$ ]] || fail "$k: $(val "$k")"
  done
  [ "$(val bound)" = "(default)" ] || fail "the first session's model: $(val bound)"
  [ "$(val 'bound a')" = small ] || fail "session a's model: $(val 'bound a')"
  [ "$(val 'bound b')" = big ] || fail "session b's model: $(val 'bound b')"
  # pool-unload of a model in use: the server's error text, and nothing changed.
  a=$(val sessions | cut -d' ' -f1)
  [ "$(val 'unload in use')" = "pool-unload small: in use by session $a" ] || fail "unload in use: $(val 'unload in use')"
  # Pool figures: the two named models listed, memory grows with each load and
  # shrinks with the unload.
  m0=$(field 'pool before' memory) m1=$(field 'pool after small' memory) m2=$(field 'pool after big' memory)
  m3=$(field 'pool after unload' memory)
  for m in "$m0" "$m1" "$m2" "$m3"; do [[ $m =~ ^[0-9]+$ ]] || fail "pool/memory not a decimal: $m"; done
  [ "$m1" -gt "$m0" ] && [ "$m2" -gt "$m1" ] && [ "$m3" -lt "$m2" ] || fail "pool/memory: $m0 -> $m1 -> $m2 -> $m3"
  c0=$(field 'pool before' count) c2=$(field 'pool after big' count) c3=$(field 'pool after unload' count)
  [ "$c2" -eq $((c0 + 2)) ] && [ "$c3" -eq $((c0 + 1)) ] || fail "pool/count: $c0 -> $c2 -> $c3"
  [ "$(field 'pool after refusal' count)" = "$c2" ] || fail "a refused pool-unload changed pool/count"
  case ",$(field 'pool bound' list)," in *,small,*) ;; *) fail "pool/list lacks small: $(field 'pool bound' list)" ;; esac
  case ",$(field 'pool bound' list)," in *,big,*) ;; *) fail "pool/list lacks big: $(field 'pool bound' list)" ;; esac
  case ",$(field 'pool after unload' list)," in *,small,*) fail "pool/list after the unload: $(field 'pool after unload' list)" ;; esac
  [ "$(field 'pool after big' list | cut -d, -f1)" = big ] || fail "pool/list after pool-load big: most recent first: $(field 'pool after big' list)"
  echo "ok: the session's files and pool figures"
}
