"""Where an array is nonzero: ``nonzero`` and ``flatnonzero``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from arignote.graph.basic import Apply
from arignote.graph.op import Op
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.math import neq
from arignote.tensor.shape_inference import count_true
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable


def _count_type(shape: tuple[int | None, ...]) -> TensorType:
    # how many elements are nonzero is known only when there are none at all
    return TensorType("int64", (0 if 0 in shape else None,))


def _nonzero_count(x: Any) -> Any:
    """How many elements of ``x`` are nonzero (NaN counts): read from ``x``, cheaper than indexing."""

    return count_true(x if x.dtype == "bool" else neq(x, 0))


@dataclass(frozen=True)
class Nonzero(Op):
    """The indices of the nonzero elements, one int64 vector per axis (``np.nonzero``)."""

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        if x.ndim == 0:
            raise ValueError("nonzero: a 0-d array has no axes to index (as in NumPy 2); "
                             "use at.atleast_1d(x) or flatnonzero(x)")
        return Apply.build(self, [x], [_count_type(x.type.shape)] * x.ndim)

    def perform(self, x: np.ndarray) -> np.ndarray | tuple[np.ndarray, ...]:
        indices = tuple(i.astype(np.int64, copy=False) for i in np.nonzero(x))
        return indices if len(indices) > 1 else indices[0]  # one output is returned bare

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [(_nonzero_count(node.inputs[0]),)] * len(node.outputs)


@dataclass(frozen=True)
class FlatNonzero(Op):
    """The indices of the nonzero elements of the flattened array (``np.flatnonzero``)."""

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        return Apply.build(self, [x], [_count_type(x.type.shape)])

    def perform(self, x: np.ndarray) -> np.ndarray:
        return np.flatnonzero(x).astype(np.int64, copy=False)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [(_nonzero_count(node.inputs[0]),)]


def nonzero(a: Any) -> tuple[TensorVariable, ...]:
    """``np.nonzero(a)``: a tuple of int64 index vectors, one per axis of ``a``."""
    outputs = Nonzero().make_node(a).outputs
    return cast(tuple[TensorVariable, ...], tuple(outputs))


def flatnonzero(a: Any) -> TensorVariable:
    """``np.flatnonzero(a)``: the int64 indices of the nonzero elements of ``a.ravel()``."""
    return cast(TensorVariable, FlatNonzero().make_node(a).outputs[0])
