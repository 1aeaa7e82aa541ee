"""Reference kernels in exact mode (float64 results): p9ml's kernels with
impl="ref-exact", and the exact Q8_0 scales. Quantization is a float32
operation, so q8_quantize and matmul_q8 have no exact mode (see
p9ml.q8_quantize)."""

from .. import _core, _kernels as _k
from .._wrap import doc_from as _doc_from

globals().update(_k.with_impl("ref-exact", _k.REFERENCE_KERNELS))


@_doc_from(_core.reference.exact.q8_scales)
def q8_scales(x, group_size):
    return _core.reference.exact.q8_scales(x, group_size)
