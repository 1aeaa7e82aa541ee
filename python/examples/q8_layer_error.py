#!/usr/bin/python3
"""Per-layer error of a Q8_0 model against its f32 original.

Quantizes every weight matrix of a llama2.c v0 checkpoint with the
reference's Q8_0 quantizer (llama2c mode, exporter rounding: ties to even),
dequantizes it, runs the NumPy oracle (float64) on both weight sets over a
token sequence and plots the relative error of the residual stream after the
embedding and after each layer, plus the logits. Writes q8_layer_error.png
into the report folder (default reports/latest/).

    PYTHONPATH=build/python:python /usr/bin/python3 python/examples/q8_layer_error.py --model M.bin
"""
import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import p9ml  # noqa: E402
from oracle import Oracle, load_v0  # noqa: E402

MATRICES = ["token_embedding", "wq", "wk", "wv", "wo", "w1", "w2", "w3", "wcls"]


def group_size(n, preferred):
    for gs in (preferred, 64, 32, 16, 8, 4, 2, 1):
        if n % gs == 0:
            return gs
    return 1


def quantized_weights(ck, gs):
    """The checkpoint's weights with every matrix through Q8_0 and back."""
    out = dict(ck.weights)
    for name in MATRICES:
        if name == "wcls" and ck.config["shared_classifier"]:
            out["wcls"] = out["token_embedding"]
            continue
        w = np.ascontiguousarray(ck.weights[name], dtype=np.float32)
        mats = w.reshape(-1, *w.shape[-2:])
        deq = np.empty_like(mats)
        for i, m in enumerate(mats):
            flat = m.ravel()
            g = group_size(flat.size, gs)
            q, s = p9ml.reference.llama2c.q8_quantize(flat, g, "even")
            deq[i] = p9ml.reference.llama2c.q8_dequantize(q, s, g).reshape(m.shape)
        out[name] = deq.reshape(w.shape)
    return out


def layer_errors(path, positions, gs, seed):
    ck = load_v0(path)
    f32, q8 = Oracle(ck), Oracle(ck, weights=quantized_weights(ck, gs))
    rng = np.random.default_rng(seed)
    n = min(positions, ck.config["seq_len"])
    tokens = [1] + [int(t) for t in rng.integers(0, ck.config["vocab_size"], n - 1)]
    rel = []
    for pos, tok in enumerate(tokens):
        lf, hf = f32.forward(tok, pos, hidden=True)
        lq, hq = q8.forward(tok, pos, hidden=True)
        per_layer = np.linalg.norm(hq - hf, axis=1) / np.linalg.norm(hf, axis=1)
        rel.append(np.append(per_layer, np.linalg.norm(lq - lf) / np.linalg.norm(lf)))
    return ck.config, np.array(rel)  # (positions, n_layers + 2)


def plot(config, rel, out_png, title):
    L = config["n_layers"]
    labels = ["emb"] + ["L%d" % i for i in range(L)] + ["logits"]
    x = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.semilogy(x, rel.mean(axis=0), "o-", label="mean over positions")
    ax.fill_between(x, rel.min(axis=0), rel.max(axis=0), alpha=0.3, label="min..max")
    ax.set_xticks(x, labels)
    ax.set_ylabel("relative L2 error, Q8_0 vs f32")
    ax.set_xlabel("residual stream after")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out_png, dpi=100)
    plt.close(fig)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="llama2.c v0 checkpoint (f32)")
    ap.add_argument("--out", default="reports/latest", help="report folder (default reports/latest)")
    ap.add_argument("--positions", type=int, default=16)
    ap.add_argument("--group-size", type=int, default=64)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    config, rel = layer_errors(a.model, a.positions, a.group_size, a.seed)
    os.makedirs(a.out, exist_ok=True)
    png = os.path.join(a.out, "q8_layer_error.png")
    plot(config, rel, png, "Q8_0 (GS %d) per-layer error: %s" % (a.group_size, os.path.basename(a.model)))
    for i, v in enumerate(rel.mean(axis=0)):
        print("%-8s %.3e" % ((["emb"] + ["L%d" % j for j in range(config["n_layers"])] + ["logits"])[i], v))
    print("wrote " + png)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
