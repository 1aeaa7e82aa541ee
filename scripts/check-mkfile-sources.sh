#!/usr/bin/env bash
# check-mkfile-sources.sh: the Plan 9 mkfile must build every engine kernel the
# host build does (CMake globs engine/kernels/*.c and engine/tokenizer/*.c; the
# mkfile lists them by hand), and every file of llmfs's server core
# (llmfs/*.c, globbed by llmfs/CMakeLists.txt) for `mk llmfs`.
#
#   check-mkfile-sources.sh [MKFILE]   default: the top-level mkfile
#
# Prints one line per problem and exits 1 if there was any.
set -u

root=$(cd -P "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
mkfile=${1:-$root/mkfile}
status=0

if [[ ! -r $mkfile ]]; then
	echo "$mkfile: cannot read mkfile"
	exit 1
fi

# Every kernel source needs its object in the mkfile.
for src in "$root"/engine/kernels/*.c "$root"/engine/tokenizer/*.c "$root"/engine/formats/*.c "$root"/engine/arch/*.c "$root"/engine/model/*.c "$root"/llmfs/*.c; do
	[[ -e $src ]] || continue
	obj="${src#"$root"/}"
	obj="${obj%.c}.\$O"
	if ! grep -qF -- "$obj" "$mkfile"; then
		echo "$mkfile: missing $obj (for ${src#"$root"/})"
		status=1
	fi
done
if ! grep -qF -- 'engine/port/plan9.$O' "$mkfile"; then
	echo "$mkfile: missing engine/port/plan9.\$O"
	status=1
fi

# Programs: each engine/tools/NAME.c is built by the mkfile.
for src in "$root"/engine/tools/*.c; do
	[[ -e $src ]] || continue
	obj="engine/tools/$(basename "$src" .c).\$O"
	if ! grep -qF -- "$obj" "$mkfile"; then
		echo "$mkfile: missing $obj (for ${src#"$root"/})"
		status=1
	fi
done

# And the mkfile must not name kernels that no longer exist.
while read -r obj; do
	if [[ ! -f $root/${obj%.\$O}.c ]]; then
		echo "$mkfile: lists $obj but ${obj%.\$O}.c does not exist"
		status=1
	fi
done < <(grep -oE '(engine/(kernels|tokenizer|formats|arch|model)|llmfs)/[A-Za-z0-9_]+\.\$O' "$mkfile" | sort -u)

exit $status
