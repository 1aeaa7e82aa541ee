"""Reference kernels in llama2c mode (float32, upstream order): p9ml's
kernels with impl="ref-llama2c"."""
from functools import partial as _partial

from .. import _kernels as _k

_IMPL = "ref-llama2c"

rmsnorm = _partial(_k.rmsnorm, impl=_IMPL)
softmax = _partial(_k.softmax, impl=_IMPL)
silu = _partial(_k.silu, impl=_IMPL)
swiglu = _partial(_k.swiglu, impl=_IMPL)
residual_add = _partial(_k.residual_add, impl=_IMPL)
rope = _partial(_k.rope, impl=_IMPL)
matmul = _partial(_k.matmul, impl=_IMPL)
attention = _partial(_k.attention, impl=_IMPL)
q8_quantize = _partial(_k.q8_quantize, impl=_IMPL)
q8_dequantize = _partial(_k.q8_dequantize, impl=_IMPL)
matmul_q8 = _partial(_k.matmul_q8, impl=_IMPL)
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
