"""The NumPy oracle as a third oracle: on every llama2.c v0 fixture it agrees
with the reference's exact mode within float64 noise and with the llama2c
mode within the derived float32 bound; on EVERY model of the manifest (the v0
"models" and each architecture x format of "arch_models"), run on the
weights the engine loaded (model.weights(), dequantized) with the model's
config (theta, eps, window, Llama 3.1 scaling), it agrees with the engine's
forward pass within the float32 bound, or for Q8/Q4_0 storage within the
activation-quantization bound (docs/PYTHON.md). Every comparison goes through
the C++ comparator into a standard report."""
import numpy as np
import pytest

import p9ml
from oracle import Oracle, float32_bound, float64_bound, quantized_bound, rope_frequencies
from oracle.checkpoint import load_v0

POSITIONS = 12
ENGINE_POSITIONS = 8


def tokens_for(config):
    rng = np.random.default_rng(11)
    return [1] + [int(t) for t in rng.integers(0, config["vocab_size"], POSITIONS - 1)]


def test_oracle_reads_what_the_reference_reads(model_paths):
    for _, path in model_paths:
        ck = load_v0(path)
        cfg = p9ml.reference.Transformer(path, mode="exact").config
        for k in ("dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len",
                  "shared_classifier"):
            assert ck.config[k] == cfg[k], k


def test_oracle_on_every_fixture_model(model_paths, tmp_path):
    report = p9ml.Report(host="python", command="pytest python/tests/test_oracle.py")
    assert len(model_paths) >= 2
    for name, path in model_paths:
        oracle = Oracle(path)
        exact = p9ml.reference.Transformer(path, mode="exact")
        l2c = p9ml.reference.Transformer(path, mode="llama2c")
        for pos, tok in enumerate(tokens_for(oracle.config)):
            want = oracle.forward(tok, pos)
            scale = oracle.logit_scale()
            b64 = float64_bound(oracle.config, pos, scale)
            b32 = float32_bound(oracle.config, pos, scale)
            case = "oracle/%s/pos=%d" % (name, pos)
            r64 = p9ml.compare(want, exact.forward(tok, pos), b64, kernel="oracle-forward", case=case,
                               impl="ref-exact", tolerance_note="float64 noise: 4 gamma64(K) sum|Wcls x|")
            r32 = p9ml.compare(want, l2c.forward(tok, pos), b32, kernel="oracle-forward", case=case,
                               impl="ref-llama2c", tolerance_note="4 gamma32(K) sum|Wcls x|")
            for r in (r64, r32):
                assert r["passed"], r["case_id"] + " [" + r["impl"] + "]: " + r["failure"]
                report.add(r)
            # A wrong oracle (say, RoPE at the wrong position) is far outside both bounds.
            assert r64["bound_ratio"] < 0.5
    out = tmp_path / "oracle-report"
    report.write(str(out))
    back = p9ml.Report.read(str(out / "report.json"))
    assert len(back) == len(report) and all(c["passed"] for c in back.cases)


def test_oracle_against_the_engine_on_every_manifest_model(manifest_models, manifest, tmp_path):
    report = p9ml.Report(host="python", command="pytest python/tests/test_oracle.py::engine")
    assert len(manifest_models) == len(manifest["models"]) + len(manifest["arch_models"])
    worst = {}
    for name, path in manifest_models:
        model = p9ml.load(path)
        cfg = model.config
        oracle = Oracle.from_model(model)
        quant = cfg["weight_type"] not in ("f32", "f16", "bf16")
        for pos, tok in enumerate(tokens_for(cfg)[:ENGINE_POSITIONS]):
            want = oracle.forward(tok, pos)
            got = model.forward(tok, pos)
            assert got.dtype == np.float32
            scale = oracle.logit_scale()
            if quant:
                bound = quantized_bound(cfg, pos, scale, oracle.group_scale(cfg["group_size"]))
                note = "4 gamma32(K) sum|Wcls x| + 4 gamma_q(4L+1) sum|Wcls| max|x_group|, u_q = 1/254"
            else:
                bound = float32_bound(cfg, pos, scale)
                note = "4 gamma32(K) sum|Wcls x|"
            r = p9ml.compare(want, got, bound, kernel="oracle-forward", case="oracle/%s/pos=%d" % (name, pos),
                             impl=cfg["backend"], tolerance_note=note)
            assert r["passed"], r["case_id"] + ": " + r["failure"]
            worst[name] = max(worst.get(name, 0.0), r["bound_ratio"])
            report.add(r)
    print("worst bound ratio per model:", {k: round(v, 4) for k, v in worst.items()})
    out = tmp_path / "oracle-engine-report"
    report.write(str(out))
    back = p9ml.Report.read(str(out / "report.json"))
    assert len(back) == len(report) == len(manifest_models) * ENGINE_POSITIONS
    assert all(c["passed"] for c in back.cases)


def test_oracle_weights_from_the_engine_match_its_own_reader(model_paths):
    for _, path in model_paths:
        ck, w = load_v0(path), p9ml.load(path).weights()
        assert set(w) == set(ck.weights)
        for k in w:
            np.testing.assert_array_equal(w[k], ck.weights[k], err_msg=k)


def test_rope_scaling_matters(fixture_dir, manifest):
    """Llama 3.1 scaling changes the low frequencies; an oracle without it
    leaves the engine's llama3 logits outside the float32 bound."""
    e = next(e for e in manifest["arch_models"] if e["arch"] == "llama3" and e["format"] == "gguf-f32")
    model = p9ml.load(str(fixture_dir / e["file"]))
    rs = model.config["rope_scaling"]
    hs = model.config["dim"] // model.config["n_heads"]
    scaled, plain = rope_frequencies(hs, 500000.0, rs), rope_frequencies(hs, 500000.0)
    assert scaled[0] == plain[0] and np.isclose(scaled[-1], plain[-1] / 8)
    unscaled = Oracle.from_model(model)
    unscaled.freq = plain
    worst = 0.0
    for pos, tok in enumerate(tokens_for(model.config)[:ENGINE_POSITIONS]):
        want = unscaled.forward(tok, pos)
        r = p9ml.compare(want, model.forward(tok, pos),
                         float32_bound(model.config, pos, unscaled.logit_scale()),
                         kernel="oracle-forward", case="unscaled/%d" % pos)
        worst = max(worst, r["bound_ratio"])
    assert worst > 1, "the oracle without rope scaling still matched the engine"


def test_oracle_detects_a_perturbed_weight(model_paths):
    _, path = model_paths[0]
    ck = load_v0(path)
    weights = dict(ck.weights)
    wq = weights["wq"].copy()
    wq[0, 0, 0] += 0.05
    weights["wq"] = wq
    bad = Oracle(ck, weights=weights)
    exact = p9ml.reference.Transformer(path, mode="exact")
    worst = 0.0
    for pos, tok in enumerate(tokens_for(bad.config)[:4]):
        want = bad.forward(tok, pos)
        r = p9ml.compare(want, exact.forward(tok, pos), float64_bound(bad.config, pos, bad.logit_scale()),
                         kernel="oracle-forward", case="perturbed/%d" % pos)
        worst = max(worst, r["bound_ratio"])
    assert worst > 1, "a perturbed weight went unnoticed"


def test_oracle_sliding_window_and_generation(model_paths):
    _, path = model_paths[0]
    full, windowed = Oracle(path), Oracle(path, sliding_window=2)
    toks = tokens_for(full.config)[:5]
    for pos, tok in enumerate(toks):
        a, b = full.forward(tok, pos), windowed.forward(tok, pos)
    assert not np.allclose(a, b)  # positions 0..2 are outside the window at pos 4
    m = p9ml.load(path)
    out = m.generate([1], 10, 0.0)
    assert out[0] == 1 and 2 <= len(out) <= 11
    o = Oracle(path)
    checked = 0
    for pos in range(len(out) - 1):
        logits = o.forward(out[pos], pos)
        top2 = np.sort(logits)[-2:]
        # Greedy tokens agree wherever the top two logits are further apart than the float32 bound.
        if top2[1] - top2[0] > 2 * float32_bound(o.config, pos, o.logit_scale()).max():
            assert int(np.argmax(logits)) == out[pos + 1]
            checked += 1
    assert checked > 0
