"""The kernels of p9ml as Python functions over the compiled ones
(p9ml._core): same names, keywords and defaults, run by the implementation
named in impl= (docs/PYTHON.md, "Kernels")."""
from . import _core
from ._wrap import doc_from

_DEFAULT_IMPL = "engine-scalar"


@doc_from(_core.rmsnorm)
def rmsnorm(x, w, eps=1e-5, *, impl=_DEFAULT_IMPL, out=None):
    return _core.rmsnorm(x, w, eps, impl=impl, out=out)


@doc_from(_core.softmax)
def softmax(x, *, impl=_DEFAULT_IMPL, out=None):
    return _core.softmax(x, impl=impl, out=out)


@doc_from(_core.silu)
def silu(x, *, impl=_DEFAULT_IMPL, out=None):
    return _core.silu(x, impl=impl, out=out)


@doc_from(_core.swiglu)
def swiglu(hb, hb2, *, impl=_DEFAULT_IMPL, out=None):
    return _core.swiglu(hb, hb2, impl=impl, out=out)


@doc_from(_core.residual_add)
def residual_add(x, y, *, impl=_DEFAULT_IMPL, out=None):
    return _core.residual_add(x, y, impl=impl, out=out)


@doc_from(_core.rope)
def rope(vec, head_size, pos, theta=10000.0, *, impl=_DEFAULT_IMPL, out=None):
    return _core.rope(vec, head_size, pos, theta, impl=impl, out=out)


@doc_from(_core.matmul)
def matmul(x, w, *, impl=_DEFAULT_IMPL, out=None):
    return _core.matmul(x, w, impl=impl, out=out)


@doc_from(_core.matmul_f16)
def matmul_f16(x, w, *, impl=_DEFAULT_IMPL, out=None):
    return _core.matmul_f16(x, w, impl=impl, out=out)


@doc_from(_core.matmul_bf16)
def matmul_bf16(x, w, *, impl=_DEFAULT_IMPL, out=None):
    return _core.matmul_bf16(x, w, impl=impl, out=out)


@doc_from(_core.attention)
def attention(q, k_cache, v_cache, n_heads, n_kv_heads, pos, window=0, *, impl=_DEFAULT_IMPL, out=None):
    return _core.attention(q, k_cache, v_cache, n_heads, n_kv_heads, pos, window, impl=impl, out=out)


@doc_from(_core.q8_quantize)
def q8_quantize(x, group_size, rounding="even", *, impl=_DEFAULT_IMPL):
    return _core.q8_quantize(x, group_size, rounding, impl=impl)


@doc_from(_core.q8_dequantize)
def q8_dequantize(q, scales, group_size, *, impl=_DEFAULT_IMPL, out=None):
    return _core.q8_dequantize(q, scales, group_size, impl=impl, out=out)


@doc_from(_core.matmul_q8)
def matmul_q8(xq, xs, wq, ws, group_size, *, impl=_DEFAULT_IMPL, out=None):
    return _core.matmul_q8(xq, xs, wq, ws, group_size, impl=impl, out=out)


@doc_from(_core.dequant_q8_0)
def dequant_q8_0(blocks, n, *, impl=_DEFAULT_IMPL):
    return _core.dequant_q8_0(blocks, n, impl=impl)


@doc_from(_core.dequant_q4_0)
def dequant_q4_0(blocks, n, *, impl=_DEFAULT_IMPL):
    return _core.dequant_q4_0(blocks, n, impl=impl)


@doc_from(_core.f16_to_f32)
def f16_to_f32(h, *, impl=_DEFAULT_IMPL):
    return _core.f16_to_f32(h, impl=impl)


@doc_from(_core.bf16_to_f32)
def bf16_to_f32(h, *, impl=_DEFAULT_IMPL):
    return _core.bf16_to_f32(h, impl=impl)


@doc_from(_core.rng_u32)
def rng_u32(state, count=1, *, impl=_DEFAULT_IMPL):
    return _core.rng_u32(state, count, impl=impl)


@doc_from(_core.rng_f32)
def rng_f32(state, count=1, *, impl=_DEFAULT_IMPL):
    return _core.rng_f32(state, count, impl=impl)


@doc_from(_core.sample_argmax)
def sample_argmax(p, *, impl=_DEFAULT_IMPL):
    return _core.sample_argmax(p, impl=impl)


@doc_from(_core.sample_mult)
def sample_mult(p, coin, *, impl=_DEFAULT_IMPL):
    return _core.sample_mult(p, coin, impl=impl)


@doc_from(_core.sample_topp)
def sample_topp(p, topp, coin, *, impl=_DEFAULT_IMPL):
    return _core.sample_topp(p, topp, coin, impl=impl)


@doc_from(_core.sample)
def sample(logits, temperature, topp, state, *, impl=_DEFAULT_IMPL):
    return _core.sample(logits, temperature, topp, state, impl=impl)


@doc_from(_core.impls)
def impls():
    return _core.impls()


# The kernels every reference mode has; llama2c mode also has the float32
# quantizer and its product (exact mode has no quantization).
REFERENCE_KERNELS = ("rmsnorm", "softmax", "silu", "swiglu", "residual_add", "rope", "matmul", "matmul_f16",
                     "matmul_bf16", "attention",
                     "q8_dequantize", "dequant_q8_0", "dequant_q4_0", "f16_to_f32", "bf16_to_f32", "rng_u32",
                     "rng_f32", "sample_argmax", "sample_mult", "sample_topp", "sample")


def with_impl(impl, names):
    """{name: kernel with impl= fixed} for the module of a reference mode."""
    from functools import partial
    return {name: partial(globals()[name], impl=impl) for name in names}
