#!/usr/bin/env python3
"""Runs every command block of README.md and docs/*.md marked runnable.

    run-doc-blocks.py SOURCE_DIR BUILD_DIR [FILE.md ...]

A block is marked by the line `<!-- runnable -->` right before it (blank
lines between are allowed): an indented block (4 spaces) or a fenced
```sh/```bash block. Each block runs as one `bash -euo pipefail` script,
in a fresh temporary folder that looks like a checkout after the set-up
commands: `build` (the build tree), `python`, `scripts` and `docs` link to
the real ones, `fixtures/out` holds `9ml fixtures`' output, and `9ml` is on
PATH. It prints each block with its file and line, then PASS or its
output and FAIL; exits 1 if a block failed or if no block is marked
(a docs test that runs nothing must not pass).
"""
import os
import pathlib
import re
import subprocess
import sys
import tempfile

MARK = re.compile(r"^\s*<!--\s*runnable\s*-->\s*$")


def blocks(path):
    lines = pathlib.Path(path).read_text().splitlines()
    i = 0
    while i < len(lines):
        if not MARK.match(lines[i]):
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j < len(lines) and re.match(r"^```(sh|bash)?\s*$", lines[j]):
            k = j + 1
            body = []
            while k < len(lines) and not lines[k].startswith("```"):
                body.append(lines[k])
                k += 1
            yield j + 1, "\n".join(body)
            i = k + 1
            continue
        body = []
        k = j
        while k < len(lines) and (lines[k].startswith("    ") or not lines[k].strip()):
            body.append(lines[k][4:])
            k += 1
        while body and not body[-1].strip():
            body.pop()
        if not body:
            raise SystemExit("%s:%d: <!-- runnable --> is not followed by a command block" % (path, i + 1))
        yield j + 1, "\n".join(body)
        i = k


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    src, build = (os.path.abspath(a) for a in sys.argv[1:3])
    files = sys.argv[3:] or [os.path.join(src, "README.md")] + sorted(
        str(p) for p in pathlib.Path(src, "docs").glob("*.md"))
    found = [(f, line, text) for f in files for line, text in blocks(f)]
    if not found:
        print("FAIL: no block marked <!-- runnable --> in %d files" % len(files))
        return 1
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        fx = os.path.join(tmp, "fixtures-out")
        os.makedirs(fx)
        if any("fixtures/" in text for _, _, text in found):  # made once, only when a block uses them
            subprocess.run([os.path.join(build, "9ml"), "fixtures", "--out", fx], check=True, stdout=subprocess.DEVNULL)
        env = dict(os.environ, PATH=build + os.pathsep + os.environ.get("PATH", ""))
        for n, (f, line, text) in enumerate(found):
            work = os.path.join(tmp, "block%d" % n)
            os.makedirs(os.path.join(work, "fixtures"))
            for name, target in (("build", build), ("python", os.path.join(src, "python")),
                                 ("scripts", os.path.join(src, "scripts")), ("docs", os.path.join(src, "docs"))):
                os.symlink(target, os.path.join(work, name))
            os.symlink(fx, os.path.join(work, "fixtures", "out"))
            where = "%s:%d" % (os.path.relpath(f, src), line)
            print("--- %s\n%s" % (where, text), flush=True)
            try:
                r = subprocess.run(["bash", "-euo", "pipefail", "-c", text], cwd=work, env=env, timeout=300,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                ok, out = r.returncode == 0, r.stdout
                why = "exit status %d" % r.returncode
            except subprocess.TimeoutExpired as e:
                ok, out, why = False, (e.stdout or b"").decode(errors="replace"), "timed out after 300 s"
            if ok:
                print("PASS %s" % where)
            else:
                failed += 1
                print(out.rstrip())
                print("FAIL %s: %s" % (where, why))
    print("%d runnable blocks, %d failed" % (len(found), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
