"""p9ml.load (the engine: nm_model_load, nm_forward, nm_generate): config,
forward bit-identical to the reference in llama2c mode on v0 files (the
scalar contract), generate against the reference's generate loop, every
architecture x format of the manifest, weights(), and the engine tokenizer."""
import struct

import numpy as np
import pytest

import p9ml


def test_load_forward_generate(model_paths):
    for _, path in model_paths:
        m = p9ml.load(path)
        ref = p9ml.reference.Transformer(path, mode="llama2c")
        assert m.config["backend"] == "engine-scalar" and m.config["format"] == "llama2c-v0"
        assert m.config["arch"] == "llama2" and m.config["rope_scaling"] is None
        assert m.tokenizer is None
        for pos, tok in enumerate([1, 7, 3, 9]):
            got, want = m.forward(tok, pos), ref.forward(tok, pos)
            assert got.shape == (m.config["vocab_size"],) and got.dtype == np.float32
            np.testing.assert_array_equal(got.astype(np.float64), want)
        toks = m.generate([1, 4], 12, temperature=0.8, topp=0.9, seed=5)
        assert toks == ref.generate([1, 4], 12, 0.8, 0.9, 5)["tokens"]
        assert toks == m.generate([1, 4], 12, temperature=0.8, topp=0.9, seed=5)  # deterministic
        m.reset()
        np.testing.assert_array_equal(m.forward(1, 0), ref.forward(1, 0).astype(np.float32))


def test_every_architecture_and_format(fixture_dir, manifest):
    for e in manifest["arch_models"]:
        m = p9ml.load(str(fixture_dir / e["file"]))
        c = m.config
        assert c["arch"] == e["arch"], e["file"]
        # wq's type; on the small shape (rows of 64) the K types fall back as
        # llama.cpp's quantizer does (docs/FORMATS.md, "K-quant mixes")
        kshape = e.get("shape") == "kquant"
        k_types = {"gguf-q2_k": ("q2_k", "q4_0"), "gguf-q3_k": ("q3_k", "q4_0"), "gguf-q4_k": ("q4_k", "q5_0"),
                   "gguf-q5_k": ("q5_k", "q5_1"), "gguf-q6_k": ("q6_k", "q8"), "gguf-q4_k_m": ("q4_k", "q5_0"),
                   "gguf-q5_k_m": ("q5_k", "q5_1")}
        want = {"v2": "q8", "gguf-q8_0": "q8", "gguf-q4_0": "q4_0", "gguf-f16": "f16",
                "safetensors-f16": "f16", "gguf-bf16": "bf16", "safetensors-bf16": "bf16",
                "gguf-q5_0": "q5_0", "gguf-q5_1": "q5_1"}.get(e["format"], "f32")
        if e["format"] in k_types:
            want = k_types[e["format"]][0 if kshape else 1]
        assert c["weight_type"] == want, e["file"]
        assert (c["group_size"] > 0) == (c["weight_type"] not in ("f32", "f16", "bf16"))
        if e["arch"] == "llama3":
            assert c["rope_theta"] == 500000.0
            assert c["rope_scaling"] == {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                         "original_max_position": 8192}
        else:
            assert c["rope_scaling"] is None
        assert c["sliding_window"] == (32 if e["arch"] == "mistral" else 0)
        # qwen2's K-shape fixture is its untied variant
        assert c["shared_classifier"] == (e["arch"] != "mistral" and not (e["arch"] == "qwen2" and kshape))
        assert c["qkv_bias"] == c["rope_neox"] == (e["arch"] == "qwen2")
        w = m.weights()
        d, hid, L, V = c["dim"], c["hidden_dim"], c["n_layers"], c["vocab_size"]
        kv = c["n_kv_heads"] * (d // c["n_heads"])
        shapes = {"token_embedding": (V, d), "rms_att": (L, d), "wq": (L, d, d), "wk": (L, kv, d),
                  "wv": (L, kv, d), "wo": (L, d, d), "rms_ffn": (L, d), "w1": (L, hid, d), "w2": (L, d, hid),
                  "w3": (L, hid, d), "rms_final": (d,), "wcls": (V, d)}
        if e["arch"] == "qwen2":
            shapes.update({"bq": (L, d), "bk": (L, kv), "bv": (L, kv)})
            assert np.abs(m.weights()["bk"]).max() > 0.1, e["file"]  # the generated biases are nonzero
        assert {k: v.shape for k, v in w.items()} == shapes, e["file"]
        assert all(v.dtype == np.float32 for v in w.values())
        logits = m.forward(1, 0)
        assert logits.shape == (V,) and np.isfinite(logits).all()
        toks = m.generate([1], 6, temperature=0.0)
        assert toks[0] == 1 and 2 <= len(toks) <= 7


def test_f32_formats_hold_the_same_weights(fixture_dir, manifest):
    """The arch fixtures' weights are exact in f16/bf16, so every float
    format of one architecture loads the same values (and runs the same)."""
    by_arch = {}
    for e in manifest["arch_models"]:
        m = p9ml.load(str(fixture_dir / e["file"]))
        if m.config["weight_type"] in ("f32", "f16", "bf16"):
            by_arch.setdefault(e["arch"], []).append((e["format"], m))
    for arch, models in by_arch.items():
        assert len(models) >= 2, arch
        fmt0, m0 = models[0]
        w0, l0 = m0.weights(), m0.forward(5, 0)
        for fmt, m in models[1:]:
            for k, v in m.weights().items():
                np.testing.assert_array_equal(v, w0[k], err_msg="%s %s vs %s: %s" % (arch, fmt, fmt0, k))
            np.testing.assert_array_equal(m.forward(5, 0), l0)


def write_byte_vocab(path, n):
    """A tokenizer.bin of n tokens: <unk>, <s>, </s>, then byte pieces <0x00>..."""
    pieces = [b"<unk>", b"<s>", b"</s>"] + [("<0x%02X>" % b).encode() for b in range(n - 3)]
    with open(path, "wb") as f:
        f.write(struct.pack("<i", max(len(p) for p in pieces)))
        for p in pieces:
            f.write(struct.pack("<fi", 0.0, len(p)) + p)


def test_tokenizer(model_paths, tmp_path):
    _, path = model_paths[0]
    n = p9ml.load(path).config["vocab_size"]
    tok = tmp_path / "tokenizer.bin"
    write_byte_vocab(tok, n)
    m = p9ml.load(path, tokenizer=str(tok))
    assert len(m.tokenizer) == n
    ids = m.tokenizer.encode("A")
    assert ids == [1, 0x20 + 3, 0x41 + 3]  # BOS, dummy-prefix space, 'A' as byte tokens
    assert m.tokenizer.decode(ids).strip() == "A"
    with pytest.raises(IndexError, match=r"Tokenizer.decode: ids\[0\]: token %d out of range" % n):
        m.tokenizer.decode([n])
    with pytest.raises(ValueError):
        p9ml.Tokenizer(str(tok), n + 1)  # the vocabulary must have the model's size


def test_reprs_show_the_key_fields(model_paths, tmp_path):
    """Model, Tokenizer, Report and reference.Transformer have a repr that
    says what they are (not pybind11's `<p9ml._core.Model object at 0x...>`)."""
    _, path = model_paths[0]
    m = p9ml.load(path)
    c = m.config
    assert repr(m) == "<p9ml.Model %r: llama2c-v0 %s f32, dim=%d n_layers=%d vocab_size=%d, impl=engine-scalar>" % (
        path, c["arch"], c["dim"], c["n_layers"], c["vocab_size"])
    tok = tmp_path / "tokenizer.bin"
    write_byte_vocab(tok, c["vocab_size"])
    assert repr(p9ml.Tokenizer(tok)) == "<p9ml.Tokenizer: %d tokens>" % c["vocab_size"]
    t = p9ml.reference.Transformer(path, mode="llama2c")
    assert repr(t) == "<p9ml.reference.Transformer mode=llama2c: dim=%d n_layers=%d vocab_size=%d>" % (
        c["dim"], c["n_layers"], c["vocab_size"])
    r = p9ml.Report(command="repr test")
    key = p9ml.cases("softmax")[0]
    r.extend(p9ml.run_case(key, "engine-scalar"))
    r.add(p9ml.compare(None, p9ml.case_expected(key)[0].astype(np.float32) + 1, case=key))
    assert repr(r) == "<p9ml.Report host='python' command='repr test': 2 cases, 1 passed, 1 failed>"
    assert type(m).__module__ == "p9ml" and type(t).__module__ == "p9ml.reference"
