"""The NumPy oracle: an independent float64 forward pass written from
docs/FORWARD.md (the facts of the project's shared NUMERICS.md), with its own llama2.c v0 reader (docs/PYTHON.md)."""
from .checkpoint import Checkpoint, load_v0
from .forward import Oracle, rope_frequencies
from .bounds import float32_bound, float64_bound, quantized_bound

__all__ = ["Checkpoint", "load_v0", "Oracle", "rope_frequencies", "float32_bound", "float64_bound",
           "quantized_bound"]
