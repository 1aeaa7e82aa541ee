#!/usr/bin/python3
"""Peak memory of `9ml run`, `convert` and `quantize` on a 110M-shaped f32
model (issue 16; docs/PERFORMANCE.md "Memory"). A benchmark: it prints
numbers and checks them against the documented bounds, never times anything.

  /usr/bin/python3 scripts/bench-memory.py [--build DIR] [--shape 110m|15m]

Writes a seeded llama2.c v0 checkpoint of the shape (stories110M: dim 768,
12 layers, 12 heads, vocab 32000, seq_len 1024; 438 MB) and a 32000-token
tokenizer.bin into a temporary directory, then runs each command once and
reads its peak resident set (getrusage of the child, as /usr/bin/time -v).
Bounds:
  run:      peak <= 1.1 x file size + the KV cache it asked for
  convert:  peak <= 0.25 x file size (the output goes to page cache,
            which is not the process's memory)
Exit 1 if a bound is broken, 0 otherwise.
"""
import argparse
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np

SHAPES = {  # dim, hidden, layers, heads, kv heads, vocab, seq_len
    "110m": (768, 2048, 12, 12, 12, 32000, 1024),
    "15m": (288, 768, 6, 6, 6, 32000, 256),
}
MB = 1 << 20


def write_model(path, shape):
    dim, hidden, layers, heads, kv, vocab, seq = shape
    hs, kv_dim = dim // heads, dim // heads * kv
    rng = np.random.default_rng(16)
    sizes = [vocab * dim, layers * dim, layers * dim * dim, layers * dim * kv_dim,
             layers * dim * kv_dim, layers * dim * dim, layers * dim, layers * hidden * dim,
             layers * dim * hidden, layers * hidden * dim, dim, seq * hs // 2, seq * hs // 2]
    with open(path, "wb") as f:
        f.write(struct.pack("<7i", *shape))
        for n in sizes:  # run.c's order; chunked so the script stays small
            for at in range(0, n, 1 << 22):
                k = min(1 << 22, n - at)
                f.write((rng.standard_normal(k, dtype=np.float32) * 0.02).tobytes())


def write_tokenizer(path, vocab):
    pieces = [b"<unk>", b"<s>", b"</s>"] + [b"<0x%02X>" % b for b in range(256)]
    pieces += [bytes([c]) for c in range(32, 127)]
    pieces += [b" w%d" % i for i in range(vocab - len(pieces))]
    with open(path, "wb") as f:
        f.write(struct.pack("<i", 16))
        for i, p in enumerate(pieces):
            f.write(struct.pack("<fi", 0.0 if i < 259 else -float(i), len(p)) + p)


def peak_rss(cmd):
    """Runs cmd; returns (exit status, peak RSS in bytes)."""
    print("bench-memory: " + " ".join(cmd), file=sys.stderr, flush=True)
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode(errors="replace").strip()
    if p.returncode != 0:
        sys.exit(f"bench-memory: {cmd[1]} exited {p.returncode}: {err}")
    return usage.ru_maxrss * 1024  # Linux reports KiB


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--shape", default="110m", choices=sorted(SHAPES))
    ap.add_argument("--steps", type=int, default=256)
    a = ap.parse_args()
    nineml = os.path.join(a.build, "9ml")
    shape = SHAPES[a.shape]
    dim, _, layers, heads, kv, vocab, seq = shape
    with tempfile.TemporaryDirectory(prefix="bench-memory.") as tmp:
        model, tok = os.path.join(tmp, "model.bin"), os.path.join(tmp, "tokenizer.bin")
        print(f"bench-memory: writing a {a.shape}-shaped f32 model", file=sys.stderr, flush=True)
        write_model(model, shape)
        write_tokenizer(tok, vocab)
        size = os.path.getsize(model)
        kv_cache = 2 * layers * a.steps * (dim // heads * kv) * 4
        rows = []
        rss = peak_rss([nineml, "run", model, "-z", tok, "-n", str(a.steps), "-t", "0", "-i", "Once upon a time"])
        rows.append((f"run -n {a.steps}", rss, 1.1 * size + kv_cache, "1.1 x file + KV cache"))
        for cmd, out, to in (("convert", "m.gguf", "gguf-f16"), ("convert", "m.st", "safetensors-f32"),
                             ("convert", "m1.bin", "v1"), ("quantize", "m2.bin", "v2"),
                             ("quantize", "m.q8.gguf", "gguf-q8_0")):
            rss = peak_rss([nineml, cmd, model, os.path.join(tmp, out), "--to", to])
            rows.append((f"{cmd} --to {to}", rss, 0.25 * size, "0.25 x file"))
            os.remove(os.path.join(tmp, out))
    print(f"model: {a.shape} f32, {size / MB:.1f} MB; KV cache for {a.steps} steps {kv_cache / MB:.1f} MB")
    print(f"{'command':28} {'peak RSS MB':>12} {'bound MB':>10}  {'ratio':>6}  bound")
    bad = 0
    for name, rss, bound, rule in rows:
        ok = rss <= bound
        bad += not ok
        print(f"{name:28} {rss / MB:12.1f} {bound / MB:10.1f}  {rss / bound:6.2f}  {rule}{'' if ok else '  OVER'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
