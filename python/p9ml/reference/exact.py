"""Reference kernels in exact mode (float64 results): p9ml's kernels with
impl="ref-exact", and the exact Q8_0 scales. Quantization is a float32
operation, so q8_quantize and matmul_q8 have no exact mode (see
p9ml.q8_quantize)."""
from functools import partial as _partial

from .. import _core, _kernels as _k
from .._wrap import doc_from as _doc_from

_IMPL = "ref-exact"

rmsnorm = _partial(_k.rmsnorm, impl=_IMPL)
softmax = _partial(_k.softmax, impl=_IMPL)
silu = _partial(_k.silu, impl=_IMPL)
swiglu = _partial(_k.swiglu, impl=_IMPL)
residual_add = _partial(_k.residual_add, impl=_IMPL)
rope = _partial(_k.rope, impl=_IMPL)
matmul = _partial(_k.matmul, impl=_IMPL)
attention = _partial(_k.attention, impl=_IMPL)
q8_dequantize = _partial(_k.q8_dequantize, impl=_IMPL)
dequant_q8_0 = _partial(_k.dequant_q8_0, impl=_IMPL)
dequant_q4_0 = _partial(_k.dequant_q4_0, impl=_IMPL)
f16_to_f32 = _partial(_k.f16_to_f32, impl=_IMPL)
bf16_to_f32 = _partial(_k.bf16_to_f32, impl=_IMPL)
rng_u32 = _partial(_k.rng_u32, impl=_IMPL)
rng_f32 = _partial(_k.rng_f32, impl=_IMPL)
sample_argmax = _partial(_k.sample_argmax, impl=_IMPL)
sample_mult = _partial(_k.sample_mult, impl=_IMPL)
sample_topp = _partial(_k.sample_topp, impl=_IMPL)
sample = _partial(_k.sample, impl=_IMPL)


@_doc_from(_core.reference.exact.q8_scales)
def q8_scales(x, group_size):
    return _core.reference.exact.q8_scales(x, group_size)
