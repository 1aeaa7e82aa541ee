# The classic llmfs shell session, run by busybox sh inside the Linux guest
# (standard kernel) of vmharness.llmfs_linux: Linux's own 9P client (v9fs,
# trans=fd over the virtio-serial port's FIFOs, docs/VMHARNESS.md) mounts
# the host's `9ml llmfs` on /mnt/llm. $1: a file setting M1 Z M2 PROMPT TEMP
# TOPP SEED STEPS GSTEPS (host paths: the server opens them). Prints one
# "key: value" line per step for the host to check, writes the generated
# files into after/, and exits 1 at the first step that fails ("FAIL: ...").
. "$1"
L=/mnt/llm
A=after
# The Rerror text of the last failed operation: with version=9p2000 the
# program sees only errno 526; the kernel logs the server's text.
last_error() { dmesg | sed -n 's/.*server reported unknown error //p' | tail -1; }
fail() {
  echo "FAIL: $*"
  echo "last 9P error: $(last_error)"
  cd /
  umount $L 2>/dev/null
  exit 1
}
# w FILE TEXT: `echo TEXT > FILE` must succeed.
w() { echo "$2" >"$1" || fail "echo $2 > $1: $(last_error)"; }
# r FILE: its contents, which must be readable.
r() { cat "$1" || fail "cat $1: $(last_error)"; }

net=$(ls /sys/class/net | tr '\n' ' ')
echo "net: $net"
[ "$net" = "lo " ] || fail "the guest has network devices: $net"
mkdir -p $L
mount -t 9p -o trans=fd,rfdno=3,wfdno=4,version=9p2000 llmfs $L 3<>/run/llmfs.in 4<>/run/llmfs.out ||
  fail "mount: $(dmesg | tail -3)"
echo "root: $(ls $L | tr '\n' ' ')"
echo "pool: $(ls $L/pool | tr '\n' ' ')"

# One session on the default model, the sampler's settings from the host.
w $L/ctl "load $M1 $Z"
echo "model: $(r $L/model)"
n=$(r $L/clone)
echo "session: $n"
[ -d $L/$n ] || fail "no $L/$n after reading clone"
echo "files: $(ls $L/$n | tr '\n' ' ')"
echo "status before: $(r $L/$n/status)"
w $L/$n/ctl "temp $TEMP"
w $L/$n/ctl "topp $TOPP"
w $L/$n/ctl "seed $SEED"
w $L/$n/ctl "steps $STEPS"
printf '%s' "$PROMPT" >$L/$n/prompt || fail "prompt: $(last_error)"
w $L/$n/ctl generate
r $L/$n/output >$A/output-default.txt
echo "status after: $(r $L/$n/status)"
r $L/$n/ids >$A/ids-default.txt
echo "bound: $(r $L/$n/model)"

# The pool: two named models, a session bound to each.
echo "pool before: count $(r $L/pool/count) memory $(r $L/pool/memory) list $(r $L/pool/list) limit $(r $L/pool/limit)"
w $L/ctl "pool-load small $M1 $Z"
echo "pool after small: count $(r $L/pool/count) memory $(r $L/pool/memory) list $(r $L/pool/list)"
w $L/ctl "pool-load big $M2 -"
echo "pool after big: count $(r $L/pool/count) memory $(r $L/pool/memory) list $(r $L/pool/list)"
a=$(r $L/clone)
b=$(r $L/clone)
echo "sessions: $a $b"
[ "$a" != "$b" ] && [ "$a" != "$n" ] || fail "clone gave $n, $a, $b"
w $L/$a/model small
w $L/$b/model big
echo "bound a: $(r $L/$a/model)"
echo "bound b: $(r $L/$b/model)"
for s in $a $b; do
  w $L/$s/ctl "temp 0"
  w $L/$s/ctl "steps $GSTEPS"
  printf '%s' "$PROMPT" >$L/$s/prompt || fail "prompt $s: $(last_error)"
  w $L/$s/ctl generate
done
r $L/$a/output >$A/output-small.txt
r $L/$b/output >$A/output-big.txt
r $L/$a/ids >$A/ids-small.txt
r $L/$b/ids >$A/ids-big.txt
echo "status a: $(r $L/$a/status)"
echo "status b: $(r $L/$b/status)"
echo "pool bound: count $(r $L/pool/count) memory $(r $L/pool/memory) list $(r $L/pool/list)"

# pool-unload of a model a session holds: the write fails with the server's text.
if echo "pool-unload small" >$L/ctl; then fail "pool-unload small succeeded while session $a holds it"; fi
echo "unload in use: $(last_error)"
echo "pool after refusal: count $(r $L/pool/count) list $(r $L/pool/list)"
# Once the session is closed it unloads.
w $L/$a/ctl close
w $L/ctl "pool-unload small"
echo "pool after unload: count $(r $L/pool/count) memory $(r $L/pool/memory) list $(r $L/pool/list)"
w $L/$b/ctl close
w $L/$n/ctl close
echo "root after close: $(ls $L | tr '\n' ' ')"
cd /
umount $L || fail "umount $L"
echo "session done"
