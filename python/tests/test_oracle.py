"""The NumPy oracle as a third oracle: on every fixture model it agrees with
the reference's exact mode within float64 noise and with the llama2c mode
(and the p9ml model) within the derived float32 bound; the comparisons go
through the C++ comparator into a standard report."""
import numpy as np
import pytest

import p9ml
from oracle import Oracle, float32_bound, float64_bound
from oracle.checkpoint import load_v0

POSITIONS = 12


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
        model = p9ml.load(path)
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
            got = model.forward(tok, pos)
            assert got.dtype == np.float32
            rm = p9ml.compare(want, got, b32, kernel="oracle-forward", case=case, impl="p9ml-model",
                              tolerance_note="4 gamma32(K) sum|Wcls x|")
            for r in (r64, r32, rm):
                assert r["passed"], r["case_id"] + " [" + r["impl"] + "]: " + r["failure"]
                report.add(r)
            # A wrong oracle (say, RoPE at the wrong position) is far outside both bounds.
            assert r64["bound_ratio"] < 0.5
    out = tmp_path / "oracle-report"
    report.write(str(out))
    back = p9ml.Report.read(str(out / "report.json"))
    assert len(back) == len(report) and all(c["passed"] for c in back.cases)


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
