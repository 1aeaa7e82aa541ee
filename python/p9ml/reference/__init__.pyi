# Type stubs of p9ml.reference (checked by python/tests/test_stubs.py).
from os import PathLike
from typing import Any, Sequence

import numpy as np
from numpy.typing import NDArray

from . import exact as exact, llama2c as llama2c

class Transformer:
    """The reference Transformer over a llama2.c v0 checkpoint; mode "exact" (float64) or "llama2c"."""
    def __init__(self, path: str | PathLike[str], mode: str = "exact") -> None: ...
    @property
    def mode(self) -> str: ...
    @property
    def config(self) -> dict[str, Any]: ...
    def forward(self, token: int, pos: int) -> NDArray[np.float64]: ...
    def reset(self) -> None: ...
    # {"tokens": [int, ...], "logits": [float64 array, ...]}
    def generate(self, prompt_tokens: Sequence[int], steps: int, temperature: float = 0.0, topp: float = 0.9,
                 seed: int = 1) -> dict[str, Any]: ...
