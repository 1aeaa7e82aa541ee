"""Zero copy: inputs are read in place, out= is written in place, and out=x
runs the engine's in-place kernels on the caller's buffer."""
import numpy as np
import pytest

import p9ml


@pytest.mark.parametrize("name", ["softmax", "silu"])
def test_in_place_unary(name):
    x = np.linspace(-2, 2, 50, dtype=np.float32)
    expected = getattr(p9ml, name)(x.copy())
    r = getattr(p9ml, name)(x, out=x)
    assert r is x or np.shares_memory(r, x)
    np.testing.assert_array_equal(x, expected)


def test_in_place_binary_and_rope():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(64).astype(np.float32), rng.standard_normal(64).astype(np.float32)
    for fn in (p9ml.swiglu, p9ml.residual_add):
        want = fn(a, b)
        x = a.copy()
        r = fn(x, b, out=x)
        assert np.shares_memory(r, x)
        np.testing.assert_array_equal(x, want)
    v = a.copy()
    want = p9ml.rope(a, 16, 5)
    assert np.shares_memory(p9ml.rope(v, 16, 5, out=v), v)
    np.testing.assert_array_equal(v, want)


def test_out_buffer_and_fresh_result():
    rng = np.random.default_rng(2)
    x = rng.standard_normal(32).astype(np.float32)
    w = rng.standard_normal((8, 32)).astype(np.float32)
    out = np.empty(8, np.float32)
    r = p9ml.matmul(x, w, out=out)
    assert np.shares_memory(r, out)
    r2 = p9ml.matmul(x, w)
    assert not np.shares_memory(r2, x) and not np.shares_memory(r2, w)
    np.testing.assert_array_equal(r, r2)
    out64 = np.empty(8, np.float64)
    assert np.shares_memory(p9ml.matmul(x, w, impl="ref-exact", out=out64), out64)


def test_aliasing_that_would_corrupt_is_refused():
    x = np.ones(16, np.float32)
    w = np.ones((16, 16), np.float32)
    with pytest.raises(ValueError, match="matmul: argument 'out' must not share memory with 'w'"):
        p9ml.matmul(x, w, out=w[0])
    big = np.zeros(20, np.float32)
    with pytest.raises(ValueError, match="softmax: argument 'out' must be 'x' itself or share no memory"):
        p9ml.softmax(big[:16], out=big[2:18])
