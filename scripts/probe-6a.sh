#!/usr/bin/env bash
# probe-6a.sh: which x86 instructions 9front's 6a assembles, measured inside
# the real 9front (issue 19; docs/PLAN9_SUBSET.md, "Assembly"). Each probe is
# one instruction in its own TEXT; prints "NAME ok" or "NAME FAIL <6a's error>".
#   NINEML_9FRONT=../shared/9front scripts/probe-6a.sh [BUILD_DIR]
# Needs a build (build/9ml) and the 9front tarball unpacked by the vmharness
# tests (BUILD_DIR/9front/9front-qemu); takes ~30 s under TCG.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
img=$build/9front/9front-qemu
[ -f "$img/root.img" ] || { echo "probe-6a: no $img/root.img (run the vmharness.9front_* tests first)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/probe"
i=0
while IFS='|' read -r name text; do
  [ -n "$name" ] || continue
  i=$((i + 1))
  printf 'TEXT p%d(SB), $0\n\t%s\n\tRET\n' "$i" "$text" >"$work/probe/$name.s"
done <<'LIST'
sse.movups|MOVUPS	(BP), X0
sse.addps|ADDPS	X1, X0
sse.mulps|MULPS	X1, X0
sse.maxps|MAXPS	X1, X0
sse.minps|MINPS	X1, X0
sse.divps|DIVPS	X1, X0
sse.sqrtps|SQRTPS	X1, X0
sse.rsqrtps|RSQRTPS	X1, X0
sse.shufps|SHUFPS	$0x4e, X1, X0
sse.movhlps|MOVHLPS	X1, X0
sse.movlhps|MOVLHPS	X1, X0
sse.unpcklps|UNPCKLPS	X1, X0
sse.addss|ADDSS	X1, X0
sse.movss|MOVSS	(BP), X0
sse.xorps|XORPS	X1, X0
sse.andnps|ANDNPS	X1, X0
sse.movmskps|MOVMSKPS	X1, AX
sse.cmpps-imm-last|CMPPS	X1, X0, $1
sse.cmpps-imm-first|CMPPS	$1, X1, X0
sse.cmpps-3|CMPPS	X0, X1, 1
sse2.cvtpl2ps|CVTPL2PS	X1, X0
sse2.cvtps2pl|CVTPS2PL	X1, X0
sse2.cvttps2pl|CVTTPS2PL	X1, X0
sse2.pmaddwl|PMADDWL	X1, X0
sse2.paddl|PADDL	X1, X0
sse2.paddw|PADDW	X1, X0
sse2.pmullw|PMULLW	X1, X0
sse2.pcmpgtb|PCMPGTB	X1, X0
sse2.pshufl|PSHUFL	$0x4e, X1, X0
sse2.pmovmskb|PMOVMSKB	X1, AX
sse2.movou|MOVOU	(BP), X0
sse2.movo|MOVO	X1, X0
sse2.movq|MOVQ	(BP), X0
sse2.punpcklbw|PUNPCKLBW	X1, X0
sse2.punpcklwl|PUNPCKLWL	X1, X0
sse2.psraw|PSRAW	$8, X0
sse2.psrad|PSRAL	$8, X0
sse2.packsswb|PACKSSWB	X1, X0
sse3.haddps|HADDPS	X1, X0
ssse3.pshufb|PSHUFB	X1, X0
ssse3.pmaddubsw|PMADDUBSW	X1, X0
ssse3.pabsb|PABSB	X1, X0
ssse3.psignb|PSIGNB	X1, X0
sse41.pmovsxbw|PMOVSXBW	X1, X0
sse41.pmulld|PMULLD	X1, X0
sse41.roundps|ROUNDPS	$0, X1, X0
sse41.blendvps|BLENDVPS	X1, X0
avx.vmovups|VMOVUPS	(BP), Y0
avx.vaddps|VADDPS	Y1, Y0, Y0
avx.vbroadcastss|VBROADCASTSS	(BP), Y0
avx.vzeroupper|VZEROUPPER
avx.vextractf128|VEXTRACTF128	$1, Y0, X1
fma.vfmadd231ps|VFMADD231PS	Y1, Y2, Y0
avx2.vpmaddwd|VPMADDWD	Y1, Y0, Y0
cpu.cpuid|CPUID
cpu.xgetbv|XGETBV
enc.byte-vzeroupper|BYTE $0xc5; BYTE $0xf8; BYTE $0x77
LIST
cat >"$work/probe/run.rc" <<'RC'
for(f in *.s){
	if(6a -o /tmp/probe.6 $f >[2]/tmp/probe.err >[1=2]) echo `{basename $f .s} ok
	if not echo `{basename $f .s} FAIL `{cat /tmp/probe.err}
}
RC
echo "probe-6a: $i probes, booting 9front (TCG)" >&2
run=$work/run
"$build/9ml" vm --guest 9front --kernel-file "$img/9pc64q" --append console=0 --image "$img/root.img" \
  --kernel residual_add --put "$work/probe" --after 'cd put/probe; rc run.rc > ../../after/probe.txt' \
  --out "$work/out" >"$work/vm.log" 2>&1 || { cat "$work/vm.log" >&2; echo "probe-6a: 9ml vm failed" >&2; exit 1; }
out=$(find "$build/vm-run/collected/after" -name probe.txt -newer "$work/probe/run.rc" | head -1)
[ -n "$out" ] || { echo "probe-6a: the guest wrote no probe.txt" >&2; exit 1; }
sed 's/\r$//' "$out"
