"""Reference kernels in llama2c mode (float32, upstream order): p9ml's
kernels with impl="ref-llama2c"."""

from .. import _kernels as _k

globals().update(_k.with_impl("ref-llama2c", _k.REFERENCE_KERNELS + ("q8_quantize", "matmul_q8")))

