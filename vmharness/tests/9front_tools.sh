#!/usr/bin/env bash
# The llama2.c programs built by 9front's mk (6.run, 6.runq, 6.export) inside
# the real 9front against the host's 9ml on the same files: the same token ids
# greedy and sampled (-t 1 -p 0.9 -s 42), the same on 1 and 3 workers (rfork
# processes; the guest has 1 CPU here, so they interleave), scalar
# (--no-simd, against the host's scalar) and on the 6a level (--simd
# plan9-sse2 on 2 workers, against the host's sse2, whose order it follows),
# and export info's fields equal 9ml info's. $2: "generated" (the project's
# own fixture models: f32 llama2.c v0, its Q8 v2 export, a GGUF Q8_0) or
# "fixtures" (the real trained models in $NINEML_EXTERNAL_FIXTURES/models).
source "$(dirname "$0")/lib.sh"
MODE=${2:-generated}
need_9front
P="Once upon a time"
mkdir -p "$T/put"
if [ "$MODE" = fixtures ]; then
  if [ -z "${NINEML_EXTERNAL_FIXTURES:-}" ]; then
    [ "${CI:-}" = "true" ] && fail "NINEML_EXTERNAL_FIXTURES is not set: the fixture tests must run in CI"
    echo "SKIP: did not run: NINEML_EXTERNAL_FIXTURES is not set"; exit 77
  fi
  cp "$NINEML_EXTERNAL_FIXTURES/models/stories260K-f16.gguf" "$T/put/f32.gguf"
  cp "$NINEML_EXTERNAL_FIXTURES/models/stories260K-q8_0.gguf" "$T/put/q8.gguf"
  models="f32.gguf:run q8.gguf:run q8.gguf:runq"
  Z=()
else
  "$NINEML" fixtures --out "$T/fx" --kernel rng >/dev/null || fail "9ml fixtures"
  cp "$T/fx/models/llama2-v0/model.bin" "$T/put/f32.bin"
  cp "$T/fx/models/llama3-gguf-q8_0/model.bin" "$T/put/q80.gguf"
  cp "$T/fx/vocab/test-vocab.bin" "$T/put/vocab.bin"
  "$NINEML" quantize "$T/put/f32.bin" "$T/put/q8.v2" --to v2 >/dev/null || fail "9ml quantize --to v2"
  models="f32.bin:run q8.v2:run q8.v2:runq q80.gguf:runq"
  Z=(-z put/vocab.bin)
fi
# Each program's runs inside the guest, written to after/NAME.txt.
after=()
declare -A want
n=0
for mp in $models; do
  m=${mp%%:*} prog=${mp##*:}
  for mode in greedy sampled; do
    case $mode in greedy) opts="-t 0" ;; sampled) opts="-t 1 -p 0.9 -s 42" ;; esac
    for run in scalar-1 scalar-3 sse2-2; do
      name="$prog-$n-$mode-$run"
      th=${run#*-}
      case $run in scalar*) lv=--no-simd host_lv=--no-simd ;; sse2*) lv="--simd plan9-sse2" host_lv="--simd sse2" ;; esac
      after+=(--after "./6.$prog put/$m ${Z[*]} $opts -n 40 -i '$P' --ids $lv --threads $th >after/$name.txt")
      # shellcheck disable=SC2086
      "$NINEML" run "$T/put/$m" ${Z[@]/put\//$T/put/} $opts -n 40 -i "$P" --ids $host_lv --threads 1 2>/dev/null \
        | grep -E '^(prompt|generated):' >"$T/want-$name.txt" || fail "host 9ml run $m $opts $host_lv"
      want[$name]="$T/want-$name.txt"
    done
  done
  n=$((n + 1))
done
for m in $(for mp in $models; do echo "${mp%%:*}"; done | sort -u); do
  after+=(--after "./6.export info put/$m >after/info-$m.txt")
done
# port.h's server layer (threads, locks, conditions, srv!, tcp!) on the real
# kernel: conformance/component/port/plan9_port_check.c, built by mk component.
[ "$MODE" = fixtures ] || after+=(--after "./6.port_check >after/port_check.txt >[2=1]")
# shellcheck disable=SC2046
puts=()
for f in "$T"/put/*; do puts+=(--put "$f"); done
"$NINEML" vm $(nine_front_args) --kernel rng "${puts[@]}" --run-dir "$T/run" --out "$T/rep" --boot-timeout 120 \
  "${after[@]}" >"$T/log" 2>&1
rc=$?
cat "$T/log"
[ $rc -eq 0 ] || { tail -30 "$T/rep/console.log"; fail "9front run with the tools: exit status $rc"; }
got="$T/run/collected/after"
for name in "${!want[@]}"; do
  grep -E '^(prompt|generated):' "$got/$name.txt" | tr -d '\r' >"$T/got-$name.txt"
  [ -s "$T/got-$name.txt" ] || fail "$name: 6.run printed no ids: $(head -3 "$got/$name.txt")"
  cmp -s "$T/got-$name.txt" "${want[$name]}" || fail "$name: 9front $(cat "$T/got-$name.txt") vs host $(cat "${want[$name]}")"
  echo "same ids: $name ($(wc -w <"$T/got-$name.txt") words)"
done
if [ "$MODE" = fixtures ]; then
  # And llama.cpp's greedy ids for the same trained weights (the fixtures' .greedy32.txt).
  for pair in "run-0-greedy-scalar-1:stories260K-f16" "run-1-greedy-scalar-1:stories260K-q8_0" \
    "run-0-greedy-sse2-2:stories260K-f16" "run-1-greedy-sse2-2:stories260K-q8_0" "runq-2-greedy-sse2-2:stories260K-q8_0"; do
    name=${pair%%:*} ref="$NINEML_EXTERNAL_FIXTURES/models/${pair##*:}.greedy32.txt"
    want_ids=$(sed -n 's/^generated_ids: //p' "$ref" | tr -s ' ' '\n' | head -32 | tr '\n' ' ')
    got_ids=$(sed -n 's/^generated: //p' "$T/got-$name.txt" | tr -s ' ' '\n' | head -32 | tr '\n' ' ')
    [ -n "$want_ids" ] && [ "$want_ids" = "$got_ids" ] || fail "$name vs llama.cpp ($ref): $got_ids vs $want_ids"
    echo "llama.cpp's greedy ids: $name"
  done
fi
fields='^(format|architecture|dim|hidden_dim|n_layers|n_heads|n_kv_heads|head_size|vocab_size|seq_len|sliding_window|shared_classifier|embedded_vocab|parameters|tensor_bytes) '
for f in "$got"/info-*.txt; do
  m=${f##*/info-}; m=${m%.txt}
  "$NINEML" info "$T/put/$m" | grep -E "$fields" | tr -s ' ' >"$T/info-host"
  tr -d '\r' <"$f" | grep -E "$fields" | tr -s ' ' >"$T/info-9front"
  [ "$(wc -l <"$T/info-host")" -ge 10 ] || fail "9ml info $m printed too few fields"
  cmp -s "$T/info-host" "$T/info-9front" || fail "export info $m: $(diff "$T/info-host" "$T/info-9front")"
  echo "same info fields: $m"
done
if [ "$MODE" != fixtures ]; then
  tr -d '\r' <"$got/port_check.txt" >"$T/port_check.txt"
  cat "$T/port_check.txt"
  grep -q '^FAIL' "$T/port_check.txt" && fail "6.port_check: $(grep '^FAIL' "$T/port_check.txt" | head -3)"
  [ "$(tail -1 "$T/port_check.txt")" = PASS ] || fail "6.port_check did not end with PASS"
  [ "$(grep -c '^ok ' "$T/port_check.txt")" -ge 10 ] || fail "6.port_check ran too few checks"
fi
no_guest_left "$T/run"
echo "PASS"
