# mkfile: Plan 9 (9front) build of the 9ml engine core with the native
# compilers ($CC is 6c on amd64). The object list mirrors engine/kernels/*.c;
# scripts/check-mkfile-sources.sh (CTest engine.mkfile_in_step) keeps it so.
#
#   mk lib      build libnineml.a$O
#   mk clean    remove objects and the library
#
# If mk compiles but never archives, the guest clock is behind the copied
# files' times: set it first (echo SECONDS >/dev/time).

</$objtype/mkfile

CFLAGS=$CFLAGS -DNINEML_PLAN9 -Iengine

LIB=libnineml.a$O

OFILES=\
	engine/kernels/activation.$O\
	engine/kernels/attention.$O\
	engine/kernels/fbits.$O\
	engine/kernels/gguf_blocks.$O\
	engine/kernels/matmul.$O\
	engine/kernels/q8.$O\
	engine/kernels/rmsnorm.$O\
	engine/kernels/rng.$O\
	engine/kernels/rope.$O\
	engine/kernels/sampler.$O\
	engine/kernels/softmax.$O\
	engine/kernels/table_scalar.$O\
	engine/port/plan9.$O\

HFILES=\
	engine/kernels.h\
	engine/port/port.h\
	engine/kernels/fbits.h\
	engine/kernel_table.h\
	engine/model.h\

all:V: lib

lib:V: $LIB

$LIB: $OFILES
	$AR vu $LIB $OFILES

%.$O: %.c $HFILES
	$CC $CFLAGS -o $target $stem.c

clean:V:
	rm -f $OFILES $LIB
