"""The golden reference: exact (float64) and llama2c (float32) modes.
reference.exact and reference.llama2c hold p9ml's kernels with impl
fixed; Transformer is the reference model over a llama2.c v0 file."""
from .._core import reference as _compiled
from . import exact, llama2c

Transformer = _compiled.Transformer

__all__ = ["Transformer", "exact", "llama2c"]
