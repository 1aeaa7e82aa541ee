// plan9_sse2.s: the vector inner loops of the plan9-sse2 kernel level, in
// 9front's 6a (docs/PLAN9_SUBSET.md, "Assembly"). engine/port/plan9_simd.c
// builds the kernels from them; the float reductions follow the host's sse2
// level (engine/simd/body.h) step for step, so the sums have its bits.
//
// 6c's convention (checked in 9front by these kernels' component tests):
// the first argument, an integer or pointer, arrives in BP and nowhere
// else; the others are read from name+8k(FP), a float as 4 bytes in its
// 8-byte slot; results return in AX (int) or X0 (float); every register
// is the caller's to save.

// The lanes of r summed as (r0 + r2) + (r1 + r3) into r's lane 0 (body.h's
// hsum_ps); t is clobbered.
#define HSUM(r, t) MOVO r, t; MOVHLPS r, t; ADDPS t, r; MOVO r, t; SHUFPS $0x55, t, t; ADDSS t, r
// The four int32 lanes of r summed into AX; t is clobbered.
#define HSUML(r, t) PSHUFL $0x4e, r, t; PADDL t, r; PSHUFL $0xb1, r, t; PADDL t, r; MOVL r, AX

// float nm_p9_sse2_dot(float *a, float *b, int nv): sum of a[j]*b[j] for
// j < nv (a multiple of 4) in one 4-lane accumulator, then the lanes as
// (s0 + s2) + (s1 + s3): body.h's f32_tile accumulator and hsum_ps.
TEXT nm_p9_sse2_dot(SB), $0
	MOVQ	b+8(FP), DI
	MOVL	nv+16(FP), CX
	XORPS	X0, X0
	SHRL	$2, CX
	JEQ	dotsum
dotloop:
	MOVUPS	(BP), X1
	MOVUPS	(DI), X2
	MULPS	X2, X1
	ADDPS	X1, X0
	ADDQ	$16, BP
	ADDQ	$16, DI
	DECL	CX
	JNE	dotloop
dotsum:
	HSUM(X0, X1)
	RET

// void nm_p9_sse2_dot4rows(float *out4, float *w, float *x, int n, int nv):
// out4[r] = nm_p9_sse2_dot(w + r*n, x, nv) for the rows r = 0..3, bit for
// bit (one accumulator per row, the same lane sum); the four rows share
// each load of x.
TEXT nm_p9_sse2_dot4rows(SB), $0
	MOVQ	w+8(FP), SI
	MOVQ	x+16(FP), DI
	MOVL	n+24(FP), R10
	SHLQ	$2, R10
	MOVL	nv+32(FP), CX
	LEAQ	(SI)(R10*1), R11
	LEAQ	(R11)(R10*1), R12
	LEAQ	(R12)(R10*1), R13
	XORPS	X0, X0
	XORPS	X1, X1
	XORPS	X2, X2
	XORPS	X3, X3
	SHRL	$2, CX
	JEQ	d4rsum
d4rloop:
	MOVUPS	(DI), X4
	MOVUPS	(SI), X5
	MULPS	X4, X5
	ADDPS	X5, X0
	MOVUPS	(R11), X6
	MULPS	X4, X6
	ADDPS	X6, X1
	MOVUPS	(R12), X7
	MULPS	X4, X7
	ADDPS	X7, X2
	MOVUPS	(R13), X8
	MULPS	X4, X8
	ADDPS	X8, X3
	ADDQ	$16, DI
	ADDQ	$16, SI
	ADDQ	$16, R11
	ADDQ	$16, R12
	ADDQ	$16, R13
	DECL	CX
	JNE	d4rloop
d4rsum:
	HSUM(X0, X9)
	MOVSS	X0, 0(BP)
	HSUM(X1, X9)
	MOVSS	X1, 4(BP)
	HSUM(X2, X9)
	MOVSS	X2, 8(BP)
	HSUM(X3, X9)
	MOVSS	X3, 12(BP)
	RET

// float nm_p9_sse2_dot4acc(float *a, float *b, int nv): body.h's dot_lanes
// (four accumulators over 16 floats, the leftover 4-float chunks into the
// first, then (s0 + s1) + (s2 + s3)) and hsum_ps; nv a multiple of 4.
TEXT nm_p9_sse2_dot4acc(SB), $0
	MOVQ	b+8(FP), DI
	MOVL	nv+16(FP), CX
	XORPS	X0, X0
	XORPS	X1, X1
	XORPS	X2, X2
	XORPS	X3, X3
	MOVL	CX, DX
	SHRL	$4, CX
	JEQ	d4rest
d4loop:
	MOVUPS	(BP), X4
	MOVUPS	(DI), X5
	MULPS	X5, X4
	ADDPS	X4, X0
	MOVUPS	16(BP), X4
	MOVUPS	16(DI), X5
	MULPS	X5, X4
	ADDPS	X4, X1
	MOVUPS	32(BP), X4
	MOVUPS	32(DI), X5
	MULPS	X5, X4
	ADDPS	X4, X2
	MOVUPS	48(BP), X4
	MOVUPS	48(DI), X5
	MULPS	X5, X4
	ADDPS	X4, X3
	ADDQ	$64, BP
	ADDQ	$64, DI
	DECL	CX
	JNE	d4loop
d4rest:
	ANDL	$15, DX
	SHRL	$2, DX
	JEQ	d4sum
d4tail:
	MOVUPS	(BP), X4
	MOVUPS	(DI), X5
	MULPS	X5, X4
	ADDPS	X4, X0
	ADDQ	$16, BP
	ADDQ	$16, DI
	DECL	DX
	JNE	d4tail
d4sum:
	ADDPS	X1, X0
	ADDPS	X3, X2
	ADDPS	X2, X0
	HSUM(X0, X1)
	RET

// float nm_p9_sse2_sum(float *x, int nv): the 4-lane sum of x[0..nv)
// (softmax's denominator in body.h), lanes added as in hsum_ps.
TEXT nm_p9_sse2_sum(SB), $0
	MOVL	nv+8(FP), CX
	XORPS	X0, X0
	SHRL	$2, CX
	JEQ	sumdone
sumloop:
	MOVUPS	(BP), X1
	ADDPS	X1, X0
	ADDQ	$16, BP
	DECL	CX
	JNE	sumloop
sumdone:
	HSUM(X0, X1)
	RET

// void nm_p9_sse2_maxpoison(float *x, int nv, float *lanes8): over
// x[0..nv) (nv >= 4, a multiple of 4) lanes8[0..4) = the lane-wise max,
// lanes8[4..8) = the lane-wise sum of x*0, NaN where a NaN or an infinity
// was met (body.h's softmax first pass).
TEXT nm_p9_sse2_maxpoison(SB), $0
	MOVL	nv+8(FP), CX
	MOVQ	lanes8+16(FP), DI
	XORPS	X3, X3
	MOVUPS	(BP), X0
	MOVO	X0, X1
	MULPS	X3, X1
	SHRL	$2, CX
	DECL	CX
	JEQ	mpdone
mploop:
	ADDQ	$16, BP
	MOVUPS	(BP), X2
	MAXPS	X2, X0
	MULPS	X3, X2
	ADDPS	X2, X1
	DECL	CX
	JNE	mploop
mpdone:
	MOVUPS	X0, (DI)
	MOVUPS	X1, 16(DI)
	RET

// void nm_p9_sse2_divide(float *x, int nv, float s): x[j] /= s, j < nv.
TEXT nm_p9_sse2_divide(SB), $0
	MOVL	nv+8(FP), CX
	MOVSS	s+16(FP), X1
	SHUFPS	$0, X1, X1
	SHRL	$2, CX
	JEQ	divdone
divloop:
	MOVUPS	(BP), X0
	DIVPS	X1, X0
	MOVUPS	X0, (BP)
	ADDQ	$16, BP
	DECL	CX
	JNE	divloop
divdone:
	RET

// void nm_p9_sse2_scale_mul(float *out, float *x, float *w, int nv, float s):
// out[j] = w[j] * (s * x[j]), j < nv (rmsnorm's last step, scalar's roundings).
TEXT nm_p9_sse2_scale_mul(SB), $0
	MOVQ	x+8(FP), SI
	MOVQ	w+16(FP), DI
	MOVL	nv+24(FP), CX
	MOVSS	s+32(FP), X2
	SHUFPS	$0, X2, X2
	SHRL	$2, CX
	JEQ	smdone
smloop:
	MOVUPS	(SI), X0
	MULPS	X2, X0
	MOVUPS	(DI), X1
	MULPS	X0, X1
	MOVUPS	X1, (BP)
	ADDQ	$16, BP
	ADDQ	$16, SI
	ADDQ	$16, DI
	DECL	CX
	JNE	smloop
smdone:
	RET

// void nm_p9_sse2_add(float *x, float *y, int nv): x[j] += y[j], j < nv.
TEXT nm_p9_sse2_add(SB), $0
	MOVQ	y+8(FP), SI
	MOVL	nv+16(FP), CX
	SHRL	$2, CX
	JEQ	adddone
addloop:
	MOVUPS	(BP), X0
	MOVUPS	(SI), X1
	ADDPS	X1, X0
	MOVUPS	X0, (BP)
	ADDQ	$16, BP
	ADDQ	$16, SI
	DECL	CX
	JNE	addloop
adddone:
	RET

// float nm_p9_sse2_max_nonan(float *x, int nv): the largest of x[0..nv)
// that is not NaN, -inf if there is none. MAXPS returns its source operand
// when either is NaN, so the running maximum is always the source.
TEXT nm_p9_sse2_max_nonan(SB), $0
	MOVL	nv+8(FP), CX
	MOVL	$0xff800000, AX
	MOVL	AX, X0
	SHUFPS	$0, X0, X0
	SHRL	$2, CX
	JEQ	mnfold
mnloop:
	MOVUPS	(BP), X1
	MAXPS	X0, X1
	MOVO	X1, X0
	ADDQ	$16, BP
	DECL	CX
	JNE	mnloop
mnfold:
	MOVO	X0, X1
	MOVHLPS	X0, X1
	MAXPS	X1, X0
	MOVO	X0, X1
	SHUFPS	$0x55, X1, X1
	MAXSS	X1, X0
	RET

// int nm_p9_sse2_find(float *x, int nv, float m): the index of the first
// 4-float chunk of x[0..nv) holding an element == m, or nv if none.
TEXT nm_p9_sse2_find(SB), $0
	MOVL	nv+8(FP), CX
	MOVSS	m+16(FP), X1
	SHUFPS	$0, X1, X1
	XORL	AX, AX
findloop:
	CMPL	AX, CX
	JGE	findnone
	MOVUPS	(BP), X0
	CMPPS	X1, X0, 0
	MOVMSKPS	X0, DX
	TESTL	DX, DX
	JNE	finddone
	ADDQ	$16, BP
	ADDL	$4, AX
	JMP	findloop
findnone:
	MOVL	CX, AX
finddone:
	RET

// void nm_p9_sse2_idot_groups(int *sums, schar *a, schar *b, int groups,
// int gs): sums[g] = the exact int32 dot product of group g's gs int8 pairs
// (gs a multiple of 16): sign-extend to int16 (PUNPCKLBW/PUNPCKHBW of a
// register with itself, PSRAW $8), PMADDWL, int32 lanes added.
TEXT nm_p9_sse2_idot_groups(SB), $0
	MOVQ	a+8(FP), SI
	MOVQ	b+16(FP), DI
	MOVL	groups+24(FP), R8
	MOVL	gs+32(FP), R9
	SHRL	$4, R9
	TESTL	R8, R8
	JEQ	igdone
iggroup:
	XORPS	X0, X0
	MOVL	R9, CX
igloop:
	MOVOU	(SI), X1
	MOVOU	(DI), X2
	MOVO	X1, X3
	PUNPCKLBW	X1, X3
	PSRAW	$8, X3
	MOVO	X1, X4
	PUNPCKHBW	X1, X4
	PSRAW	$8, X4
	MOVO	X2, X5
	PUNPCKLBW	X2, X5
	PSRAW	$8, X5
	MOVO	X2, X6
	PUNPCKHBW	X2, X6
	PSRAW	$8, X6
	PMADDWL	X5, X3
	PMADDWL	X6, X4
	PADDL	X3, X0
	PADDL	X4, X0
	ADDQ	$16, SI
	ADDQ	$16, DI
	DECL	CX
	JNE	igloop
	HSUML(X0, X1)
	MOVL	AX, (BP)
	ADDQ	$4, BP
	DECL	R8
	JNE	iggroup
igdone:
	RET

// void nm_p9_sse2_q4_groups(int *sums, uchar *row, schar *x, int nb):
// sums[b] = the exact int32 sum over GGUF Q4_0 block b of row (18 bytes: a
// half scale, then 16 bytes of nibbles; byte j's low nibble pairs with
// x[32b + j], its high nibble with x[32b + j + 16]) of (nibble - 8) * x.
TEXT nm_p9_sse2_q4_groups(SB), $0
	MOVQ	row+8(FP), SI
	MOVQ	x+16(FP), DI
	MOVL	nb+24(FP), CX
	XORPS	X15, X15
	PCMPEQW	X14, X14
	PSRLW	$12, X14
	PCMPEQW	X13, X13
	PSRLW	$15, X13
	PSLLW	$3, X13
	TESTL	CX, CX
	JEQ	q4done
q4loop:
	MOVOU	2(SI), X0
	MOVO	X0, X1
	PUNPCKLBW	X15, X0
	PUNPCKHBW	X15, X1
	MOVO	X0, X2
	PSRLW	$4, X2
	MOVO	X1, X3
	PSRLW	$4, X3
	PAND	X14, X0
	PAND	X14, X1
	PSUBW	X13, X0
	PSUBW	X13, X1
	PSUBW	X13, X2
	PSUBW	X13, X3
	MOVOU	(DI), X4
	MOVO	X4, X5
	PUNPCKLBW	X4, X4
	PSRAW	$8, X4
	PUNPCKHBW	X5, X5
	PSRAW	$8, X5
	MOVOU	16(DI), X6
	MOVO	X6, X7
	PUNPCKLBW	X6, X6
	PSRAW	$8, X6
	PUNPCKHBW	X7, X7
	PSRAW	$8, X7
	PMADDWL	X4, X0
	PMADDWL	X5, X1
	PMADDWL	X6, X2
	PMADDWL	X7, X3
	PADDL	X1, X0
	PADDL	X3, X2
	PADDL	X2, X0
	HSUML(X0, X1)
	MOVL	AX, (BP)
	ADDQ	$4, BP
	ADDQ	$18, SI
	ADDQ	$32, DI
	DECL	CX
	JNE	q4loop
q4done:
	RET

// int nm_p9_cpuid1_edx(void): CPUID leaf 1's EDX (bit 26: SSE2).
TEXT nm_p9_cpuid1_edx(SB), $0
	MOVL	$1, AX
	CPUID
	MOVL	DX, AX
	RET
