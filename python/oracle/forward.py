"""The forward pass of docs/FORWARD.md in float64: rmsnorm, pairwise RoPE with
theta (and Llama 3.1 frequency scaling, docs/FORWARD.md's rule), grouped-query
attention with the causal mask and an optional sliding window, SwiGLU
feed-forward, shared or separate classifier. Weights are float32 values
widened to float64, from the oracle's own v0 reader or from any model the
engine loads (Oracle.from_model: model.weights() and model.config);
hyper-parameters stored as float (eps, theta, scaling factors) are used at
their float32 values, as the reference's exact mode does."""
import numpy as np

from .checkpoint import Checkpoint, load_v0

DEFAULTS = {"rope_theta": 10000.0, "norm_eps": 1e-5, "sliding_window": 0, "rope_scaling": None}


def f32(v):
    return float(np.float32(v))


def rope_frequencies(head_size, theta, scaling=None):
    """Per pair of a head: 1/theta^(2i/head_size), then, with a Llama 3.1
    scaling dict (factor, low_freq_factor, high_freq_factor,
    original_max_position), Meta's rule as docs/FORWARD.md states it:
    wavelen = 2 pi / freq; wavelen < orig/high: kept; wavelen > orig/low:
    freq/factor; otherwise smooth = (orig/wavelen - low)/(high - low) and
    freq = (1 - smooth) freq/factor + smooth freq. In float64."""
    i = np.arange(0, head_size, 2, dtype=np.float64)
    freq = 1.0 / theta ** (i / head_size)
    if not scaling or not scaling.get("factor"):
        return freq
    factor, low, high = f32(scaling["factor"]), f32(scaling["low_freq_factor"]), f32(scaling["high_freq_factor"])
    orig = float(scaling["original_max_position"])
    wavelen = 2 * np.pi / freq
    smooth = (orig / wavelen - low) / (high - low)
    mid = (1 - smooth) * freq / factor + smooth * freq
    return np.where(wavelen < orig / high, freq, np.where(wavelen > orig / low, freq / factor, mid))


class Oracle:
    """Oracle(path_or_checkpoint, rope_theta=None, norm_eps=None,
    sliding_window=None, weights=None, rope_scaling=None): an argument left
    None comes from the checkpoint's config dict when it has the key
    (model.config has them all), else the llama2 default (theta 1e4,
    eps 1e-5, no window, no scaling)."""

    def __init__(self, path_or_checkpoint, rope_theta=None, norm_eps=None, sliding_window=None, weights=None,
                 rope_scaling=None):
        ck = load_v0(path_or_checkpoint) if isinstance(path_or_checkpoint, str) else path_or_checkpoint
        self.config = dict(ck.config)
        given = {"rope_theta": rope_theta, "norm_eps": norm_eps, "sliding_window": sliding_window,
                 "rope_scaling": rope_scaling}
        p = {k: (given[k] if given[k] is not None else self.config.get(k, DEFAULTS[k])) for k in DEFAULTS}
        self.theta = f32(p["rope_theta"])
        self.eps = f32(p["norm_eps"])
        self.window = int(p["sliding_window"] or 0)
        self.scaling = p["rope_scaling"]
        src = weights if weights is not None else ck.weights
        self.w = {k: np.asarray(v, dtype=np.float64) for k, v in src.items()}
        c = self.config
        self.head_size = c["dim"] // c["n_heads"]
        self.kv_dim = c["n_kv_heads"] * self.head_size
        shape = (c["n_layers"], c["seq_len"], self.kv_dim)
        self.k_cache = np.zeros(shape)
        self.v_cache = np.zeros(shape)
        self.next_pos = 0
        self.freq = rope_frequencies(self.head_size, self.theta, self.scaling)  # per pair of a head

    @classmethod
    def from_model(cls, model, **overrides):
        """The oracle over a model loaded by p9ml.load (any format): its
        dequantized weights and its config (theta, eps, window, scaling)."""
        return cls(Checkpoint(dict(model.config), model.weights()), **overrides)

    def reset(self):
        self.k_cache[:] = 0
        self.v_cache[:] = 0
        self.next_pos = 0

    def bias(self, name, layer):
        """Layer's row of a projection bias, or 0 for a model without one."""
        return self.w[name][layer] if name in self.w else 0.0

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
            # Qwen2's q/k/v biases (weights "bq", "bk", "bv"), added before RoPE
            q = self.rope(w["wq"][l] @ xb + self.bias("bq", l), pos)
            self.k_cache[l, pos] = self.rope(w["wk"][l] @ xb + self.bias("bk", l), pos)
            self.v_cache[l, pos] = w["wv"][l] @ xb + self.bias("bv", l)
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

    def group_scale(self, group_size):
        """sum_j |Wcls_ij| m_j with m_j the largest |x| in j's group (of
        group_size) of the last final state: the scale of the classifier's
        activation-quantization error (bounds.quantized_bound)."""
        m = np.repeat(np.abs(self.final).reshape(-1, group_size).max(axis=1), group_size)
        return np.abs(self.w["wcls"]) @ m
