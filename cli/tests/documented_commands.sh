# Every command and every option the documentation shows (README.md's "The
# `9ml` tool" block, the synopses of docs/CLI.md), run at least once on the
# small generated models, with its exit status and a look at its output
# (bench --model prints the model's real shape, run generates, info reports
# what was converted, ...). In the sanitizer tree this is the ASan/UBSan run
# of every documented path. The last step parses the synopses and fails on
# any command, option or listed value (`-m generate|chat`) no run used, so a
# new documented option needs a run here. Not run: `vm` beyond --help (its
# guests have their own tests, vmharness/tests) and bench's bandwidth probe
# (tens of seconds of memory streaming; every bench run uses --no-probe).
# $2 is the source directory (README.md, docs/CLI.md), $3 check-port's
# correct test port (cli/tests/ports/).
. "$(dirname "$0")/lib.sh"
SRC=$2
RAN=$TMP/ran  # every invocation, one line each, for the coverage check
# ok ARGS...: 9ml ARGS exits 0 (stdin empty); stdout+stderr in $TMP/out.
ok() {
  printf '%s\n' "$*" >>"$RAN"
  expect_status 0 "$NINEML" "$@" </dev/null
}
# ok_in INPUT ARGS...: the same with INPUT on stdin.
ok_in() {
  local input=$1; shift
  printf '%s\n' "$*" >>"$RAN"
  printf '%s' "$input" | "$NINEML" "$@" >"$TMP/out" 2>&1 || { cat "$TMP/out" >&2; fail "exit $?: $*"; }
}
has() { grep -qE -- "$1" "$TMP/out" || fail "$2: no '$1' in: $(head -c 600 "$TMP/out")"; }

# fixtures: the models and the tokenizer everything else uses.
ok fixtures --out "$TMP/fx" --seed 1 --kernel softmax
has '^wrote [0-9]+ cases .* and [0-9]+ models to ' "fixtures"
V0=$TMP/fx/models/llama2-v0/model.bin
G=$TMP/fx/models/llama3-gguf-q8_0/model.bin
Z=$TMP/fx/vocab/test-vocab.bin
for f in "$V0" "$G" "$Z" "$TMP/fx/manifest.json"; do [ -s "$f" ] || fail "fixtures did not write $f"; done

# conform: a small selection, every option; report files; a repro by --case.
ok conform --kernel softmax --impl engine-scalar --seed 2 --out "$TMP/c1" --quiet
has '^[1-9][0-9]* passed, 0 failed$' "conform"
for f in report.json junit.xml summary.md index.html; do [ -s "$TMP/c1/$f" ] || fail "conform wrote no $f"; done
ok conform --kernel softmax --impl engine-scalar --seed 2 --out "$TMP/c2"
has '^[1-9][0-9]* passed, 0 failed$' "conform (progress lines)"
ok conform --kernel rmsnorm --list
key=$(grep -m1 '^rmsnorm/' "$TMP/out")
[ -n "$key" ] || fail "conform --list printed no rmsnorm case"
ok conform --case "$key" --out "$TMP/c3" --quiet
has '^[1-9] passed, 0 failed$' "conform --case"

# conform --shard and report merge: two shards joined give the unsharded counts.
ok conform --kernel rng --shard 1/2 --out "$TMP/sh1" --quiet
ok conform --kernel rng --shard 2/2 --shard-durations "$TMP/sh1/report.json" --out "$TMP/sh2" --quiet
ok report merge "$TMP/sh1/report.json" "$TMP/sh2/report.json" --out "$TMP/shm"
has '^merged 2 reports: [1-9][0-9]* case runs, [1-9][0-9]* passed, 0 failed' "report merge"

# conform's CI habits: known deviations (--xfail) injected with NINEML_FAULT,
# -j, --maxfail; then -x and --last-failed rerun a failed run's failures, fixed.
printf '# a known deviation\nsoftmax/* engine-scalar perturbed on purpose\n' >"$TMP/xfail.txt"
NINEML_FAULT=softmax ok conform --kernel softmax --impl engine-scalar -j 2 --maxfail 1 --xfail "$TMP/xfail.txt" \
  --out "$TMP/ci1" --quiet
has '^9ml conform: [1-9][0-9]* case runs: 0 passed, 0 failed, [1-9][0-9]* xfailed, 0 xpassed$' "conform --xfail"
NINEML_FAULT=softmax expect_status 1 "$NINEML" conform --kernel softmax --impl engine-scalar --out "$TMP/ci2" --quiet
ok conform -x --last-failed "$TMP/ci2/report.json" --out "$TMP/ci3" --quiet
has '^9ml conform: [1-9][0-9]* case runs: [1-9][0-9]* passed, 0 failed, 0 xfailed, 0 xpassed$' "conform --last-failed"

# report diff: two equal runs, thresholds, --across by impl and by host.
ok report diff "$TMP/c1/report.json" "$TMP/c2/report.json" --factor 1.5 --ulp-floor 0
has '^0 regression\(s\) between ' "report diff"
ok report diff "$TMP/c1/report.json" "$TMP/c2/report.json" --html "$TMP/diff.html"
grep -q '<p class="pass">NO REGRESSION: 0 regression(s) between OLD and NEW</p>' "$TMP/diff.html" ||
  fail "report diff --html: $(head -c 600 "$TMP/diff.html")"
ok report diff --across "$TMP/c1/report.json" "$TMP/c2/report.json" --old-impl engine-scalar --new-impl engine-scalar \
  --md "$TMP/across.md"
grep -qE '^\| softmax \| [1-9][0-9]* \| [1-9][0-9]* \| 0 \| (bits|metrics) \|' "$TMP/across.md" || fail "--across --md: $(cat "$TMP/across.md")"
python3 - "$TMP/c1/report.json" "$TMP/host.json" <<'PY' || fail "host report"
import json, sys
j = json.load(open(sys.argv[1]))
j["host"] = "engine-scalar"  # as a guest's report names its guest
json.dump(j, open(sys.argv[2], "w"))
PY
ok report diff --across "$TMP/host.json" "$TMP/host.json"
has '^\| softmax \| ' "report diff --across (impls from the host fields)"

# tokenize / detokenize, on tokenizer.bin and on a GGUF's vocabulary.
ok tokenize -z "$Z" --bos --eos "Once upon a time"
ids=$(cat "$TMP/out")
[[ $ids =~ ^1( [0-9]+)+\ 2$ ]] || fail "tokenize --bos --eos: $ids"
ok tokenize -z "$G" --vocab-size 378 --bos --eos "Once upon a time"
[ "$(cat "$TMP/out")" = "$ids" ] || fail "tokenize on the GGUF's vocabulary: $(cat "$TMP/out")"
ok tokenize -z "$TMP/fx/vocab/test-bpe-vocab.gguf" --special "the<|endoftext|>"
[ "$(cat "$TMP/out")" = "259 269" ] || fail "tokenize --special on the BPE vocabulary: $(cat "$TMP/out")"
# shellcheck disable=SC2086
ok detokenize -z "$Z" $ids
[ "$(cat "$TMP/out")" = "Once upon a time" ] || fail "detokenize: $(cat "$TMP/out")"
# shellcheck disable=SC2086
ok detokenize -z "$G" --vocab-size 378 $ids
[ "$(cat "$TMP/out")" = "Once upon a time" ] || fail "detokenize on the GGUF: $(cat "$TMP/out")"

# info: text and JSON; the shape bench must report.
ok info "$V0"
has '^format +llama2c-v0$' "info"
ok info "$G" --json
read -r gdim glayers gvocab < <(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["dim"], j["n_layers"], j["vocab_size"])' "$TMP/out") ||
  fail "info --json: $(head -c 300 "$TMP/out")"

# run: generate and chat, every option.
ok run "$V0" -z "$Z" -t 0 -n 24 -i "Once upon a time" --ids
has '^prompt: 1( [0-9]+)+$' "run --ids"
has '^generated: [0-9]+( [0-9]+)*$' "run --ids"
ok run "$G" -t 0.8 -p 0.9 -s 42 -n 24 -i "Once upon a time" -m generate --threads 2 --simd scalar
has '^Once upon a time' "run -m generate"
has '^achieved tok/s: ' "run tok/s"
ok run "$G" -t 1 -p 1 -s 7 -n 24 -i "Once" --threads 1 --no-simd --ids
has '^generated: ' "run --no-simd"
ok run "$G" -n 24 -i "Once" --simd sse2 --threads 3
ok run "$G" -n 16 -s 0 -i "Once"
ok run "$G" -t 0 --ctx 12 -i "Once" --ids   # the default 256 steps capped at the context
has '^generated: ' "run --ctx"
ok run "$G" -m chat -t 0 -n 96 -y "You are a cat." -i "Hello there"
has '^Assistant: ' "run -m chat -y -i"
ok_in $'You are a cat.\nHello there\nHow are you\n' run "$G" -m chat -t 0 -n 128
has '^Enter system prompt \(optional\): User: Assistant: ' "run -m chat on stdin"

# quantize: every target (the fixture's dims are multiples of the block size).
ok quantize "$V0" "$TMP/q.v2"
has ' -> .*q.v2 \(v2\)$' "quantize"
ok info "$TMP/q.v2"
has '^format +llama2c-v2$' "info of quantize's v2"
ok quantize "$V0" "$TMP/q16.v2" --to v2 --group-size 16
ok info "$TMP/q16.v2" --json
has '"group_size": 16' "quantize --group-size 16"
for t in gguf-q8_0 gguf-q4_0; do
  ok quantize "$V0" "$TMP/q.$t" --to "$t"
  ok info "$TMP/q.$t"
  has '^format +gguf$' "info of quantize --to $t"
  has "$(echo "${t#gguf-}" | tr a-z A-Z)" "info's tensor types after quantize --to $t"
done

# The block types and K-quant mixes, from the K-shaped fixture (rows of 256).
KS=$TMP/fx/models/llama2-kshape-gguf-q6_k/model.bin
for t in gguf-q5_0 gguf-q5_1 gguf-q2_k gguf-q3_k gguf-q4_k gguf-q5_k gguf-q6_k gguf-q4_k_m gguf-q5_k_m; do
  ok quantize "$KS" "$TMP/q.$t" --to "$t"
  ok info "$TMP/q.$t"
  base=${t#gguf-}; base=${base%_m}
  has "^tensor_types .*$(echo "$base" | tr a-z A-Z) " "info's tensor types after quantize --to $t"
done

# convert: every format; each output loads and runs.
for t in v0 v1 v2 gguf-f32 gguf-f16 gguf-bf16 gguf-q8_0 gguf-q4_0 safetensors-f32 safetensors-f16 safetensors-bf16; do
  mkdir -p "$TMP/conv-$t"
  cj=; case $t in safetensors-*) cj=--config-json;; esac  # loading needs config.json beside it
  ok convert "$V0" "$TMP/conv-$t/model" --to "$t" $cj
  has "\\($t\\)\$" "convert --to $t"
  ok info "$TMP/conv-$t/model" --json
  has '"dim": 64,' "info after convert --to $t"
  ok run "$TMP/conv-$t/model" -z "$Z" -t 0 -n 8 -i "Once" --ids
  has '^generated: ' "run after convert --to $t"
done

# audit approx: a coarse stride on one thread (the default 4096 runs in
# cli.audit_approx); --full sweeps every float for minutes, so only its
# parsing is run here (--help), its numbers are in docs/ACCURACY.md.
ok audit approx --stride 65536 --threads 1 --out "$TMP/audit"
has '^\| rsqrt-0nr \|' "audit approx"
[ -s "$TMP/audit/approx_audit.json" ] || fail "audit approx wrote no approx_audit.json"
ok audit approx --full --help

# accuracy: every storage, every architecture, a v0 file, JSON.
ok accuracy --storage q8 --steps 4 --summary
has '^llama2 q8 vs f32, 4 steps: .*\(bound holds\)$' "accuracy q8"
ok accuracy --storage q8_0 --arch llama3 --steps 4 --seed 3 --json "$TMP/acc.json"
has '^llama3 q8_0 vs f32, 4 steps: ' "accuracy llama3"
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["steps"] == 4 and j["bound_holds"], j["steps"]' "$TMP/acc.json" ||
  fail "accuracy --json"
ok accuracy --storage q4_0 --arch mistral --steps 4 --summary
has '^mistral q4_0 vs f32, 4 steps: .*\(bound holds\)$' "accuracy mistral q4_0"
ok accuracy --arch llama2 --steps 4 --summary
ok accuracy --storage q8_0 --arch qwen2 --steps 4 --summary
has '^qwen2 q8_0 vs f32, 4 steps: .*\(bound holds\)$' "accuracy qwen2 q8_0"
for s in q5_0 q5_1 q2_k q3_k q4_k q5_k q6_k q4_k_m q5_k_m; do
  ok accuracy --storage $s --steps 2 --summary
  has "$s vs f32, 2 steps" "accuracy --storage $s"
done
ok accuracy --model "$V0" --storage q8 --steps 4 --summary --min-top1 0
has '\(bound holds\)$' "accuracy --model"

# diff-layers: both modes, a tokenizer file, a prompt, a SIMD level.
ok diff-layers "$TMP/fx/models/mistral-gguf-f32/model.bin" --steps 6 --mode exact
has '^no divergence: 6 position\(s\), 2 layer\(s\), every step within its bound' "diff-layers exact"
ok diff-layers "$V0" -z "$Z" -i "Once upon" --mode llama2c --simd scalar
has '^no divergence: .* every step bit for bit$' "diff-layers llama2c"

# bench: a model file (its real shape, issue 16), and both generated shapes and types.
ok bench --model "$V0" --no-probe --threads 1 2 --simd scalar --repeat 1 --prompt 2 --tokens 2 --json "$TMP/b.json"
has "^model: $V0 \\(dim 64, layers 2, vocab 378\\), [0-9.]+ MB of weights per token, kernels scalar$" "bench --model v0"
python3 - "$TMP/b.json" "$V0" <<'PY' || fail "bench --json"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["model"] == sys.argv[2] and j["kernels"] == "scalar", j
assert [r["threads"] for r in j["runs"]] == [1, 2] and all(r["decode_tokens_per_s"] > 0 for r in j["runs"]), j["runs"]
PY
ok bench --model "$G" --no-probe --threads 1 --repeat 1 --prompt 2 --tokens 2 --llama-bench "$TMP/lb.jsonl"
has "^model: $G \\(dim $gdim, layers $glayers, vocab $gvocab\\), " "bench --model gguf"
has '^\| llama .* \| +1 \| +tg2 \| +[0-9.]+ ± [0-9.]+ \|$' "bench --llama-bench table"
grep -q '"n_prompt":0,"n_gen":2,' "$TMP/lb.jsonl" || fail "bench --llama-bench jsonl: $(cat "$TMP/lb.jsonl")"
ok bench --shape 15m --type f32 --no-probe --threads 1 --repeat 1 --prompt 2 --tokens 2
has '^model: generated 15m f32 \(dim 288, layers 6, vocab 32000\), ' "bench --shape 15m"
ok bench --shape 110m --type q8 --no-probe --threads 2 --repeat 1 --prompt 1 --tokens 1
has '^model: generated 110m q8 \(dim 768, layers 12, vocab 32000\), ' "bench --shape 110m"
for t in f16 bf16; do
  ok bench --shape 15m --type $t --no-probe --threads 1 --repeat 1 --prompt 1 --tokens 1
  has "^model: generated 15m $t \\(dim 288, layers 6, vocab 32000\\), " "bench --type $t"
done

# llmfs: every option once; it serves until SIGTERM (exit 143). Its sessions: cli.llmfs.
mkdir -p "$TMP/llm"
cp "$V0" "$TMP/llm/v0.bin"
cp "$G" "$TMP/llm/g.gguf"
cp "$Z" "$TMP/llm/tok.bin"
args=(llmfs --listen "tcp!127.0.0.1!0" --any-address --models "$TMP/llm" --load "$TMP/llm/v0.bin" "$TMP/llm/tok.bin"
  --pool-load g "$TMP/llm/g.gguf" - --max-sessions 4 --max-prompt 1000 --max-steps 64 --msize 8192 --max-models 3
  --max-bytes 100000000 --max-connections 2 --threads 2)
printf '%s\n' "${args[*]}" >>"$RAN"
"$NINEML" "${args[@]}" >"$TMP/out" 2>&1 &
server=$!
for _ in $(seq 100); do grep -q 'serving on' "$TMP/out" && break; sleep 0.1; done
has '^9ml llmfs: serving on tcp!127\.0\.0\.1![1-9][0-9]*$' "llmfs"
kill -TERM "$server"
wait "$server"
st=$?
[ "$st" -eq 143 ] || fail "llmfs: SIGTERM gave exit $st"

# check-port: 9ml run as the port, every option; --logits-file with the
# test port that dumps them ($3; its verdicts: cli.check_port).
T='{model} -z {tokenizer} -t 0 -n {steps} -i {prompt}'
ok check-port --cmd "$NINEML run $T --simd scalar" --parse text --name r --out "$TMP/cp1" \
  --steps 16 --timeout 30 --prompt "the bath" --prompt ""
has '^external:r conforms: 2 prompts, 16 steps each' "check-port"
ok check-port --cmd "$NINEML run $T --ids" --parse ids --out "$TMP/cp2" --steps 16
has '^external:9ml conforms: 6 prompts, 16 steps each' "check-port --parse ids"
ok check-port --cmd "$3 $T -L {logits}" --logits-file 'l-{case}.npy' --out "$TMP/cp3" --steps 16
for f in report.json junit.xml summary.md index.html; do [ -s "$TMP/cp3/$f" ] || fail "check-port wrote no $f"; done
KP="/usr/bin/python3 $SRC/cli/tests/ports/kernel_port.py {kernel} {inputs} {outputs}"
ok check-port --case softmax/n=17/normal/seed=1 --cmd "$KP" --name np --out "$TMP/cp4" --timeout 30
has '^external:np conforms: 1 passed, 0 failed of 1 cases' "check-port --case"
ok check-port --kernel softmax --case rmsnorm/n=7/normal/seed=1 --cmd "$KP" --out "$TMP/cp4"
has '^external:python3 conforms: 1 passed, 0 failed of 1 cases' "check-port --kernel --case"

# vm: --help only (the guests: vmharness/tests); every command's --help.
for c in conform "report diff" fixtures tokenize detokenize run info quantize convert accuracy bench llmfs check-port vm; do
  # shellcheck disable=SC2086
  ok $c --help
  has '^Usage: ' "$c --help"
done
ok --version

# Coverage: every command and option of the synopses, and every value they
# list (generate|chat, q8|q8_0|q4_0, ...), ran above at least once.
python3 - "$SRC/README.md" "$SRC/docs/CLI.md" "$RAN" <<'PY' || fail "documented but never run (above)"
import re, sys

def synopses(path):
    lines, out, cur = open(path).read().split("\n"), [], None
    for line in lines:
        if re.match(r"^    9ml [a-z]", line):
            cur = line.strip()
            out.append(cur)
        elif cur is not None and re.match(r"^ {6,}\[", line):
            out[-1] += " " + line.strip()
        else:
            cur = None
    return out

ran = [l.split() for l in open(sys.argv[3]).read().split("\n") if l.strip()]
missing, checked = [], 0
for path in sys.argv[1:3]:
    syn = synopses(path)
    assert syn, "no synopsis in " + path
    for s in syn:
        words = s.split()[1:]
        cmd = words[:2] if words[:2] == ["report", "diff"] else words[:1]
        if cmd == ["vm"]:
            continue  # --help only, see above
        runs = [r for r in ran if r[:len(cmd)] == cmd]
        if not runs:
            missing.append("%s: 9ml %s never ran" % (path, " ".join(cmd)))
            continue
        rest = " ".join(words[len(cmd):])
        for opt in sorted(set(re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", rest))):
            checked += 1
            if not any(opt in r for r in runs):
                missing.append("%s: 9ml %s %s never ran" % (path, " ".join(cmd), opt))
        # Literal values listed as alternatives: OPT a|b|c (lowercase words).
        for opt, alts in re.findall(r"(--?[a-z][\w-]*) ([a-z0-9_.-]+(?:\|[a-z0-9_.-]+)+)", rest):
            for v in alts.split("|"):
                checked += 1
                if not any(opt in r and r.index(opt) + 1 < len(r) and r[r.index(opt) + 1] == v for r in runs):
                    missing.append("%s: 9ml %s %s %s never ran" % (path, " ".join(cmd), opt, v))
if missing:
    print("\n".join(missing))
    sys.exit(1)
print("documented options covered: %d" % checked)
PY
echo ok
