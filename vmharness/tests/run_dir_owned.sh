#!/usr/bin/env bash
# 9ml vm empties or replaces only what it made (docs/VMHARNESS.md, "What 9ml
# vm deletes"): a run dir whose share/ or collected/ holds a user's files, a
# share that is a file or a symlink, a shared.img or qemu.pid that is not its
# own, and a --cache-dir folder with a user's files are refused with one line
# naming the path (exit 2), and every user file is still there; the folders
# it made are emptied on the next run; a run dir in use by another run is
# refused.
source "$(dirname "$0")/lib.sh"
refused() {  # NAME PATH-IN-MESSAGE ARGS...: exit 2, one line naming the path
  local name=$1 path=$2
  shift 2
  timeout 120 "$NINEML" vm --kernel rng --out "$T/rep-$name" "$@" >"$T/log-$name" 2>&1
  local rc=$?
  [ $rc -eq 2 ] || { cat "$T/log-$name"; fail "$name: exit status $rc, expected 2"; }
  [ "$(wc -l <"$T/log-$name")" -eq 1 ] && grep -qF -- "$path" "$T/log-$name" \
    || fail "$name: not one line naming $path: $(cat "$T/log-$name")"
  echo "ok: $name: $(cat "$T/log-$name")"
}
intact() {  # FILE: still holds "precious"
  [ "$(cat "$1" 2>/dev/null)" = precious ] || fail "$1 was deleted or changed"
}
for d in share collected; do
  R="$T/user-$d"
  mkdir -p "$R/$d/sub" && echo precious >"$R/$d/sub/mine.txt"
  refused "$d" "$R/$d" --guest host --run-dir "$R"
  intact "$R/$d/sub/mine.txt"
done
# share as a file, and as a symlink to a user's folder (even one holding the marker).
R="$T/file-share"
mkdir -p "$R" && echo precious >"$R/share"
refused share-file "$R/share" --guest host --run-dir "$R"
intact "$R/share"
R="$T/link-share"
mkdir -p "$R" "$T/elsewhere" && echo precious >"$T/elsewhere/mine.txt" && touch "$T/elsewhere/.9ml-owned"
ln -s "$T/elsewhere" "$R/share"
refused share-link "$R/share" --guest host --run-dir "$R"
intact "$T/elsewhere/mine.txt"
# A shared.img and a qemu.pid that are not 9ml vm's (the fake console stands in for QEMU).
fake=(--guest 9front --image /nonexistent.qcow2 --qemu "$BUILD/fake9front" --qemu-arg="--fake-bin=$BUILD/component")
R="$T/user-img"
mkdir -p "$R" && echo precious >"$R/shared.img"
refused shared-img "$R/shared.img" "${fake[@]}" --run-dir "$R"
intact "$R/shared.img"
R="$T/user-pid"
mkdir -p "$R" && echo precious >"$R/qemu.pid"
refused qemu-pid "$R/qemu.pid" "${fake[@]}" --run-dir "$R"
intact "$R/qemu.pid"
# A --cache-dir whose linux-root (which the Linux guest replaces when it
# holds no kernel) has a user's files: refused before any download or QEMU.
C="$T/cache"
mkdir -p "$C/linux-root" && echo precious >"$C/linux-root/mine.txt"
refused cache-linux-root "$C/linux-root" --guest linux --run-dir "$T/run-cache" --cache-dir "$C"
intact "$C/linux-root/mine.txt"

# What it made, it empties: a marked share and collected are reset on the
# next run; an empty folder is adopted.
R="$T/ours"
mkdir -p "$R/share"
"$NINEML" vm "${fake[@]}" --kernel rng --run-dir "$R" --out "$T/rep-ours" >"$T/log-ours" 2>&1 \
  || { cat "$T/log-ours"; fail "run in a run dir with an empty share/ failed"; }
for d in share collected; do
  [ -f "$R/$d/.9ml-owned" ] || fail "$R/$d has no .9ml-owned marker"
  echo leftover >"$R/$d/leftover.txt"
done
"$NINEML" vm "${fake[@]}" --kernel rng --run-dir "$R" --out "$T/rep-ours" >"$T/log-ours" 2>&1 \
  || { cat "$T/log-ours"; fail "second run in the same run dir failed"; }
for d in share collected; do
  [ ! -e "$R/$d/leftover.txt" ] || fail "$R/$d (ours) was not emptied"
done
report_all_pass "$T/rep-ours"
no_guest_left "$R"
# One run per run dir: a second one while the folder is locked stops, exit 2.
exec 9<"$R"
flock 9
refused locked "in use by another 9ml vm" "${fake[@]}" --run-dir "$R"
exec 9<&-
echo "PASS"
