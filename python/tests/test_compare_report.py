"""compare() is the C++ comparator: the same metrics and bound ratio as the
runner for the same case; results round-trip through a standard report."""
import json
import math

import numpy as np
import pytest

import p9ml

METRICS = ["max_abs", "max_rel", "max_ulp", "nmse", "cosine", "bound_ratio", "elements", "passed",
           "ulp_histogram", "tolerance_kind", "tolerance_note", "case_id"]


@pytest.mark.parametrize("key", [p9ml.cases("softmax")[40], p9ml.cases("rmsnorm")[60],
                                 p9ml.cases("matmul_f32")[50], p9ml.cases("attention")[30]])
def test_compare_equals_runner(key):
    inp = p9ml.case_inputs(key)
    kernel = key.split("/")[0]
    if kernel == "softmax":
        got = p9ml.softmax(inp["x"])
    elif kernel == "rmsnorm":
        got = p9ml.rmsnorm(inp["x"], inp["w"])
    elif kernel == "matmul_f32":
        got = p9ml.matmul(inp["x"], inp["w"])
    else:
        from conftest import parse_key
        prm = parse_key(key)
        got = p9ml.attention(inp["q"], inp["k_cache"], inp["v_cache"], int(prm["heads"]), int(prm["kv_heads"]),
                             int(prm["pos"]), int(prm["window"]))
    mine = p9ml.compare(None, got, case=key, impl="engine-scalar")
    (theirs,) = p9ml.run_case(key, "engine-scalar")
    for m in METRICS:
        assert mine[m] == theirs[m] or (isinstance(mine[m], float) and math.isnan(mine[m]) and math.isnan(theirs[m])), m
    assert [w["index"] for w in mine["worst"]] == [w["index"] for w in theirs["worst"]]


def test_compare_detects_an_error():
    key = p9ml.cases("softmax")[40]
    got = p9ml.softmax(p9ml.case_inputs(key)["x"])
    i = int(np.argmax(got))
    got[i] = np.nextafter(np.nextafter(got[i], np.float32(2)), np.float32(2)) * np.float32(1.001)
    r = p9ml.compare(None, got, case=key)
    assert not r["passed"] and r["bound_ratio"] > 1 and ("element %d" % i) in r["failure"]


def test_external_kernel_compare():
    exp = np.array([1.0, 2.0, 3.0])
    got = np.array([1.0, 2.0 + 3e-7, 3.0], np.float32)
    r = p9ml.compare(exp, got, np.full(3, 1e-6), kernel="oracle-forward", case="oracle/x", impl="oracle")
    assert r["passed"] and r["case_id"] == "oracle/x" and r["kernel"] == "oracle-forward"
    assert 0 < r["bound_ratio"] < 1
    assert r["max_abs"] == pytest.approx(abs(np.float64(got[1]) - 2.0))
    with pytest.raises(ValueError, match="'expected', 'bound' and 'case'"):
        p9ml.compare(exp, got, kernel="oracle-forward")
    with pytest.raises(ValueError, match=r"compare: argument 'got' has 2 elements, expected 3"):
        p9ml.compare(exp, got[:2], np.ones(3), kernel="x", case="y")
    with pytest.raises(ValueError, match=r"unknown kernel 'nosuch'"):
        p9ml.compare(None, got, case="nosuch/n=3/normal/seed=1")


def test_report_round_trip(tmp_path):
    rep = p9ml.Report(host="python", command="pytest")
    key = p9ml.cases("silu")[10]
    results = p9ml.run_case(key)
    assert results and all(r["passed"] for r in results)
    rep.extend(results)
    rep.add(p9ml.compare(np.zeros(2), np.zeros(2, np.float32), np.zeros(2), kernel="ext", case="ext/1"))
    assert len(rep) == len(results) + 1
    rep.write(str(tmp_path))
    for f in ("report.json", "junit.xml", "summary.md", "index.html"):
        assert (tmp_path / f).stat().st_size > 0, f
    back = p9ml.Report.read(str(tmp_path / "report.json"))
    assert back.cases == rep.cases
    assert json.loads((tmp_path / "report.json").read_text())["host"] == "python"
    with pytest.raises(ValueError, match="unknown field 'max_ulps'"):
        rep.add({"max_ulps": 1.0})
    with pytest.raises(TypeError, match="result field 'passed' must be a bool"):
        rep.add({"passed": "yes"})
