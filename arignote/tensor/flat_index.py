"""Flat indices and index tuples: ``unravel_index`` and ``ravel_multi_index`` (NumPy's).

Each is one op computing with NumPy, not a graph of divisions: NumPy raises on
an index outside the array, and a graph of ``//`` and ``%`` would instead give
a wrong index silently.  The shape (``dims``) may be symbolic (``x.shape``)
but its length must be known when the graph is built: it is the number of
index arrays.  Indices are integers, so neither op has a derivative.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import NoBatchingRule, Op
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.batching import pad_after_batch
from arignote.tensor.shape import as_shape_vector, get_vector_length
from arignote.tensor.shape_inference import broadcast_shapes
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["RavelMultiIndex", "UnravelIndex", "ravel_multi_index", "unravel_index"]

_ORDERS = ("C", "F")
_MODES = ("raise", "wrap", "clip")


def _check_order(what: str, order: str) -> None:
    if order not in _ORDERS:
        raise ValueError(f"{what}: order must be 'C' or 'F', got {order!r}")


def _integer_indices(what: str, x: Any) -> TensorVariable:
    x = as_tensor_variable(x)
    if x.type.numpy_dtype.kind not in "iu":
        raise TypeError(f"{what}: indices must be integers, got {x.type}")
    return x


def _dims_vector(what: str, dims: Any) -> tuple[Variable, int]:
    vector = as_shape_vector(dims, f"{what}: dims")
    return vector, get_vector_length(vector)


@dataclass(frozen=True)
class UnravelIndex(Op):
    """``np.unravel_index``: the int64 coordinates, one array per axis of ``dims``, of each flat
    index (inputs: the indices and the int vector ``dims``)."""

    order: str = "C"

    def __post_init__(self) -> None:
        _check_order("UnravelIndex", self.order)

    def make_node(self, indices: Any, dims: Any) -> Apply:
        indices = _integer_indices("unravel_index", indices)
        dims, n = _dims_vector("unravel_index", dims)
        if n == 0:
            raise ValueError("unravel_index: dims must have at least one entry")
        return Apply.build(self, [indices, dims], [TensorType("int64", indices.type.shape)] * n)

    def perform(self, indices: np.ndarray, dims: np.ndarray) -> np.ndarray | tuple[np.ndarray, ...]:
        order: Any = self.order  # checked when the op was made
        coords = np.unravel_index(indices, tuple(int(d) for d in dims), order=order)
        found = tuple(np.asarray(c, dtype=np.int64) for c in coords)
        # one output is returned as itself (a tuple means several outputs)
        return found[0] if len(found) == 1 else found

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [input_shapes[0]] * len(node.outputs)

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        if batched[1]:
            raise NoBatchingRule(f"{self}: the number of coordinate arrays would vary along the batch")
        return list(self.make_node(*inputs).outputs)  # elementwise in the indices


@dataclass(frozen=True)
class RavelMultiIndex(Op):
    """``np.ravel_multi_index``: the int64 flat index of each tuple of coordinates (inputs: one
    index array per axis, then the int vector ``dims``); ``modes`` holds one of 'raise',
    'wrap', 'clip' per axis."""

    modes: tuple[str, ...]
    order: str = "C"

    def __post_init__(self) -> None:
        _check_order("RavelMultiIndex", self.order)
        for mode in self.modes:
            if mode not in _MODES:
                raise ValueError(f"RavelMultiIndex: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")

    def make_node(self, *inputs: Any) -> Apply:
        *indices, dims = inputs
        indices = [_integer_indices("ravel_multi_index", i) for i in indices]
        dims, n = _dims_vector("ravel_multi_index", dims)
        if n != len(indices) or n != len(self.modes):
            raise ValueError(f"ravel_multi_index: {len(indices)} index arrays for {n} dims "
                             f"and {len(self.modes)} modes")
        if n == 0:
            raise ValueError("ravel_multi_index: dims must have at least one entry")
        shape = _broadcast_static(indices, max(i.ndim for i in indices))
        return Apply.build(self, [*indices, dims], [TensorType("int64", shape)])

    def perform(self, *inputs: np.ndarray) -> np.ndarray:
        *indices, dims = inputs
        order: Any = self.order
        modes: Any = self.modes
        return np.asarray(np.ravel_multi_index(tuple(indices), tuple(int(d) for d in dims), mode=modes,
                                               order=order), dtype=np.int64)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [tuple(broadcast_shapes(list(input_shapes[:-1])))]

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        if batched[-1]:
            raise NoBatchingRule(f"{self}: the number of coordinate arrays would vary along the batch")
        # a batched index array gets length-1 axes after its batch axis: it broadcasts as before
        ndim = node.outputs[0].type.ndim
        args = [pad_after_batch(x, ndim) if b else x for x, b in zip(inputs[:-1], batched)]
        return list(self.make_node(*args, inputs[-1]).outputs)


def _broadcast_static(indices: Sequence[TensorVariable], ndim: int) -> tuple[int | None, ...]:
    """The static shape of the indices broadcast together: an axis is known where an operand
    has it with a length other than 1, or every operand has length 1 there."""
    out: list[int | None] = []
    for k in range(ndim):
        lengths = [i.type.shape[k - ndim + i.ndim] for i in indices if i.ndim >= ndim - k]
        known = [n for n in lengths if n is not None and n != 1]
        if len(set(known)) > 1:
            raise ValueError(f"ravel_multi_index: the index arrays do not broadcast together: "
                             f"{[str(i.type) for i in indices]}")
        out.append(known[0] if known else 1 if all(n == 1 for n in lengths) else None)
    return tuple(out)


def unravel_index(indices: Any, dims: Any, order: str = "C") -> tuple[TensorVariable, ...]:
    """``np.unravel_index``: a tuple of int64 coordinate arrays, one per entry of ``dims``.

    An index outside ``[0, prod(dims))`` raises ValueError when the function runs.
    """
    outputs = UnravelIndex(order).make_node(indices, dims).outputs
    return tuple(cast(TensorVariable, o) for o in outputs)


def ravel_multi_index(multi_index: Sequence[Any], dims: Any, mode: str | Sequence[str] = "raise",
                      order: str = "C") -> TensorVariable:
    """``np.ravel_multi_index``: the int64 flat indices of the coordinate arrays ``multi_index``.

    ``mode`` ('raise', 'wrap' or 'clip', or one per axis) treats out-of-range coordinates as
    NumPy does; with 'raise' (the default) they raise ValueError when the function runs.
    """
    if not isinstance(multi_index, (tuple, list)):
        raise TypeError(f"ravel_multi_index: multi_index must be a tuple or list of index arrays, "
                        f"got {type(multi_index).__name__}")
    modes = (mode,) * len(multi_index) if isinstance(mode, str) else tuple(mode)
    return cast(TensorVariable, RavelMultiIndex(modes, order).make_node(*multi_index, dims).outputs[0])
