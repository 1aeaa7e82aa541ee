"""The forward pass of NUMERICS.md in float64: rmsnorm, pairwise RoPE with
theta, grouped-query attention with the causal mask and an optional sliding
window, SwiGLU feed-forward, shared or separate classifier. Weights are the
checkpoint's float32 values widened to float64; hyper-parameters stored as
float (eps, theta) are used at their float32 values, as the reference's
exact mode does."""
import numpy as np

from .checkpoint import load_v0


class Oracle:
    def __init__(self, path_or_checkpoint, rope_theta=10000.0, norm_eps=1e-5, sliding_window=0, weights=None):
        ck = load_v0(path_or_checkpoint) if isinstance(path_or_checkpoint, str) else path_or_checkpoint
        self.config = dict(ck.config)
        self.theta = float(np.float32(rope_theta))
        self.eps = float(np.float32(norm_eps))
        self.window = int(sliding_window)
        src = weights if weights is not None else ck.weights
        self.w = {k: np.asarray(v, dtype=np.float64) for k, v in src.items()}
        c = self.config
        self.head_size = c["dim"] // c["n_heads"]
        self.kv_dim = c["n_kv_heads"] * self.head_size
        shape = (c["n_layers"], c["seq_len"], self.kv_dim)
        self.k_cache = np.zeros(shape)
        self.v_cache = np.zeros(shape)
        self.next_pos = 0
        i = np.arange(0, self.head_size, 2, dtype=np.float64)
        self.freq = 1.0 / self.theta ** (i / self.head_size)  # per pair of a head

    def reset(self):
        self.k_cache[:] = 0
        self.v_cache[:] = 0
        self.next_pos = 0

    def rmsnorm(self, x, w):
        return w * (x / np.sqrt(np.mean(x * x) + self.eps))

    def rope(self, v, pos):
        pairs = v.reshape(-1, 2)
        ang = pos * np.tile(self.freq, pairs.shape[0] // self.freq.size)
        c, s = np.cos(ang), np.sin(ang)
        out = np.empty_like(pairs)
        out[:, 0] = pairs[:, 0] * c - pairs[:, 1] * s
        out[:, 1] = pairs[:, 0] * s + pairs[:, 1] * c
        return out.reshape(-1)

    def attention(self, q, layer, pos):
        c, hs = self.config, self.head_size
        start = max(0, pos - self.window + 1) if self.window > 0 else 0
        keys = self.k_cache[layer, start:pos + 1].reshape(pos + 1 - start, c["n_kv_heads"], hs)
        vals = self.v_cache[layer, start:pos + 1].reshape(pos + 1 - start, c["n_kv_heads"], hs)
        group = c["n_heads"] // c["n_kv_heads"]
        out = np.empty(c["dim"])
        for h in range(c["n_heads"]):
            qh = q[h * hs:(h + 1) * hs]
            scores = keys[:, h // group, :] @ qh / np.sqrt(hs)
            e = np.exp(scores - scores.max())
            a = e / e.sum()
            out[h * hs:(h + 1) * hs] = a @ vals[:, h // group, :]
        return out

    def forward(self, token, pos, hidden=False):
        """Logits (float64) of token at pos; with hidden=True also the residual
        stream after the embedding and after every layer (n_layers + 1 rows)."""
        c, w = self.config, self.w
        if not 0 <= token < c["vocab_size"]:
            raise IndexError("Oracle.forward: token %d out of range [0, %d)" % (token, c["vocab_size"]))
        if not 0 <= pos < c["seq_len"]:
            raise IndexError("Oracle.forward: position %d out of range [0, %d)" % (pos, c["seq_len"]))
        if pos > self.next_pos:
            raise ValueError("Oracle.forward: position %d skips ahead: the next position is %d" % (pos, self.next_pos))
        x = w["token_embedding"][token].copy()
        states = [x.copy()]
        for l in range(c["n_layers"]):
            xb = self.rmsnorm(x, w["rms_att"][l])
            q = self.rope(w["wq"][l] @ xb, pos)
            self.k_cache[l, pos] = self.rope(w["wk"][l] @ xb, pos)
            self.v_cache[l, pos] = w["wv"][l] @ xb
            x = x + w["wo"][l] @ self.attention(q, l, pos)
            xb = self.rmsnorm(x, w["rms_ffn"][l])
            h1, h3 = w["w1"][l] @ xb, w["w3"][l] @ xb
            x = x + w["w2"][l] @ (h1 / (1.0 + np.exp(-h1)) * h3)
            states.append(x.copy())
        self.next_pos = pos + 1
        self.final = self.rmsnorm(x, w["rms_final"])
        logits = w["wcls"] @ self.final
        return (logits, np.array(states)) if hidden else logits

    def logit_scale(self):
        """sum_j |Wcls_ij * x_j| of the last forward, per logit: the scale of
        the classifier's rounding error, from which the bounds are built."""
        return np.abs(self.w["wcls"]) @ np.abs(self.final)
