#!/usr/bin/env bash
# check-plan9-directives.sh: 6c's preprocessor knows nine directives
# (#define #undef #include #ifdef #ifndef #else #endif #line #pragma); any other
# stops the compile with "FILE:LINE unknown #: NAME" (docs/PLAN9_SUBSET.md).
#
#   check-plan9-directives.sh [--root DIR] [--list] [FILE...]
#       check what the mkfile in DIR (default: the repository) compiles;
#       --list also prints the files checked
#   check-plan9-directives.sh [--root DIR] --self-test if|elif|error
#       copy the tree, add that directive to a file mk compiles, and require
#       exactly the report 6c would give
#
# The files are exactly those 6c reads under mk: `mk -n -a all lib tools
# bench component llmfs` (Plan 9 mk from 9base, through check-mkfile-targets.sh) gives each
# 6c command; every .c it names is read the way 6c reads it, with that
# command's -D and -I flags, following #include through 6c's search order (the
# directory of the .c file being compiled, then -I, then /amd64/include and
# /sys/include, which are not in the repository) and through 6c's #ifdef
# skipping. The mkfile's HFILES, conformance/component/ct.h and any FILE given
# are checked as well, and llmfs/*.c as `6c -DNINEML_PLAN9 -Iengine -Illmfs`
# compiles them where mk -n does not name them.
#
# Reports, one per line, and exit 1 if there is any:
#   FILE:LINE unknown #: NAME      a directive 6c does not know. 6c reads '#'
#       anywhere outside comments, strings and character constants, and allows
#       blanks after it ("#  if"). Also reported where 6c would skip the line
#       (a false #ifdef branch), with "(in a branch 6c skips here)": 6c only
#       counts #ifdef/#ifndef/#else/#endif there, so the #endif of a skipped
#       #if closes the #ifdef early and the rest compiles when it should not.
#   FILE:LINE #NAME inside a comment or string is seen by 6c when it skips
#       6c's skipping reads lines, not tokens: such an #endif/#else/#ifdef ends
#       or nests the skipped branch.
#   and what 6c itself would say about the directives it knows: "comment
#   across newline", "syntax in #if(n)def", "syntax in #include", a quoted
#   #include found nowhere, end of file inside a skipped branch.
# Otherwise prints "check-plan9-directives: N files checked" and exits 0.
set -u

here=$(cd -P "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
root=$(cd -P "$here/.." && pwd)
self_test=
list_files=0
extra=()
while (($#)); do
	case $1 in
	--root) root=$(cd -P "$2" && pwd) || exit 1; shift 2 ;;
	--self-test) self_test=$2; shift 2 ;;
	--list) list_files=1; shift ;;
	-h|--help) sed -n '2,36p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "check-plan9-directives: unknown option $1" >&2; exit 2 ;;
	*) extra+=("$(readlink -f "$1")"); shift ;;
	esac
done

if ! command -v python3 >/dev/null; then
	echo "check-plan9-directives: python3 not found" >&2
	exit 1
fi

# The 6c command lines mk would run, and the mkfile's HFILES.
compiles() {
	local r=$1 out
	if ! out=$(bash "$here/check-mkfile-targets.sh" --root "$r" --dry-run all lib tools bench component llmfs 2>&1); then
		echo "check-plan9-directives: mk -n all lib tools bench component llmfs failed in $r:" >&2
		printf '%s\n' "$out" | sed 's/^/  /' >&2
		return 1
	fi
	printf '%s\n' "$out"
}

if [[ -n $self_test ]]; then
	case $self_test in
	if|elif|error) ;;
	*) echo "check-plan9-directives: --self-test takes if, elif or error" >&2; exit 2 ;;
	esac
	copy=$(mktemp -d)
	trap 'rm -rf "$copy"' EXIT
	mkdir -p "$copy/conformance"
	cp -r "$root/mkfile" "$root/engine" "$root/llmfs" "$copy/" && cp -r "$root/conformance/component" "$copy/conformance/" || exit 1
	mkn=$(compiles "$copy") || exit 1
	cc=$(bash "$here/check-mkfile-targets.sh" --root "$copy" --print-var CC) || exit 1
	hfiles=$(bash "$here/check-mkfile-targets.sh" --root "$copy" --print-var HFILES) || exit 1
	# A .c file mk really compiles, and the first of HFILES.
	cfile=$(awk -v cc="$cc" '$1 == cc { for (i = 2; i <= NF; i++) if ($i ~ /\.c$/) { print $i; exit } }' <<<"$mkn")
	hfile=${hfiles%% *}
	[[ -n $cfile && -f $copy/$cfile && -n $hfile && -f $copy/$hfile ]] || {
		echo "self-test: no compiled .c file or HFILES entry found in mk -n's output" >&2
		exit 1
	}
	# Look-alikes that are not directives, for 6c or for this check.
	cat >>"$copy/$cfile" <<'DECOY'
/*
#if in a comment is not a directive
 #error nor is this
*/
// #elif in a line comment
static char nm_directive_test[] = "#if in a string";
static char nm_directive_test_c = '#';
DECOY
	suffix=
	case $self_test in
	if)
		file=$cfile
		printf '#  if defined(NINEML_PLAN9) || defined(NINEML_SUBSET_CHECK)\n#endif\n' >>"$copy/$file"
		;;
	elif)
		# In a header, inside the branch 6c takes (NINEML_PLAN9 is defined).
		file=$hfile
		printf '#ifdef NINEML_PLAN9\n#elif defined(NINEML_SUBSET_CHECK)\n#endif\n' >>"$copy/$file"
		;;
	error)
		# In the branch 6c skips: 6c would not stop, the check still does.
		file=$cfile
		printf '#ifndef NINEML_PLAN9\n#error host only\n#endif\n' >>"$copy/$file"
		suffix=" (in a branch 6c skips here)"
		;;
	esac
	line=$(($(wc -l <"$copy/$file") - 1))
	want="$file:$line unknown #: $self_test$suffix"
	if out=$(bash "${BASH_SOURCE[0]}" --root "$copy"); then
		echo "self-test: #$self_test added to $file was not reported:"
		printf '%s\n' "$out"
		exit 1
	fi
	if [[ $out != "$want" ]]; then
		echo "self-test: expected exactly: $want"
		echo "got:"
		printf '%s\n' "$out"
		exit 1
	fi
	echo "$out"
	echo "self-test: #$self_test added to $file reported exactly so; the look-alikes in a comment, a string and a character constant were not"
	exit 0
fi

mkn=$(compiles "$root") || exit 1
cc=$(bash "$here/check-mkfile-targets.sh" --root "$root" --print-var CC) || exit 1
hfiles=$(bash "$here/check-mkfile-targets.sh" --root "$root" --print-var HFILES) || exit 1
list=$(mktemp)
trap 'rm -f "$list"' EXIT
{
	printf '%s\n' "$mkn" | awk -v cc="$cc" '$1 == cc { print "compile\t" $0 }'
	for h in $hfiles conformance/component/ct.h; do
		printf 'file\t%s\n' "$h"
	done
	for f in "${extra[@]}"; do
		printf 'file\t%s\n' "$f"
	done
	# llmfs's server core, read as 6c will compile it (6c -DNINEML_PLAN9
	# -Iengine -Illmfs), for as long as the mkfile does not compile it itself.
	for f in "$root"/llmfs/*.c; do
		[[ -f $f ]] || continue
		rel=llmfs/${f##*/}
		if ! awk -v cc="$cc" -v f="$rel" '$1 == cc { for (i = 2; i <= NF; i++) if ($i == f) found = 1 } END { exit !found }' <<<"$mkn"; then
			printf 'compile\t%s -DNINEML_PLAN9 -Iengine -Illmfs %s\n' "$cc" "$rel"
		fi
	done
} >"$list"
if ! grep -q '^compile' "$list"; then
	echo "check-plan9-directives: mk -n printed no '$cc' command:" >&2
	printf '%s\n' "$mkn" | sed 's/^/  /' >&2
	exit 1
fi

cd "$root" && NINEML_LIST=$list_files exec python3 - "$list" <<'PY'
import os, sys

NINE = {"define", "undef", "include", "ifdef", "ifndef", "else", "endif", "line", "pragma"}
EOF = None
SPACE = " \t\n\v\f\r"
SYSDIRS = ("/amd64/include", "/sys/include")  # 6c's, after -I; never in the repo


def alpha(c):
    return c is not None and (c.isascii() and (c.isalpha() or c == "_") or ord(c) >= 0x80)


def alnum(c):
    return c is not None and (c.isascii() and (c.isalnum() or c == "_") or ord(c) >= 0x80)


def readfile(path):
    with open(path, "rb") as f:
        return f.read().decode("latin-1")


def norm(path):
    return os.path.normpath(path)


class Stream:
    """6c's input: a stack of files; at the end of an included file reading
    continues in the includer (filbuf), also in the middle of a skip."""

    def __init__(self):
        self.stack = []  # [name, text, pos, line]

    def push(self, name, text):
        self.stack.append([name, text, 0, 1])

    def getc(self):
        while self.stack:
            f = self.stack[-1]
            if f[2] < len(f[1]):
                c = f[1][f[2]]
                f[2] += 1
                if c == "\n":
                    f[3] += 1
                return c
            self.stack.pop()
        return EOF

    def unget(self, c):
        if c is EOF or not self.stack:
            return
        f = self.stack[-1]
        f[2] -= 1
        if c == "\n":
            f[3] -= 1

    def where(self):
        if not self.stack:
            return None, 0
        return self.stack[-1][0], self.stack[-1][3]


problems = {}   # (file, line, text) -> None, kept in order
active_unknown = set()   # (file, line, name): unknown directive 6c meets in code
skip_seen = []  # (file, line, name): conditionals 6c's skipping counts
reached = []    # files 6c reads, in order


def problem(f, line, text):
    problems.setdefault((norm(f), line, text), None)


class Compile:
    """One 6c run: the directive level of cc/lex.c and cc/macbody."""

    def __init__(self, cfile, defines, incdirs):
        self.s = Stream()
        self.defines = set(defines)
        self.inc = incdirs
        self.main = cfile

    def getnsc(self):
        c = self.s.getc()
        while c is not EOF and c in SPACE and c != "\n":
            c = self.s.getc()
        return c

    def getsym(self):
        c = self.getnsc()
        if not alpha(c):
            self.s.unget(c)
            return None
        name = c
        c = self.s.getc()
        while alnum(c):
            name += c
            c = self.s.getc()
        self.s.unget(c)
        return name

    def macend(self):
        while True:
            c = self.getnsc()
            if c is EOF or c == "\n":
                return

    def getcom(self, f, line):
        while True:
            c = self.getnsc()
            if c != "/":
                break
            c = self.s.getc()
            if c == "/":
                while c is not EOF and c != "\n":
                    c = self.s.getc()
                break
            if c != "*":
                break
            c = self.s.getc()
            while True:
                if c is EOF:
                    return c
                if c == "*":
                    c = self.s.getc()
                    if c != "/":
                        continue
                    c = self.s.getc()
                    break
                if c == "\n":
                    problem(f, line, "comment across newline")
                    break
                c = self.s.getc()
            if c == "\n":
                break
        return c

    def run(self):
        try:
            text = readfile(self.main)
        except OSError as e:
            problem(self.main, 0, "6c: cannot open: %s" % e.strerror)
            return
        reached.append(norm(self.main))
        self.s.push(self.main, text)
        self.code()

    # yylex: comments, strings and character constants hide '#'.
    def code(self):
        s = self.s
        while True:
            c = s.getc()
            if c is EOF:
                return
            if c == "/":
                c1 = s.getc()
                if c1 == "*":
                    prev = None
                    while True:
                        c = s.getc()
                        if c is EOF:
                            return
                        if prev == "*" and c == "/":
                            break
                        prev = c
                elif c1 == "/":
                    while c1 is not EOF and c1 != "\n":
                        c1 = s.getc()
                else:
                    s.unget(c1)
            elif c == '"' or c == "'":
                while True:
                    c1 = s.getc()
                    if c1 is EOF or c1 == "\n" or c1 == c:
                        break
                    if c1 == "\\":
                        s.getc()
            elif alpha(c):
                c1 = s.getc()
                while alnum(c1):
                    c1 = s.getc()
                s.unget(c1)
            elif c == "#":
                self.domacro()

    def domacro(self):
        f, line = self.s.where()
        name = self.getsym()
        if name is None:
            name = "endif"  # 6c: a '#' with no name is an #endif
        if name not in NINE:
            problem(f, line, "unknown #: " + name)
            active_unknown.add((norm(f), line, name))
            self.macend()
        elif name in ("ifdef", "ifndef"):
            self.macif(f, line, 0 if name == "ifdef" else 1)
        elif name == "else":
            self.skip(2)
        elif name == "define":
            self.macdef()
        elif name == "undef":
            sym = self.getsym()
            self.macend()
            self.defines.discard(sym)
        elif name == "include":
            self.macinc(f, line)
        else:  # endif, line, pragma: the rest of the line
            self.macend()

    def macif(self, f, line, neg):
        sym = self.getsym()
        if sym is None or self.getcom(f, line) != "\n":
            problem(f, line, "syntax in #if(n)def")
            self.macend()
            return
        if (sym in self.defines) != bool(neg):
            return
        self.skip(neg)

    # macif's skip: character by character, '#' counts at the start of any
    # line, comments and strings included.
    def skip(self, f):
        s = self.s
        bol, depth = True, 0
        while True:
            c = s.getc()
            if c is EOF:
                problem(self.main, 0, "End of file (inside a skipped #ifdef branch)")
                return
            if c != "#":
                if c not in SPACE:
                    bol = False
                if c == "\n":
                    bol = True
                continue
            if not bol:
                continue
            file, line = s.where()
            sym = self.getsym()
            if sym is None:
                continue
            if sym in ("endif", "ifdef", "ifndef", "else"):
                skip_seen.append((norm(file), line, sym))
            if sym == "endif":
                if depth:
                    depth -= 1
                    continue
                self.macend()
                return
            if sym in ("ifdef", "ifndef"):
                depth += 1
                continue
            if depth == 0 and f != 2 and sym == "else":
                self.macend()
                return

    def macdef(self):
        s = self.s
        sym = self.getsym()
        if sym is None:
            self.macend()
            return
        self.defines.add(sym)
        # The body: to the end of the line, over \-newlines and comments
        # (which may span lines), strings kept whole.
        quote = None
        c = s.getc()
        while c is not EOF:
            if quote:
                if c == "\\":
                    s.getc()
                elif c == quote:
                    quote = None
            elif c in "\"'":
                quote = c
            elif c == "/":
                c = s.getc()
                if c == "/":
                    while c is not EOF and c != "\n":
                        c = s.getc()
                    continue
                if c == "*":
                    prev = None
                    while True:
                        c = s.getc()
                        if c is EOF or (prev == "*" and c == "/"):
                            break
                        prev = c
                    c = s.getc()
                    continue
                continue
            if c == "\\":
                c = s.getc()
                if c == "\n" or c == "\r":
                    if c == "\r":
                        c = s.getc()
                    c = s.getc()
                continue
            if c == "\n":
                return
            c = s.getc()

    def macinc(self, f, line):
        s = self.s
        c0 = self.getnsc()
        if c0 == '"':
            close = '"'
        elif c0 == "<":
            close = ">"
        else:
            s.unget(c0)
            problem(f, line, "syntax in #include")
            self.macend()
            return
        name = ""
        while True:
            c = s.getc()
            if c is EOF or c == "\n":
                problem(f, line, "syntax in #include")
                return
            if c == close:
                break
            name += c
        if self.getcom(f, line) != "\n":
            problem(f, line, "syntax in #include")
            self.macend()
            return
        found = None
        for i, d in enumerate(self.inc):
            if i == 0 and close == ">":
                continue
            if d in SYSDIRS:
                break
            p = d + "/" + name
            if p.startswith("./"):
                p = p[2:]
            if os.path.isfile(p):
                found = p
                break
        if found is None:
            if close == ">":
                return  # a 9front system header (u.h, libc.h): not ours
            # 6c's last resort, after /amd64/include and /sys/include.
            if not os.path.isfile(name):
                problem(f, line, 'cannot find include "%s" (6c looks in %s, then the system '
                        'directories)' % (name, ", ".join(d for d in self.inc if d not in SYSDIRS)))
                return
            found = name
        p = found
        reached.append(norm(p))
        s.push(p, readfile(p))


def scan_all_branches(path):
    """Every directive of one file as a reader sees it: comments, strings and
    character constants hidden, all #ifdef branches read. Returns
    (line, name) of each directive."""
    text = readfile(path)
    out = []
    i, n, line = 0, len(text), 1

    def eol(i, line, define):
        # The rest of a directive line; #define bodies continue over
        # \-newlines and over comments that span lines, like macdef.
        quote = None
        while i < n:
            c = text[i]
            if quote:
                if c == "\\" and i + 1 < n:
                    if text[i + 1] == "\n":
                        line += 1
                    i += 2
                    continue
                if c == quote:
                    quote = None
                elif c == "\n":
                    return i + 1, line + 1
                i += 1
                continue
            if define and c in "\"'":
                quote = c
            elif define and text.startswith("/*", i):
                j = text.find("*/", i + 2)
                j = n if j < 0 else j + 2
                line += text.count("\n", i, j)
                i = j
                continue
            elif define and c == "\\" and i + 1 < n and text[i + 1] == "\n":
                i += 2
                line += 1
                continue
            elif c == "\n":
                return i + 1, line + 1
            i += 1
        return i, line

    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            line += text.count("\n", i, j)
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c in "\"'":
            i += 1
            while i < n and text[i] != c and text[i] != "\n":
                if text[i] == "\\" and i + 1 < n:
                    if text[i + 1] == "\n":
                        line += 1
                    i += 1
                i += 1
            if i < n and text[i] == c:
                i += 1
        elif c == "#":
            j = i + 1
            while j < n and text[j] in " \t\v\f\r":
                j += 1
            k = j
            while k < n and alnum(text[k]):
                k += 1
            name = text[j:k] if k > j and alpha(text[j]) else None
            out.append((line, name))
            i, line = eol(k, line, name == "define")
        else:
            i += 1
    return out


def parse_6c(argv):
    """6c's ARGBEGIN: -o, -D and -I take a value, in the same word or the next."""
    defines, incs, files = [], [], []
    i = 1
    while i < len(argv):
        a = argv[i]
        i += 1
        if a.startswith("-") and len(a) > 1:
            for j in range(1, len(a)):
                if a[j] in "oDI":
                    v = a[j + 1:]
                    if not v and i < len(argv):
                        v = argv[i]
                        i += 1
                    if a[j] == "D":
                        defines.append(v.split("=", 1)[0])
                    elif a[j] == "I":
                        for p in v.split(" "):
                            if p and p not in incs:
                                incs.append(p)
                    break
        else:
            files.append(a)
    return defines, incs, files


compiles, files = [], []
with open(sys.argv[1]) as lst:
    for entry in lst:
        kind, _, rest = entry.rstrip("\n").partition("\t")
        if kind == "compile":
            compiles.append(rest.split())
        elif rest:
            files.append(rest)

for argv in compiles:
    defines, incs, cfiles = parse_6c(argv)
    for cfile in cfiles:
        d = os.path.dirname(cfile) or "."
        Compile(cfile, defines, [d] + [p for p in incs if p != d] + list(SYSDIRS)).run()

checked = []
for f in reached + [norm(os.path.relpath(f)) if os.path.isabs(f) else norm(f) for f in files]:
    if f not in checked:
        checked.append(f)

real = set()
for f in checked:
    try:
        dirs = scan_all_branches(f)
    except OSError as e:
        problem(f, 0, "cannot read: %s" % e.strerror)
        continue
    for line, name in dirs:
        real.add((f, line))
        if name is not None and name not in NINE:
            if (f, line, name) in active_unknown:
                continue  # reported by the 6c emulation already
            problem(f, line, "unknown #: %s (in a branch 6c skips here)" % name)

for f, line, name in skip_seen:
    if (f, line) not in real:
        problem(f, line, "#%s inside a comment or string is seen by 6c when it skips a false #ifdef branch" % name)

if os.environ.get("NINEML_LIST") == "1":
    for f in checked:
        print("checked: " + f)
if problems:
    for (f, line, text) in sorted(problems, key=lambda p: (p[0], p[1])):
        print("%s:%d %s" % (f, line, text))
    sys.exit(1)
print("check-plan9-directives: %d files checked (%d 6c commands from mk -n)" % (len(checked), len(compiles)))
PY
