#!/usr/bin/env bash
# check-plan9-subset.sh: grep-level rules for the 6c subset (docs/PLAN9_SUBSET.md).
#
#   check-plan9-subset.sh              check the engine core files and llmfs/*.c
#   check-plan9-subset.sh FILE...      check the given files
#   check-plan9-subset.sh --self-test  prove every rule fires (and a clean file passes)
#
# Prints one "file:line: problem" per violation and exits 1 if there was any.
# Comments and string literals are blanked first, so prose may say "long".
set -u

root=$(cd -P "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)

# The core: every engine C file except the platform layer (which may include
# system headers), the host-only tests and the host-only SIMD tables
# (engine/simd/: intrinsics, never built by 6c; docs/SIMD.md).
core_files() {
	find "$root/engine" -type f \( -name '*.c' -o -name '*.h' \) \
		-not -path "$root/engine/port/*" -not -path "$root/engine/tests/*" \
		-not -path "$root/engine/simd/*" | sort
	# The component-test programs (their port/ layer may include system headers).
	find "$root/conformance/component" -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' \) | sort
	# llmfs's server core (its host tests live in llmfs/tests/). Its headers
	# are left out: llmfs.h declares its Plan 9 pragma itself.
	if [[ -d $root/llmfs ]]; then
		find "$root/llmfs" -maxdepth 1 -type f -name '*.c' | sort
	fi
}

# Blank comments and the contents of string and char literals, keeping line
# numbers; #include lines keep their quoted name for the include rule.
strip_c() {
	awk '
	BEGIN { inblock = 0 }
	{
		line = $0; out = ""; n = length(line); i = 1
		isinc = (line ~ /^[ \t]*#[ \t]*include/)
		while (i <= n) {
			c = substr(line, i, 1); c2 = substr(line, i, 2)
			if (inblock) {
				if (c2 == "*/") { inblock = 0; out = out " "; i += 2 } else i++
				continue
			}
			if (c2 == "/*") { inblock = 1; i += 2; continue }
			if (c2 == "//") break
			if (c == "\"" || c == "\x27") {
				q = c; j = i + 1; body = ""
				while (j <= n && substr(line, j, 1) != q) {
					if (substr(line, j, 1) == "\\") { body = body substr(line, j, 2); j += 2 }
					else { body = body substr(line, j, 1); j++ }
				}
				out = out q (isinc ? body : "") q
				i = j + 1
				continue
			}
			out = out c; i++
		}
		print out
	}'
}

# rule: extended regex <TAB> message
rules() {
	cat <<'RULES'
(^|[^A-Za-z0-9_])long([^A-Za-z0-9_]|$)	type long (32 bits on Plan 9): use int or nm_i64/nm_u64
(^|[^A-Za-z0-9_])_Bool([^A-Za-z0-9_]|$)|stdbool	_Bool/stdbool.h: 6c has no boolean type, use int
(_Static_assert|static_assert)	_Static_assert: not in 6c
__attribute__	__attribute__: GCC extension, not in 6c
__func__	__func__: not in 6c
^[ \t]*#[ \t]*pragma	#pragma in the core: 6c ignores #pragma once (use include guards); the Plan 9 pragmas belong in port/port.h
^[ \t]*#[ \t]*include[ \t]*[^" \t]	#include of a system header or macro: only quoted project headers in the core
^[ \t]*#[ \t]*include[ \t]*"[^"]*intrin[^"]*"|<[a-z]*intrin	SIMD intrinsics header: 6c has no intrinsics
__builtin	__builtin: GCC builtin, not in 6c
(^|[^A-Za-z0-9_])(SET|USED|signof|typestr)([^A-Za-z0-9_]|$)	SET/USED/signof/typestr are 6c keywords
(^|[^A-Za-z0-9_])(__asm__|__asm|asm|__typeof__|typeof|__extension__|__int128|_Generic|_Atomic|_Thread_local|_Alignas|_Alignof|_Complex)([^A-Za-z0-9_]|$)	GNU/C11 extension keyword: not in 6c
(^|[^A-Za-z0-9_.>])([A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])*)[ \t]*[!=]=[ \t]*\2([^A-Za-z0-9_[(]|$)	self-compare NaN idiom: 6c does not order NaN compares, use nm_isnan
[A-Za-z0-9_]\(([^()]|\([^()]*\))*\)[ \t]*\.[ \t]*[A-Za-z_]	member of a returned struct (f(x).m): 6c reads the wrong bytes; assign the struct to a variable first
RULES
}

check_files() {
	local status=0 file regex msg
	for file in "$@"; do
		if [[ ! -r $file ]]; then
			echo "$file:0: cannot read file"
			status=1
			continue
		fi
		local stripped
		stripped=$(strip_c <"$file")
		while IFS=$'\t' read -r regex msg; do
			while IFS=: read -r lineno _; do
				[[ -n $lineno ]] || continue
				echo "$file:$lineno: $msg"
				status=1
			done < <(printf '%s\n' "$stripped" | grep -nE -- "$regex")
		done < <(rules)
	done
	return $status
}

self_test() {
	local dir fail=0 n=0
	dir=$(mktemp -d)
	trap 'rm -rf "$dir"' RETURN
	local -a bad=(
		'long x;'
		'unsigned long long y;'
		'_Bool b;'
		'#include <stdbool.h>'
		'_Static_assert(1, "x");'
		'int f(void) __attribute__((unused));'
		'const char *s = __func__;'
		'#pragma once'
		'#include <stdint.h>'
		'#include MACRO_HEADER'
		'#include "immintrin.h"'
		'int z = __builtin_clz(4);'
		'int SET;'
		'void USED(int);'
		'int signof;'
		'int typestr;'
		'__asm__("nop");'
		'int nan = x != x;'
		'int ok = a[i] == a[i];'
		'if (qid_of(f->path).type & 0x80)'
		'int t = qid_of(g(x)).type;'
	)
	local snippet
	for snippet in "${bad[@]}"; do
		n=$((n + 1))
		printf '%s\n' "$snippet" >"$dir/bad$n.c"
		if out=$(check_files "$dir/bad$n.c"); then
			echo "self-test: rule did not fire for: $snippet"
			fail=1
		elif [[ $out != "$dir/bad$n.c:1: "* ]]; then
			echo "self-test: bad message for: $snippet: $out"
			fail=1
		fi
	done
	# Things that must pass: prose in comments and strings, look-alike names,
	# ordinary compares, quoted project includes.
	cat >"$dir/good.c" <<'GOOD'
#include "kernels.h"
#include "fbits.h"
/* as long as the pragma in this comment is not code: long, _Bool */
// __attribute__ and x != x in a line comment
static const char *msg = "long __builtin x != x";
int longest, settle, used_up, typestring;
int cmp(int x, int y) { return x != y && x == y + 0; }
int same(int *a, int i) { return a[i] != a[i + 1]; }
int mem(S *p, S s) { return (*p).x + s.y + f(p)->z + (int)(s).w + g(1.5); }
GOOD
	if ! out=$(check_files "$dir/good.c"); then
		echo "self-test: false positives on clean code:"
		echo "$out"
		fail=1
	fi
	if ((fail == 0)); then
		echo "self-test: $n violations detected, clean file accepted"
	fi
	return $fail
}

if [[ ${1-} == --self-test ]]; then
	self_test
	exit $?
fi
if (($# == 0)); then
	mapfile -t files < <(core_files)
	if ((${#files[@]} == 0)); then
		echo "check-plan9-subset: no engine core files found under $root/engine"
		exit 1
	fi
	set -- "${files[@]}"
fi
check_files "$@"
