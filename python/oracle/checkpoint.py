"""Reads a llama2.c v0 checkpoint with numpy alone: 7 int32 (dim, hidden_dim,
n_layers, n_heads, n_kv_heads, vocab_size, seq_len; a negative vocab_size
means an unshared classifier), then the float32 tensors in the v0 order, the
legacy RoPE tables (skipped) and, when unshared, wcls."""
from dataclasses import dataclass, field

import numpy as np

HEADER = ["dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"]


@dataclass
class Checkpoint:
    config: dict
    weights: dict = field(default_factory=dict)  # name -> float32 ndarray, llama2.c shapes


def load_v0(path):
    """Returns a Checkpoint; raises ValueError('PATH: problem') on a malformed file."""
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size < 28:
        raise ValueError("%s: %d bytes, shorter than the 28-byte v0 header" % (path, raw.size))
    hdr = raw[:28].view("<i4")
    cfg = dict(zip(HEADER, (int(v) for v in hdr)))
    shared = cfg["vocab_size"] > 0
    cfg["vocab_size"] = abs(cfg["vocab_size"])
    cfg["shared_classifier"] = shared
    for k in HEADER:
        if cfg[k] <= 0:
            raise ValueError("%s: header field %s = %d is not positive" % (path, k, cfg[k]))
    dim, hid, L, nh, nkv, V, S = (cfg[k] for k in HEADER)
    if dim % nh or nh % nkv or (dim // nh) % 2:
        raise ValueError("%s: dim %d, n_heads %d, n_kv_heads %d are inconsistent" % (path, dim, nh, nkv))
    hs = dim // nh
    kv = nkv * hs
    shapes = [("token_embedding", (V, dim)), ("rms_att", (L, dim)), ("wq", (L, dim, dim)), ("wk", (L, kv, dim)),
              ("wv", (L, kv, dim)), ("wo", (L, dim, dim)), ("rms_ffn", (L, dim)), ("w1", (L, hid, dim)),
              ("w2", (L, dim, hid)), ("w3", (L, hid, dim)), ("rms_final", (dim,)),
              ("freq_cis_real", (S, hs // 2)), ("freq_cis_imag", (S, hs // 2))]
    if not shared:
        shapes.append(("wcls", (V, dim)))
    total = sum(int(np.prod(s)) for _, s in shapes)
    body = raw[28:]
    if body.size != 4 * total:
        raise ValueError("%s: %d bytes of weights, the header implies %d" % (path, body.size, 4 * total))
    floats = body.view("<f4")
    ck = Checkpoint(cfg)
    off = 0
    for name, shape in shapes:
        n = int(np.prod(shape))
        if not name.startswith("freq_cis"):
            ck.weights[name] = floats[off:off + n].reshape(shape)
        off += n
    if shared:
        ck.weights["wcls"] = ck.weights["token_embedding"]
    return ck
