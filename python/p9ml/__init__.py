"""9ml from Python: engine and reference kernels on NumPy arrays, the
conformance comparator and reports, models (docs/PYTHON.md).

The compiled extension is p9ml._core; the functions here and the methods of
its classes are Python functions over it with the same names, keywords and
defaults, so that inspect.signature and help() read them (a pybind11
builtin has no signature) and show the defaults as written. Types are in
the stubs next to this file (__init__.pyi, py.typed)."""
try:
    from . import _core
except ImportError as e:  # e.g. PYTHONPATH=python: the sources, without the build
    raise ImportError("p9ml: no compiled extension p9ml._core next to %s; import the package from the "
                      "build tree (PYTHONPATH=build/python after building the CMake target p9ml) or pip "
                      "install it (docs/PYTHON.md)" % __file__) from e
from ._core import Model, Report, Tokenizer, __commit__, __version__
from ._kernels import (attention, bf16_to_f32, dequant_q4_0, dequant_q8_0, f16_to_f32, impls, matmul,
                       matmul_bf16, matmul_f16, matmul_q8, q8_dequantize, q8_quantize, residual_add, rmsnorm, rng_f32, rng_u32, rope,
                       sample, sample_argmax, sample_mult, sample_topp, silu, softmax, swiglu)
from ._api import case_expected, case_inputs, cases, compare, conformance_impls, kernels, load, run_case
from . import _classes  # the Python methods and reprs of Model, Tokenizer, Report, Transformer
from . import reference  # after the kernels: reference.exact/llama2c are those with impl fixed

__all__ = [
    "Model", "Report", "Tokenizer", "attention", "bf16_to_f32", "case_expected", "case_inputs", "cases",
    "compare", "conformance_impls", "dequant_q4_0", "dequant_q8_0", "f16_to_f32", "impls", "kernels",
    "load", "matmul", "matmul_bf16", "matmul_f16", "matmul_q8", "q8_dequantize", "q8_quantize", "reference", "residual_add", "rmsnorm",
    "rng_f32", "rng_u32", "rope", "run_case", "sample", "sample_argmax", "sample_mult", "sample_topp",
    "silu", "softmax", "swiglu",
]

# help() and repr name the functions where users find them.
for _f in list(globals().values()):
    if callable(_f) and getattr(_f, "__module__", "") in ("p9ml._kernels", "p9ml._api"):
        _f.__module__ = __name__
del _f
