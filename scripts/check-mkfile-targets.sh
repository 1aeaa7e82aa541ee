#!/usr/bin/env bash
# check-mkfile-targets.sh: every target of the top-level mkfile must be
# buildable by Plan 9's mk. Runs `mk -n -a TARGET` (print the recipes, build
# nothing, treat every target as out of date) with the Plan 9 mk of Debian's
# 9base package, so mk's own complaints (ambiguous recipes, no rule to make a
# prerequisite, syntax errors) show up on the host, not first inside 9front.
#
#   check-mkfile-targets.sh [--root DIR] [--mkfile FILE]
#       run mk -n for each of: all lib tools run runq export bench component clean
#       componentclean (in DIR, default the repository; FILE default DIR/mkfile)
#   check-mkfile-targets.sh --dry-run [--root DIR] [--mkfile FILE] TARGET...
#       print mk -n -a's output for the targets (check-plan9-directives.sh
#       takes the list of compiled files from it)
#   check-mkfile-targets.sh --print-var VAR [--root DIR] [--mkfile FILE]
#       print the value of the mkfile's variable VAR as mk expands it
#   check-mkfile-targets.sh --self-test
#       a copy of the mkfile with a second recipe for the same objects
#       (%.$O: %.c next to the engine/ and conformance/component/ rules)
#       must fail with mk's "ambiguous recipes"
#
# mk is /usr/lib/plan9/bin/mk (package 9base), or $NINEML_MK. The mkfile starts
# with </$objtype/mkfile; a stub of 9front's /amd64/mkfile is written to a
# temporary directory and objtype is set so that /$objtype/mkfile names it.
# mk runs with an empty environment (only PATH, HOME and objtype), as on a
# fresh 9front where LDFLAGS and the like are unset.
set -u

here=$(cd -P "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
root=$(cd -P "$here/.." && pwd)
mkfile=
mode=check
targets=(all lib tools run runq export bench component llmfs clean componentclean)

while (($#)); do
	case $1 in
	--root) root=$(cd -P "$2" && pwd) || exit 1; shift 2 ;;
	--mkfile) mkfile=$2; shift 2 ;;
	--dry-run) mode=dry; shift ;;
	--print-var) mode=var; var=$2; shift 2 ;;
	--self-test) mode=self; shift ;;
	-h|--help) sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "check-mkfile-targets: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
if [[ $mode == dry ]]; then
	(($#)) || { echo "check-mkfile-targets: --dry-run needs targets" >&2; exit 2; }
	targets=("$@")
elif [[ $mode == self ]]; then
	# The real bug this check exists for: a generic %.$O: %.c rule next to
	# conformance/component/%.$O: both match ct_*.$O and mk refuses.
	self=$(mktemp -d)
	trap 'rm -rf "$self"' EXIT
	cp "${mkfile:-$root/mkfile}" "$self/mkfile" || exit 1
	# shellcheck disable=SC2016 # mk variables, written literally
	printf '\n%%.$O: %%.c\n\t$CC $CFLAGS -o $target $stem.c\n' >>"$self/mkfile"
	if out=$(bash "${BASH_SOURCE[0]}" --root "$root" --mkfile "$self/mkfile" 2>&1); then
		echo "self-test: mk -n accepted two recipes for the same objects:"
		printf '%s\n' "$out"
		exit 1
	fi
	if ! grep -q 'mk: ambiguous recipes for conformance/component/' <<<"$out"; then
		echo "self-test: mk -n failed, but not with 'ambiguous recipes' for a component object:"
		printf '%s\n' "$out"
		exit 1
	fi
	printf '%s\n' "$out" | grep -m1 'ambiguous recipes for conformance/component/'
	echo "self-test: a second %.\$O: %.c recipe fails with mk's 'ambiguous recipes'"
	exit 0
elif (($#)); then
	echo "check-mkfile-targets: unexpected argument $1" >&2
	exit 2
fi
mkfile=${mkfile:-$root/mkfile}
mkfile=$(readlink -f "$mkfile")
if [[ ! -r $mkfile ]]; then
	echo "check-mkfile-targets: cannot read $mkfile" >&2
	exit 1
fi

mk=${NINEML_MK:-/usr/lib/plan9/bin/mk}
if [[ ! -x $mk ]]; then
	echo "check-mkfile-targets: Plan 9 mk not found at $mk: install Debian's 9base package (scripts/install-deps.sh) or set NINEML_MK" >&2
	exit 1
fi

stub=$(mktemp -d)
trap 'rm -rf "$stub"' EXIT
# 9front's /amd64/mkfile and the /sys/src/mkfile.proto it includes, as they are
# in the 9front tree the VM harness boots (commit 027f579f): no AR, no LDFLAGS.
mkdir -p "$stub/amd64" "$stub/sys/src"
cat >"$stub/sys/src/mkfile.proto" <<'PROTO'
#
# common mkfile parameters shared by all architectures
#

OS=05678qvt
CPUS=spim arm arm64 amd64 386 power mips
CFLAGS=-FTVw
LEX=lex
YACC=yacc
MK=/bin/mk

# recursive mk will have these set from the parent
# this is never what we want.  clear them

TARG=
OFILES=
HFILES=
YFILES=
LIB=
PROTO
cat >"$stub/amd64/mkfile" <<AMD64
<$stub/sys/src/mkfile.proto

CC=6c
LD=6l
O=6
AS=6a
AMD64
objtype=${stub#/}/amd64
if [[ ! -r /$objtype/mkfile ]]; then
	echo "check-mkfile-targets: stub /$objtype/mkfile is not readable" >&2
	exit 1
fi

run_mk() {
	(cd "$root" && env -i PATH="$(dirname "$mk"):/usr/bin:/bin" HOME="${HOME:-/}" \
		objtype="$objtype" "$mk" -f "$mkfile" -n -a "$@")
}

if [[ $mode == dry ]]; then
	run_mk "${targets[@]}"
	exit $?
fi
if [[ $mode == var ]]; then
	# A wrapper mkfile that includes the real one and echoes the variable;
	# mk -n prints the recipe with the value expanded.
	printf '<%s\n\nnineml_print_var:V:\n\techo $%s\n' "$mkfile" "$var" >"$stub/print.mk"
	mkfile=$stub/print.mk
	out=$(run_mk nineml_print_var) || { printf '%s\n' "$out" >&2; exit 1; }
	printf '%s\n' "${out#echo}" | sed 's/^ *//'
	exit 0
fi

status=0
for t in "${targets[@]}"; do
	if ! out=$(run_mk "$t" 2>&1); then
		echo "check-mkfile-targets: mk -n $t failed:"
		printf '%s\n' "$out" | sed 's/^/  /'
		status=1
	elif grep -q "^mk: " <<<"$out"; then
		echo "check-mkfile-targets: mk -n $t complained:"
		grep "^mk: " <<<"$out" | sed 's/^/  /'
		status=1
	fi
done
if ((status == 0)); then
	echo "check-mkfile-targets: mk -n passes for ${#targets[@]} targets (${targets[*]})"
fi
exit $status
