"""``default_rng(seed=None)``: a NumPy generator made when the function runs (PyTensor's
``pytensor.tensor.random.op.default_rng``).

Its output is a generator variable to draw from (``next_rng, x = default_rng(seed).normal()``).
Without a seed each run starts from fresh entropy, as ``np.random.default_rng()`` does, so the
node is never folded into a constant.  ``py`` and C make it with NumPy (a Python step); the JAX
backend has its own generators and refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import Op
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.random.type import RandomGeneratorType

__all__ = ["DefaultGeneratorMaker", "default_rng"]


@dataclass(frozen=True)
class DefaultGeneratorMaker(Op):
    """``np.random.default_rng(seed)`` at run time; the seed is an optional 0-d integer input."""

    #: fresh entropy at each run without a seed: evaluating it while compiling would fix it
    foldable = False

    def make_node(self, seed: Any = None) -> Apply:
        inputs: list[Variable] = []
        if seed is not None:
            seed = as_tensor_variable(seed)
            if seed.ndim != 0 or seed.type.numpy_dtype.kind not in "iu":
                raise TypeError(f"default_rng: the seed must be a 0-d integer, got {seed.type}")
            inputs.append(seed)
        return Apply.build(self, inputs, [RandomGeneratorType()])

    def perform(self, *seed: Any) -> np.random.Generator:
        return np.random.default_rng(int(seed[0]) if seed else None)

    def infer_shape(self, node: Apply, input_shapes: Any) -> list[Any]:
        return [None]  # a generator has no shape

    def __str__(self) -> str:
        return "default_rng"


#: ``default_rng()`` / ``default_rng(seed)``
default_rng = DefaultGeneratorMaker()
