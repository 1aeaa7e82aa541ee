# mkfile: Plan 9 (9front) build of the 9ml engine core with the native
# compilers ($CC is 6c on amd64). The object list mirrors engine/kernels/*.c
# (engine/simd/ is host-only: intrinsics; Plan 9 links its own level,
# port/plan9_simd.$O over the 6a loops of port/plan9_sse2.s);
# scripts/check-mkfile-sources.sh (CTest engine.mkfile_in_step) keeps it so.
#
#   mk lib      build libnineml.a$O
#   mk clean    remove objects and the library
#
# If mk compiles but never archives, the guest clock is behind the copied
# files' times: set it first (echo SECONDS >/dev/time).

</$objtype/mkfile

CFLAGS=$CFLAGS -DNINEML_PLAN9 -Iengine -Illmfs

LIB=libnineml.a$O

OFILES=\
	engine/kernels/activation.$O\
	engine/kernels/attention.$O\
	engine/kernels/fbits.$O\
	engine/kernels/gguf_blocks.$O\
	engine/kernels/gguf_quant.$O\
	engine/kernels/kquant_blocks.$O\
	engine/kernels/matmul.$O\
	engine/kernels/matmul_blocks.$O\
	engine/kernels/matmul_f16.$O\
	engine/kernels/matmul_q4_0.$O\
	engine/kernels/par_products.$O\
	engine/kernels/parallel.$O\
	engine/kernels/q8.$O\
	engine/kernels/rmsnorm.$O\
	engine/kernels/rng.$O\
	engine/kernels/rope.$O\
	engine/kernels/sampler.$O\
	engine/kernels/select.$O\
	engine/kernels/softmax.$O\
	engine/kernels/table_scalar.$O\
	engine/tokenizer/bpe.$O\
	engine/tokenizer/bytelevel.$O\
	engine/tokenizer/decode.$O\
	engine/tokenizer/encode.$O\
	engine/tokenizer/heap.$O\
	engine/tokenizer/merges.$O\
	engine/tokenizer/msg.$O\
	engine/tokenizer/pretok.$O\
	engine/tokenizer/special.$O\
	engine/tokenizer/ucat.$O\
	engine/tokenizer/utf8.$O\
	engine/tokenizer/vocab.$O\
	engine/tokenizer/vocab_bin.$O\
	engine/tokenizer/vocab_json.$O\
	engine/tokenizer/vocab_model.$O\
	engine/arch/llama2.$O\
	engine/arch/llama3.$O\
	engine/arch/mistral.$O\
	engine/arch/qwen2.$O\
	engine/arch/registry.$O\
	engine/formats/build.$O\
	engine/formats/gguf_parse.$O\
	engine/formats/json.$O\
	engine/formats/llama2c_parse.$O\
	engine/formats/model_mem.$O\
	engine/formats/parsed.$O\
	engine/formats/registry.$O\
	engine/formats/safetensors_parse.$O\
	engine/formats/text.$O\
	engine/formats/write_v2.$O\
	engine/model/chat.$O\
	engine/model/chat_template.$O\
	engine/model/check.$O\
	engine/model/embedding.$O\
	engine/model/forward.$O\
	engine/model/generate.$O\
	engine/model/linear.$O\
	engine/model/matmul_dispatch.$O\
	engine/model/pack.$O\
	engine/model/read_bytes.$O\
	engine/model/rope_freqs.$O\
	engine/model/sampler.$O\
	engine/model/state.$O\
	engine/port/plan9.$O\
	engine/port/plan9_simd.$O\
	engine/port/plan9_sse2.$O\

HFILES=\
	engine/kernels.h\
	engine/port/port.h\
	engine/kernels/fbits.h\
	engine/kernels/kquant.h\
	engine/kernel_table.h\
	engine/parallel.h\
	engine/model.h\
	engine/exec.h\
	engine/model/forward.h\
	engine/model/generate.h\
	engine/formats/formats.h\
	engine/formats/parsed.h\
	engine/formats/build.h\
	engine/formats/json.h\
	engine/formats/text.h\
	engine/arch/arch.h\
	engine/tokenizer.h\
	engine/tokenizer/internal.h\

all:V: lib

lib:V: $LIB

# 9front's /$objtype/mkfile defines no $AR: the archiver is ar everywhere.
$LIB: $OFILES
	ar vu $LIB $OFILES

# The plan9-sse2 level's vector loops (6a; docs/PLAN9_SUBSET.md, "Assembly").
engine/port/plan9_sse2.$O: engine/port/plan9_sse2.s
	$AS -o $target engine/port/plan9_sse2.s

# Engine objects beside their sources. The pattern names engine/ so that it
# never matches a component-test object as well (mk refuses two recipes).
engine/%.$O: engine/%.c $HFILES
	$CC $CFLAGS -o $target engine/$stem.c

clean:V:
	rm -f $OFILES $LIB $O.run $O.runq $O.export engine/tools/run.$O engine/tools/runq.$O engine/tools/export.$O
	rm -f $O.bench engine/tools/bench.$O
	rm -f $LLMFSOFILES $O.llmfs engine/tools/llmfs.$O

# The llama2.c programs on the engine, same sources as the host's `9ml`
# (docs/PLAN9_SUBSET.md, "Programs"):
#
#   mk run      $O.run     run MODEL -z TOKENIZER [-t T] [-p P] [-s SEED] [-n STEPS] [-i PROMPT] [--ids]
#   mk runq     $O.runq    the same for quantized files only (run.c built with -DNINEML_RUNQ)
#   mk export   $O.export  export info MODEL | export quantize IN OUT [-g GROUPSIZE]
#   mk tools    all three

tools:V: $O.run $O.runq $O.export

run:V: $O.run

runq:V: $O.runq

export:V: $O.export

$O.run: engine/tools/run.$O $LIB
	$LD $LDFLAGS -o $target $prereq

$O.runq: engine/tools/runq.$O $LIB
	$LD $LDFLAGS -o $target $prereq

$O.export: engine/tools/export.$O $LIB
	$LD $LDFLAGS -o $target $prereq

engine/tools/runq.$O: engine/tools/run.c $HFILES
	$CC $CFLAGS -DNINEML_RUNQ -o $target engine/tools/run.c

# The benchmark (docs/PERFORMANCE.md, "In 9front"): decode tok/s of a
# generated 15M-shape model, f32 and Q8, per kernel level and 1..N threads,
# and a table of per-kernel rates; run by `9ml vm --guest 9front --bench`.
#
#   mk bench    $O.bench   bench [--shape 15m|tiny] [--steps N] [--threads N] [--min-time S] [--emulated]

bench:V: $O.bench

$O.bench: engine/tools/bench.$O $LIB
	$LD $LDFLAGS -o $target $prereq

# Component tests (conformance/component/, docs/VMHARNESS.md): one program
# per kernel family, 6.ct_NAME, run by `9ml vm --guest 9front`.
#
#   mk component   build every 6.ct_* program and 6.port_check

CTPROGS=ct_rmsnorm ct_softmax ct_matmul ct_rope ct_attention ct_elementwise ct_q8 ct_gguf ct_rng ct_sampling

CTOFILES=\
	conformance/component/ct_driver.$O\
	conformance/component/ct_npy.$O\
	conformance/component/port/plan9.$O\

component:V: ${CTPROGS:%=$O.%} $O.port_check

$O.ct_%: conformance/component/ct_%.$O $CTOFILES $LIB
	$LD $LDFLAGS -o $target $prereq

conformance/component/%.$O: conformance/component/%.c conformance/component/ct.h $HFILES
	$CC $CFLAGS -Iconformance/component -o $target conformance/component/$stem.c

# port.h's server layer (threads, locks, srv!, notes) checked in 9front
# itself: $O.port_check prints one line per check and PASS or FAIL last.
$O.port_check: conformance/component/port/plan9_port_check.$O $LIB
	$LD $LDFLAGS -o $target $prereq

componentclean:V:
	rm -f $CTOFILES conformance/component/ct_*.$O $O^.ct_* conformance/component/port/plan9_port_check.$O $O.port_check

# llmfs (llmfs/, docs/LLMFS.md): inference served as a 9P2000 file system,
# the same server core as the host's `9ml llmfs` behind a Plan 9 main
# (engine/tools/llmfs.c). The object list mirrors llmfs/*.c
# (scripts/check-mkfile-sources.sh keeps it so).
#
#   mk llmfs    $O.llmfs   llmfs [-s SRVNAME | -a ADDR] [-m MODELSDIR]... [-l CTL]... [-t THREADS]

LLMFSOFILES=\
	llmfs/buf.$O\
	llmfs/ctl.$O\
	llmfs/fcall.$O\
	llmfs/parse.$O\
	llmfs/pool.$O\
	llmfs/session.$O\
	llmfs/srv.$O\
	llmfs/tree.$O\

LLMFSHFILES=\
	llmfs/llmfs.h\
	llmfs/fcall.h\
	llmfs/internal.h\
	llmfs/tree.h\

llmfs:V: $O.llmfs

$O.llmfs: engine/tools/llmfs.$O $LLMFSOFILES $LIB
	$LD $LDFLAGS -o $target $prereq

engine/tools/llmfs.$O: $LLMFSHFILES

llmfs/%.$O: llmfs/%.c $LLMFSHFILES $HFILES
	$CC $CFLAGS -o $target llmfs/$stem.c
