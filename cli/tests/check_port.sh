# `9ml check-port` (docs/CHECK_PORT.md) with the ports written for it
# (cli/tests/ports/): the correct one conforms in text and ids mode and with
# its logits; the tokenizer off-by-one and the wrong RoPE fail, each message
# naming the first divergence and, with logits, the kernel. Then `9ml run`
# as a port, the report files, and the one-line errors for bad input.
# Usage: check_port.sh 9ml PORT_CORRECT PORT_TOKENIZER PORT_ROPE PORT_ROPE_Q PORT_TIE
. "$(dirname "$0")/lib.sh"
OK=$2 TOK=$3 ROPE=$4 ROPE_Q=$5 TIE=$6
T='{model} -z {tokenizer} -t 0 -n {steps} -i {prompt}'
# has TEXT: the last command's output holds TEXT (fixed string).
has() { grep -qF -- "$1" "$TMP/out" || { cat "$TMP/out" >&2; fail "no '$1' in the output"; }; }
hasnt() { ! grep -qF -- "$1" "$TMP/out" || { cat "$TMP/out" >&2; fail "unexpected '$1' in the output"; }; }

# The correct port: every fixture prompt, text, ids and logits.
expect_status 0 "$NINEML" check-port --cmd "$OK $T" --name ok --out "$TMP/ok"
has "external:ok conforms: 6 prompts, 48 steps each"
hasnt FAIL
# The tie rule's premise: every fixture prompt keeps its top-2 margins >= 4 tolerances.
awk '/least top-2 margin/ { m = $0; sub(/.*margin /, "", m); sub(/ tolerances.*/, "", m); n++; if (m + 0 < 4) bad = bad " " m }
     END { exit !(n == 6 && bad == "") }' "$TMP/out" || fail "a fixture prompt has a top-2 margin under 4 tolerances"
expect_status 0 "$NINEML" check-port --cmd "$OK $T -I" --parse ids --name ok --out "$TMP/ok-ids"
has "external:ok conforms"
expect_status 0 "$NINEML" check-port --cmd "$OK $T -L {logits}" --logits-file 'logits-{case}.npy' --name ok --out "$TMP/ok-l"
has "external:ok conforms"
[ -s "$TMP/ok-l/runs/prompt1/logits-prompt1.npy" ] || fail "the port's logits were not where --logits-file says"
# The standard report, impl external:NAME, a tokens and a logits case per prompt.
for f in report.json junit.xml summary.md index.html; do [ -s "$TMP/ok-l/$f" ] || fail "no $f"; done
/usr/bin/python3 - "$TMP/ok-l/report.json" <<'EOF' || fail "report.json"
import json, sys
r = json.load(open(sys.argv[1]))
cases = r["cases"]
assert len(cases) == 12, len(cases)
assert {c["impl"] for c in cases} == {"external:ok"}
assert sorted({c["kernel"] for c in cases}) == ["port_logits", "port_tokens"]
assert all(c["passed"] for c in cases)
logits = [c for c in cases if c["kernel"] == "port_logits"]
assert all(c["tolerance_kind"] == "fixed-epsilon" and c["elements"] == 48 * 378 for c in logits)
assert all(c["bound_ratio"] == 0 for c in logits), "the correct port computes the reference's bits"
assert "prompt=1" in cases[2]["case_id"] and "check-port" in cases[0]["repro"]
EOF
expect_status 0 "$NINEML" report diff "$TMP/ok-l/report.json" "$TMP/ok-l/report.json"

# Off by one in the tokenizer's merge loop: the prompts whose last pair
# merges ('Once upon a', 'the bath', 'in the bathing', '日本') fail; the
# byte fallback and BOS alone pass.
expect_status 1 "$NINEML" check-port --cmd "$TOK $T -I" --parse ids --name tok --out "$TMP/tok"
has "external:tok does not conform: 4 of 6 prompts fail"
has "PASS prompt 4 'tab\x09ø'"
has "PASS prompt 5 ''"
has "first divergence at token 5 (a prompt token, chosen at position 4): expected 360 'th', got 343 't'"
has "likely kernel: tokenizer (the prompt encodes differently: token 5 is 343 where the reference has 360)"
expect_status 1 "$NINEML" check-port --cmd "$TOK $T -L {logits}" --logits-file l.npy --name tok --out "$TMP/tok-l"
has "likely kernel: tokenizer (the port's logits at position 5 are the reference's for token 343 't' fed there instead of 360 'th')"
has "likely kernel: tokenizer (the port's logits at position 10 are the reference's for token 357 '日' fed there instead of 377 '日本')"
# Text alone cannot see the split (both print 'the bath'): it says so.
expect_status 1 "$NINEML" check-port --cmd "$TOK $T" --name tok --out "$TMP/tok-t"
has "first divergence at token 6 (a generated token, chosen at position 5)"
has "or a tokenizer whose ids print the same text; dump logits (--logits-file) or print ids (--parse ids) to tell"

# A wrong RoPE: every prompt fails after position 0; the logits name rope.
expect_status 1 "$NINEML" check-port --cmd "$ROPE $T -L {logits}" --logits-file l.npy --name rope --out "$TMP/rope"
has "external:rope does not conform: 6 of 6 prompts fail"
has "likely kernel: rope (position 0 agrees; at position 1 the port's logits are the reference's with rope's variant 'frequencies over the model's dim instead of the head size')"
hasnt "tokenizer"
expect_status 1 "$NINEML" check-port --cmd "$ROPE $T -I" --parse ids --name rope --out "$TMP/rope-ids"
has "first divergence at token 3 (a generated token, chosen at position 2): expected 151"
has "the prompt matched and the output differs from position 2: a forward-pass kernel"
/usr/bin/python3 - "$TMP/rope/report.json" <<'EOF' || fail "rope report.json"
import json, sys
r = json.load(open(sys.argv[1]))
bad = [c for c in r["cases"] if not c["passed"]]
assert len(bad) == 12 and all("likely kernel: rope" in c["failure"] for c in bad), [c["failure"] for c in bad]
EOF

# RoPE left off the keys: no known variant gives it, so the diagnosis is the
# class, from where the logits first differ.
expect_status 1 "$NINEML" check-port --cmd "$ROPE_Q $T -L {logits}" --logits-file l.npy --out "$TMP/rope-q" --prompt "the bath"
has "likely kernel: a position-dependent one, rope or attention (position 0 agrees, position 1 differs by"
has "and no other token fed there explains it"

# The tie rule: 'Once upon a time' over 64 steps has a near tie at position
# 41 (margin 0.41 tolerances); a port that takes the other token there
# conforms, with a note, in ids and in text (its token prints nothing).
expect_status 0 "$NINEML" check-port --cmd "$TIE $T -I" --parse ids --out "$TMP/tie" --prompt "Once upon a time" --steps 64
has "note: a tie at position 41: the port chose 154 '\x97', 0.000127 below the reference's top logit"
expect_status 0 "$NINEML" check-port --cmd "$TIE $T" --parse text --out "$TMP/tie" --prompt "Once upon a time" --steps 64
has "note: a tie at position 41: the port chose 154 '\x97', 0.000127 below the reference's top logit"
# ...while the correct port takes the reference's, and the fixtures' margins keep it out of play.
expect_status 0 "$NINEML" check-port --cmd "$OK $T -I" --parse ids --out "$TMP/tie" --prompt "Once upon a time" --steps 64
hasnt "note:"
expect_status 0 "$NINEML" check-port --cmd "$TIE $T" --out "$TMP/tie"
hasnt "note:"

# 9ml's own engine as a port, text and ids (its --ids prints 'prompt: ...' and 'generated: ...').
expect_status 0 "$NINEML" check-port --cmd "$NINEML run $T --simd scalar" --name 9ml-run --out "$TMP/run"
has "external:9ml-run conforms"
expect_status 0 "$NINEML" check-port --cmd "$NINEML run $T --ids" --parse ids --out "$TMP/run-ids" --prompt "the bath" --steps 20
has "external:9ml conforms: 1 prompts, 20 steps each"

# Placeholders stay one argument whatever they hold; quotes in the template work.
expect_status 0 "$NINEML" check-port --cmd "\"$OK\" {model} -z '{tokenizer}' -n {steps} -i {prompt}" --out "$TMP/q" \
  --prompt "it's a \"b\" \$HOME" --steps 24
has "PASS prompt 0"

# Bad input: one line naming the problem.
expect_status 1 "$NINEML" check-port --cmd "$TMP/no-such-port $T" --out "$TMP/bad"
has "9ml: $TMP/no-such-port: no such program"
expect_status 2 "$NINEML" check-port --cmd "$OK -z {tokenizer} -n {steps} -i {prompt}" --out "$TMP/bad"
has "9ml: --cmd: the template has no {model}"
expect_status 2 "$NINEML" check-port --cmd "$OK {model} -n {stepz} -i {prompt}" --out "$TMP/bad"
has "'{stepz}' in '{stepz}' is no placeholder"
expect_status 2 "$NINEML" check-port --cmd "$OK {model} -n {steps} -i '{prompt}" --out "$TMP/bad"
has "9ml: --cmd: unterminated ' quote"
expect_status 2 "$NINEML" check-port --cmd "$OK $T -L {logits}" --out "$TMP/bad"
has "9ml: --cmd: {logits} needs --logits-file PATTERN"
expect_status 2 "$NINEML" check-port --cmd "$OK $T" --parse words --out "$TMP/bad"
expect_status 2 "$NINEML" check-port --cmd "$OK $T" --steps 0 --out "$TMP/bad"
expect_status 1 "$NINEML" check-port --cmd "$OK $T" --steps 8 --out "$TMP/bad"
has "9ml: --steps 8: prompt 0 'Once upon a' is 12 tokens (BOS included); give at least that many steps"
expect_status 1 "$NINEML" check-port --cmd "sh -c 'kill -SEGV \$\$' sh $T" --out "$TMP/bad" --prompt hi
has "9ml: check-port: sh crashed (signal 11"
expect_status 1 "$NINEML" check-port --cmd "sh -c 'sleep 30' sh $T" --timeout 0.5 --out "$TMP/bad" --prompt hi
has "9ml: check-port: sh timed out after 0.5 s on prompt 0 'hi'"
expect_status 1 "$NINEML" check-port --cmd "sh -c 'echo cannot read the model >&2; exit 3' sh $T" --out "$TMP/bad" --prompt hi
has "9ml: check-port: sh exited with status 3 on prompt 0 'hi'; its stderr: cannot read the model"
expect_status 1 "$NINEML" check-port --cmd "$OK $T" --logits-file missing.npy --out "$TMP/bad" --prompt hi
has "missing.npy: cannot open (the port wrote no logits there)"
# Logits that are not whole rows, or fewer rows than the positions run.
printf '#!/bin/sh\n"%s" "$@" || exit 1\nhead -c 3000 l.npy >short.bin\n' "$OK" >"$TMP/short.sh"
chmod +x "$TMP/short.sh"
expect_status 1 "$NINEML" check-port --cmd "$TMP/short.sh $T -L l.npy" --logits-file short.bin --out "$TMP/bad" --prompt hi
has "short.bin: 3000 bytes, not a whole number of rows of 378 float32"
printf '#!/bin/sh\n"%s" "$@" || exit 1\n/usr/bin/python3 -c "import numpy as n; n.save(\x27s.npy\x27, n.load(\x27l.npy\x27)[:2])"\n' \
  "$OK" >"$TMP/short.sh"
expect_status 1 "$NINEML" check-port --cmd "$TMP/short.sh $T -L l.npy" --logits-file s.npy --out "$TMP/bad" --prompt hi
has "s.npy: 2 rows of logits, the run had at least 48 positions"
# The component-test contract (--kernel/--case): a NumPy port of softmax and
# rmsnorm within their derived bounds; its naive variant (no max subtracted,
# no epsilon) fails exactly the cases those mistakes reach.
KP="/usr/bin/python3 $(cd "$(dirname "$0")" && pwd)/ports/kernel_port.py"
C=()
for d in normal heavy masked allmasked special; do C+=(--case softmax/n=17/$d/seed=1); done
for d in normal tiny zeros; do C+=(--case rmsnorm/n=7/$d/seed=1); done
expect_status 0 "$NINEML" check-port "${C[@]}" --cmd "$KP {kernel} {inputs} {outputs}" --name numpy --out "$TMP/k"
has "external:numpy conforms: 8 passed, 0 failed of 8 cases"
[ -s "$TMP/k/kernels/0000/in/x.npy" ] && [ -s "$TMP/k/kernels/0000/in/case.json" ] || fail "kernel inputs not written"
/usr/bin/python3 - "$TMP/k/report.json" <<'PY' || fail "kernel report.json"
import json, sys
r = json.load(open(sys.argv[1]))
assert {c["impl"] for c in r["cases"]} == {"external:numpy"}
assert all(c["passed"] and c["tolerance_kind"] == "bound" and 0 < c["bound_ratio"] <= 1 for c in r["cases"] if c["distribution"] == "normal")
assert "--case softmax/n=17/normal/seed=1" in r["cases"][0]["repro"]
PY
expect_status 1 "$NINEML" check-port "${C[@]}" --cmd "$KP --naive {kernel} {inputs} {outputs}" --name naive --out "$TMP/k"
has "external:naive does not conform: 4 passed, 4 failed of 8 cases"
has "FAIL softmax/n=17/heavy/seed=1 [external:naive]: element 4: got -nan, exact 1"
has "FAIL rmsnorm/n=7/zeros/seed=1 [external:naive]: element 0: got -nan, exact 0"
expect_status 1 "$NINEML" check-port --case softmax/n=17/normal/seed=1 --cmd "$KP rope {inputs} {outputs}" --name bad --out "$TMP/k"
has "9ml: check-port: external:bad on softmax/n=17/normal/seed=1: exited with status 1; its stderr: kernel_port.py: no kernel rope"
expect_status 2 "$NINEML" check-port --kernel softmax --cmd "$KP {kernel} {inputs}" --out "$TMP/k"
has "9ml: --cmd: the template has no {outputs}"
expect_status 2 "$NINEML" check-port --kernel nosuch --cmd "$KP {kernel} {inputs} {outputs}" --out "$TMP/k"
has "9ml: --kernel nosuch: no such kernel"
echo "check_port: ok"
