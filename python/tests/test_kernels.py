"""Every kernel through p9ml on the registry's cases: the engine's scalar
table is bit-identical to the reference in llama2c mode, every engine table
passes the C++ comparator's bounds, and ref-exact returns the values the
registry's expectation uses."""
import numpy as np
import pytest

import p9ml
from conftest import parse_key


def call(kernel, inp, prm, impl):
    """Runs registry kernel `kernel` on a case's inputs through p9ml."""
    if kernel == "rmsnorm":
        return p9ml.rmsnorm(inp["x"], inp["w"], impl=impl)
    if kernel in ("softmax", "silu"):
        return getattr(p9ml, kernel)(inp["x"], impl=impl)
    if kernel == "matmul_f32":
        return p9ml.matmul(inp["x"], inp["w"], impl=impl)
    if kernel in ("matmul_f16", "matmul_bf16"):
        return getattr(p9ml, kernel)(inp["x"], inp["w"], impl=impl)
    if kernel == "rope":
        return p9ml.rope(inp["vec"], int(prm["head_size"]), int(prm["pos"]), float(prm["theta"]), impl=impl)
    if kernel == "attention":
        return p9ml.attention(inp["q"], inp["k_cache"], inp["v_cache"], int(prm["heads"]), int(prm["kv_heads"]),
                              int(prm["pos"]), int(prm["window"]), impl=impl)
    if kernel == "swiglu":
        return p9ml.swiglu(inp["hb"], inp["hb2"], impl=impl)
    if kernel == "residual_add":
        return p9ml.residual_add(inp["x"], inp["y"], impl=impl)
    if kernel == "q8_0_dequantize":
        return p9ml.q8_dequantize(inp["q"], inp["scales"], int(prm["gs"]), impl=impl)
    if kernel in ("dequant_q8_0", "dequant_q4_0"):
        return getattr(p9ml, kernel)(inp["blocks"], 32 * int(prm["blocks"]), impl=impl)
    if kernel in ("f16_to_f32", "bf16_to_f32"):
        return getattr(p9ml, kernel)(inp["x"], impl=impl)
    raise AssertionError("no call for " + kernel)


FLOAT_KERNELS = ["rmsnorm", "softmax", "matmul_f32", "matmul_f16", "matmul_bf16", "rope", "attention", "silu", "swiglu", "residual_add",
                 "q8_0_dequantize", "dequant_q8_0", "dequant_q4_0", "f16_to_f32", "bf16_to_f32"]
ENGINE_IMPLS = [i for i in p9ml.impls() if i.startswith("engine-")]


def sampled_cases(kernel, every=11):
    keys = p9ml.cases(kernel)
    return keys[::every] + [keys[-1]]


def same_bits(a, b):
    return a.shape == b.shape and np.array_equal(a.view(np.uint32), b.view(np.uint32))


@pytest.mark.parametrize("kernel", FLOAT_KERNELS)
def test_kernel_against_reference(kernel):
    keys = sampled_cases(kernel)
    assert keys
    for key in keys:
        inp, prm = p9ml.case_inputs(key), parse_key(key)
        ref32 = call(kernel, inp, prm, "ref-llama2c")
        scalar = call(kernel, inp, prm, "engine-scalar")
        assert ref32.dtype == np.float32 and scalar.dtype == np.float32
        assert same_bits(scalar, ref32), key + ": engine-scalar is not bit-identical to ref-llama2c"
        exact = call(kernel, inp, prm, "ref-exact")
        assert exact.dtype == np.float64
        value, bound = p9ml.case_expected(key)
        np.testing.assert_array_equal(exact.ravel(), value, err_msg=key)
        for impl in ENGINE_IMPLS:
            got = call(kernel, inp, prm, impl)
            r = p9ml.compare(None, got, case=key, impl=impl)
            assert r["passed"], key + " [" + impl + "]: " + r["failure"]


def test_q8_quantize_and_matmul_q8_match_reference():
    rng = np.random.default_rng(3)
    x = rng.standard_normal(256).astype(np.float32)
    w = rng.standard_normal((9, 256)).astype(np.float32)
    for rounding in ("even", "away"):
        qe, se = p9ml.q8_quantize(x, 64, rounding)
        qr, sr = p9ml.q8_quantize(x, 64, rounding, impl="ref-llama2c")
        assert qe.dtype == np.int8 and se.dtype == np.float32 and se.shape == (4,)
        np.testing.assert_array_equal(qe, qr)
        assert same_bits(se, sr)
    xq, xs = p9ml.q8_quantize(x, 64, "away")
    wq, ws = p9ml.q8_quantize(w.ravel(), 64, "even")
    wq, ws = wq.reshape(9, 256), ws.reshape(9, 4)
    a = p9ml.matmul_q8(xq, xs, wq, ws, 64)
    b = p9ml.matmul_q8(xq, xs, wq, ws, 64, impl="ref-llama2c")
    assert same_bits(a, b)
    for impl in ENGINE_IMPLS:
        np.testing.assert_allclose(p9ml.matmul_q8(xq, xs, wq, ws, 64, impl=impl), b, rtol=1e-5, atol=1e-5)
    # Against the float product: within the quantization error of both operands.
    exact = p9ml.matmul(x, w, impl="ref-exact")
    err_bound = (np.abs(w) @ np.repeat(xs, 64) / 2 + np.abs(x) @ np.repeat(ws, 64, axis=1).T / 2
                 + 64 * 256 * np.repeat(xs, 64) @ np.repeat(ws, 64, axis=1).T / 4)
    assert np.all(np.abs(a - exact) <= err_bound)


def f16_bound(x, w32):
    """gamma(n) sum |w x|: the f32 product's bound on the exactly widened W
    (docs/TOLERANCES.md), with float64 for the exact value."""
    n = x.size
    u = 2.0 ** -24
    return n * u / (1 - n * u) * (np.abs(w32.astype(np.float64)) @ np.abs(x.astype(np.float64)))


def test_matmul_f16_and_bf16_against_numpy():
    rng = np.random.default_rng(11)
    x = rng.standard_normal(300).astype(np.float32)
    w16 = (rng.standard_normal((13, 300)) / 17).astype(np.float16)
    w16[0, :4] = [np.float16(6.0e-8), np.float16(-0.0), np.float16(65504.0), np.float16(6.1e-5)]  # subnormal, -0, max
    wide = w16.astype(np.float32)  # exact
    # bfloat16: the high half of float32 values; widening is the shift back.
    wbf = (rng.standard_normal((13, 300)).astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)
    wide_bf = (wbf.astype(np.uint32) << 16).view(np.float32)
    exact = wide.astype(np.float64) @ x.astype(np.float64)
    exact_bf = wide_bf.astype(np.float64) @ x.astype(np.float64)
    # The scalar table: the f32 product on the widened matrix, bit for bit,
    # which is ref-llama2c's; uint16 bits of the halves give the same.
    a = p9ml.matmul_f16(x, w16)
    assert a.dtype == np.float32 and a.shape == (13,)
    assert same_bits(a, p9ml.matmul(x, wide))
    assert same_bits(a, p9ml.matmul_f16(x, w16, impl="ref-llama2c"))
    assert same_bits(a, p9ml.matmul_f16(x, w16.view(np.uint16)))
    assert same_bits(p9ml.matmul_bf16(x, wbf), p9ml.matmul(x, wide_bf))
    # ref-exact sums exactly; numpy's float64 product is within n u64 sum|w x|.
    u64 = 2.0 ** -53 * x.size
    mag = np.abs(wide.astype(np.float64)) @ np.abs(x.astype(np.float64))
    mag_bf = np.abs(wide_bf.astype(np.float64)) @ np.abs(x.astype(np.float64))
    assert np.all(np.abs(p9ml.matmul_f16(x, w16, impl="ref-exact") - exact) <= u64 * mag)
    assert np.all(np.abs(p9ml.matmul_bf16(x, wbf, impl="ref-exact") - exact_bf) <= u64 * mag_bf)
    # Every level: its f32 entry's bits on the widened matrix (docs/SIMD.md),
    # within the f32 product's bound of numpy's float64 product.
    for impl in ENGINE_IMPLS:
        got, got_bf = p9ml.matmul_f16(x, w16, impl=impl), p9ml.matmul_bf16(x, wbf, impl=impl)
        assert same_bits(got, p9ml.matmul(x, wide, impl=impl)), impl
        assert same_bits(got_bf, p9ml.matmul(x, wide_bf, impl=impl)), impl
        assert np.all(np.abs(got - exact) <= f16_bound(x, wide)), impl
        assert np.all(np.abs(got_bf - exact_bf) <= f16_bound(x, wide_bf)), impl
    out = np.empty(13, np.float32)
    assert p9ml.matmul_f16(x, w16, out=out) is out and same_bits(out, a)


def test_matmul_f16_and_bf16_reject_bad_weights():
    x = np.ones(8, np.float32)
    with pytest.raises(TypeError, match="matmul_f16: argument 'w'"):
        p9ml.matmul_f16(x, np.ones((2, 8), np.float32))
    with pytest.raises(TypeError, match="native byte order"):
        p9ml.matmul_f16(x, np.ones((2, 8), np.dtype(">f2")))
    with pytest.raises(TypeError, match="matmul_bf16: argument 'w'"):
        p9ml.matmul_bf16(x, np.ones((2, 8), np.float16))
    with pytest.raises(ValueError, match="shape"):
        p9ml.matmul_f16(x, np.ones((2, 9), np.float16))


def test_rng_and_sampling_match_reference():
    for impl in ENGINE_IMPLS + ["ref-exact"]:
        for draw in (p9ml.rng_u32, p9ml.rng_f32):
            a, sa = draw(42, 100, impl=impl)
            b, sb = draw(42, 100, impl="ref-llama2c")
            np.testing.assert_array_equal(a, b)
            assert sa == sb
    u, s = p9ml.rng_u32(42, 2)
    u1, s1 = p9ml.rng_u32(42, 1)
    u2, _ = p9ml.rng_u32(s1, 1)
    assert [u1[0], u2[0]] == list(u)
    rng = np.random.default_rng(5)
    logits = rng.standard_normal(500).astype(np.float32)
    p = p9ml.softmax(logits)
    for impl in ENGINE_IMPLS:
        assert p9ml.sample_argmax(logits, impl=impl) == int(np.argmax(logits))
        for coin in (0.0, 0.3, 0.999):
            assert p9ml.sample_mult(p, coin, impl=impl) == p9ml.sample_mult(p, coin, impl="ref-llama2c")
            assert (p9ml.sample_topp(p, 0.9, coin, impl=impl)
                    == p9ml.sample_topp(p, 0.9, coin, impl="ref-llama2c"))
        for temp, topp in ((0.0, 0.9), (1.0, 0.9), (0.8, 1.0)):
            before = logits.copy()
            assert (p9ml.sample(logits, temp, topp, 7, impl=impl)
                    == p9ml.sample(logits, temp, topp, 7, impl="ref-llama2c"))
            np.testing.assert_array_equal(logits, before)  # the caller's logits are not modified


def test_reference_submodules_are_the_impls():
    x = np.linspace(-3, 3, 33, dtype=np.float32)
    np.testing.assert_array_equal(p9ml.reference.exact.softmax(x), p9ml.softmax(x, impl="ref-exact"))
    np.testing.assert_array_equal(p9ml.reference.llama2c.silu(x), p9ml.silu(x, impl="ref-llama2c"))
    s = p9ml.reference.exact.q8_scales(x[:32], 16)
    np.testing.assert_allclose(s, [np.abs(x[:16]).max() / 127, np.abs(x[16:32]).max() / 127], rtol=1e-15)
