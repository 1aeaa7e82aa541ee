#!/usr/bin/env bash
# 9ml beside llama.cpp on one GGUF: `9ml bench --llama-bench` and the given
# llama-bench binary (-p 128 -n 128 -r 1 -o jsonl) run in turn, R rounds
# interleaved so a neighbour's load falls on both alike, then one table:
# pp128 and tg128 of each tool (mean ± stdev of the rounds' t/s) and their
# ratio. Nothing is downloaded: both the model and llama-bench are the
# user's (docs/PERFORMANCE.md, "Beside llama.cpp").
# Usage: scripts/bench-vs.sh GGUF LLAMA_BENCH [--threads N] [--reps R] [--nineml PATH]
set -euo pipefail
me=bench-vs.sh
usage() { echo "$me: $*; usage: $me GGUF LLAMA_BENCH [--threads N] [--reps R] [--nineml PATH]" >&2; exit 2; }
die() { echo "$me: $*" >&2; exit 1; }
# integer OPT VALUE HI: VALUE a decimal integer in 1..HI, else exit 2.
integer() {
  [[ $2 =~ ^[0-9]+$ ]] && [ "${#2}" -le 4 ] && [ "$2" -ge 1 ] && [ "$2" -le "$3" ] ||
    usage "$1 $2: expected an integer in 1..$3"
}

here=$(cd "$(dirname "$0")" && pwd)
threads=$(nproc 2>/dev/null || echo 1)
[ "$threads" -le 256 ] || threads=256
reps=5
nineml=${NINEML:-}
args=()
while [ $# -gt 0 ]; do
  case $1 in
    --threads|--reps|--nineml)
      [ $# -ge 2 ] || usage "$1: needs a value"
      case $1 in
        --threads) integer "$1" "$2" 256; threads=$2 ;;
        --reps) integer "$1" "$2" 100; reps=$2 ;;
        --nineml) nineml=$2 ;;
      esac
      shift 2 ;;
    -*) usage "$1: unknown option" ;;
    *) args+=("$1"); shift ;;
  esac
done
[ ${#args[@]} -eq 2 ] || usage "expected GGUF and LLAMA_BENCH, got ${#args[@]} argument(s)"
gguf=${args[0]} llama=${args[1]}

# Every input checked before anything runs.
[ -f "$gguf" ] && [ -r "$gguf" ] || die "GGUF $gguf: not a readable file"
[ "$(head -c 4 "$gguf" | tr '\0' .)" = GGUF ] || die "GGUF $gguf: not a GGUF file (no GGUF magic)"
[[ $llama == */* ]] || llama=$(command -v -- "$llama" || echo "$llama")
[ -f "$llama" ] && [ -x "$llama" ] || die "LLAMA_BENCH $llama: not an executable file"
if [ -z "$nineml" ]; then
  if [ -x "$here/../build/9ml" ]; then nineml=$here/../build/9ml; else nineml=$(command -v 9ml || echo 9ml); fi
fi
[ -f "$nineml" ] && [ -x "$nineml" ] || die "--nineml $nineml: not an executable file (build the 9ml target)"
py=${PYTHON:-python3}
command -v "$py" >/dev/null || die "$py: not found (needed to read the jsonl records)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for r in $(seq 1 "$reps"); do
  echo "$me: round $r/$reps: 9ml" >&2
  "$nineml" bench --model "$gguf" --no-probe --threads "$threads" --repeat 1 --prompt 128 --tokens 128 \
    --llama-bench "$tmp/9ml.$r.jsonl" >"$tmp/9ml.$r.out" 2>&1 ||
    die "9ml bench failed in round $r: $(tail -n 1 "$tmp/9ml.$r.out")"
  echo "$me: round $r/$reps: llama-bench" >&2
  "$llama" -m "$gguf" -p 128 -n 128 -t "$threads" -r 1 -o jsonl >"$tmp/llama.$r.jsonl" 2>"$tmp/llama.$r.err" ||
    die "$llama failed in round $r: $(tail -n 1 "$tmp/llama.$r.err")"
done

"$py" - "$tmp" "$reps" "$gguf" "$threads" "$llama" <<'PY'
import json, statistics, sys
tmp, reps, gguf, threads, llama = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
tests = {"pp128": (128, 0), "tg128": (0, 128)}

def rounds(tool, name):
    """Per test, the t/s of each round; the model_type the tool printed."""
    got, mtype = {t: [] for t in tests}, "?"
    for r in range(1, reps + 1):
        path = f"{tmp}/{tool}.{r}.jsonl"
        recs = []
        for i, line in enumerate(open(path, encoding="utf-8", errors="replace"), 1):
            if line.lstrip().startswith("{"):
                try:
                    recs.append(json.loads(line))
                except ValueError as e:
                    sys.exit(f"bench-vs.sh: {name}: round {r}, line {i}: not JSON ({e})")
        for t, (p, g) in tests.items():
            hit = [x for x in recs if x.get("n_prompt") == p and x.get("n_gen") == g and "avg_ts" in x]
            if not hit:
                sys.exit(f"bench-vs.sh: {name}: round {r} printed no {t} record (n_prompt {p}, n_gen {g}, avg_ts)")
            got[t].append(float(hit[0]["avg_ts"]))
            mtype = hit[0].get("model_type", mtype)
    return got, mtype

ours, our_type = rounds("9ml", "9ml")
theirs, their_type = rounds("llama", llama)
def cell(v):
    sd = statistics.stdev(v) if len(v) > 1 else 0.0
    return "%.2f ± %.2f" % (statistics.mean(v), sd)
print(f"model {gguf}: 9ml says {our_type}, llama-bench says {their_type}")
print(f"{threads} thread(s), {reps} round(s) interleaved, t/s as mean ± stdev of the rounds")
print()
print("| test  |               9ml t/s |       llama-bench t/s | 9ml / llama-bench |")
print("| ----- | --------------------: | --------------------: | ----------------: |")
for t in tests:
    a, b = statistics.mean(ours[t]), statistics.mean(theirs[t])
    ratio = "%.2fx" % (a / b) if b > 0 else "-"
    # Widths in characters: "±" is one.
    print(f"| {t} | {cell(ours[t]):>21} | {cell(theirs[t]):>21} | {ratio:>17} |")
PY
