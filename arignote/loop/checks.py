"""`CheckSteps`: a loop's checks on its step count, kept when a rewrite removes the loop.

A loop raises when asked for a negative number of steps or when a sequence
has fewer rows than the steps to run.  A rewrite that computes a loop's
results without running it (its stacked rows read straight from a sequence,
a constant added ``n`` times turned into a product) keeps those errors by
reading the step count through this op, instead of returning a value where
the loop would have raised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import Op
from arignote.tensor.basic import as_tensor_variable, cast
from arignote.tensor.type import TensorType


@dataclass(frozen=True)
class CheckSteps(Op):
    """``n`` itself, after checking ``n >= 0`` and that each sequence has at least ``n`` rows."""

    def make_node(self, n: Any, *sequences: Any) -> Apply:
        n = cast(as_tensor_variable(n), "int64")
        sequences = tuple(as_tensor_variable(s) for s in sequences)
        return Apply.build(self, [n, *sequences], [TensorType("int64", ())])

    def perform(self, n: np.ndarray, *sequences: np.ndarray) -> np.ndarray:
        steps = int(n)
        if steps < 0:
            raise ValueError(f"the number of steps must be >= 0, got {steps}")
        for position, seq in enumerate(sequences):
            if len(seq) < steps:
                raise ValueError(f"sequence {position} has {len(seq)} rows, fewer than the {steps} "
                                 "steps to run")
        return np.asarray(steps, dtype=np.int64)

    def infer_shape(self, node: Apply, input_shapes: list[Any]) -> list[tuple[Variable, ...]]:
        return [()]

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        return [None] * len(inputs)  # an integer


def checked_steps(n: Variable, sequences: Sequence[Variable] = ()) -> Variable:
    """``n``, raising at run time as the loop would for a bad step count."""
    return CheckSteps()(n, *sequences)
