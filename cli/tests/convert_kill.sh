# SIGKILL `9ml convert` and `9ml quantize` at 20 points of their run on a
# 15M-shaped model (about 60 MB of f32, from make_run_fixture, $2) and check
# what is left, whatever the moment the kill landed (the delays spread over
# one measured run, before and past its end, but no assertion depends on
# them):
#   - OUT is its previous content (byte for byte) or, for a fresh OUT, does
#     not exist; or the run got far enough to put the new file in place,
#     and then OUT is the complete output (byte-identical with an
#     uninterrupted run's) and `9ml info` loads it. A run that exited 0
#     must have left the complete output.
#   - With O_TMPFILE (Linux, this file system) no temporary is left: the
#     data is written to an unnamed file. The only name a kill can leave is
#     the one an existing OUT's replacement carries between linkat() and
#     rename() (Linux cannot link over a name), and that file is complete:
#     so any leftover .NAME.9ml-* must equal the full output, and none may
#     be there for a fresh OUT.
. "$(dirname "$0")/lib.sh"
MAKE_FIXTURE=$2
"$MAKE_FIXTURE" "$TMP/in.bin" "$TMP/tok.bin" || fail "make_run_fixture failed"
size=$(wc -c <"$TMP/in.bin")
[ "$size" -gt 50000000 ] || fail "the model is only $size bytes"
# (9ml links an O_TMPFILE into place through /proc/self/fd, so it needs both)
[ -d /proc/self/fd ] && python3 -c 'import os, sys; os.close(os.open(sys.argv[1], os.O_TMPFILE | os.O_WRONLY))' "$TMP" 2>/dev/null &&
  tmpfile=1 || { tmpfile=0; echo "note: no O_TMPFILE here: leftover temporaries not checked"; }

# Each job: the command's arguments after IN OUT; its uninterrupted output
# is the reference, and the time it took sets the kill delays.
jobs=("convert --to gguf-f16" "convert --to v1" "quantize --to v2" "quantize --to gguf-q8_0")
now() { date +%s.%N; }
for j in 0 1 2 3; do
  t0=$(now)
  # shellcheck disable=SC2086
  expect_status 0 "$NINEML" ${jobs[$j]%% *} "$TMP/in.bin" "$TMP/ref$j" ${jobs[$j]#* }
  secs[$j]=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')
done
head -c 3000000 /dev/urandom >"$TMP/old"

killed=0 finished=0 leftovers=0
for run in $(seq 0 19); do
  j=$((run % 4))
  cmd=${jobs[$j]%% *} args=${jobs[$j]#* }
  d=$TMP/run$run
  mkdir -p "$d"
  fresh=$(((run + run / 4) % 2))  # each job alternates fresh and existing OUT
  [ $fresh -eq 1 ] || cp "$TMP/old" "$d/out"
  # Round r = 0..4 kills at a fraction of the measured run: in the load, the
  # conversion, and three points near the end, where the file is written
  # and synced (a run past its end just finishes).
  delay=$(awk -v s="${secs[$j]}" -v r=$((run / 4)) -v k=$j \
    'BEGIN { split("0.15 0.55 0.8 0.9 0.97", f, " "); printf "%.3f", s * f[r + 1] + 0.01 * k }')
  # shellcheck disable=SC2086
  "$NINEML" "$cmd" "$TMP/in.bin" "$d/out" $args >"$d/log" 2>&1 &
  pid=$!
  sleep "$delay"
  kill -KILL $pid 2>/dev/null
  wait $pid 2>/dev/null
  rc=$?
  what="run $run ($cmd $args, ${delay}s, $([ $fresh -eq 1 ] && echo fresh || echo existing) OUT, exit $rc)"
  if [ $rc -eq 0 ]; then
    finished=$((finished + 1))
  else
    [ $rc -eq 137 ] || fail "$what: not killed, failed: $(cat "$d/log")"
    killed=$((killed + 1))
  fi
  if [ -e "$d/out" ] && cmp -s "$d/out" "$TMP/ref$j"; then
    expect_status 0 "$NINEML" info "$d/out"
  elif [ $rc -eq 0 ]; then
    fail "$what: exited 0 but OUT is not the complete output"
  elif [ $fresh -eq 1 ]; then
    [ ! -e "$d/out" ] || fail "$what: a fresh OUT exists but is not complete ($(wc -c <"$d/out") bytes)"
  else
    cmp -s "$d/out" "$TMP/old" || fail "$what: the previous OUT was changed ($(wc -c <"$d/out") bytes now)"
  fi
  if [ $tmpfile -eq 1 ]; then
    for f in "$d"/.out.9ml-*; do
      [ -e "$f" ] || continue
      [ $fresh -eq 0 ] || fail "$what: a fresh OUT left $f"
      cmp -s "$f" "$TMP/ref$j" || fail "$what: left an incomplete temporary $f"
      leftovers=$((leftovers + 1))
    done
    others=$(ls -A "$d" | grep -v -x -e out -e log -e '\.out\.9ml-.*')
    [ -z "$others" ] || fail "$what: left $others"
  fi
  rm -rf "$d"
done
echo "20 runs: $killed killed, $finished finished before the kill, $leftovers complete temporaries left between link and rename"
echo ok
