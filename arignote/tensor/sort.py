"""Sorting: `Sort` and `ArgSort` along one axis, or over the flattened array.

NaNs sort last, as in NumPy.  ``kind`` is accepted for NumPy compatibility
but does not change the graph: a sorted array is the same whatever the
algorithm, and ``argsort`` always sorts stably, which is a valid answer for
every kind (NumPy's default quicksort may order equal elements differently)
and makes every backend agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from arignote.graph.basic import Apply
from arignote.graph.op import Op
from arignote.tensor.alloc import arange, zeros_like
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.dimshuffle import dimshuffle, normalize_axis
from arignote.tensor.shape import flatten, reshape, shape, shape_i
from arignote.tensor.shape_inference import size_dims
from arignote.tensor.subtensor_inc import inc_subtensor
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["ArgSort", "Sort", "argsort", "sort"]

_KINDS = (None, "quicksort", "mergesort", "heapsort", "stable")


def flattened_length(shape: tuple[int | None, ...]) -> int | None:
    """The length of the flattened array, when every dim is known (or one is 0)."""
    if 0 in shape:
        return 0
    if None in shape:
        return None
    return int(np.prod(cast(tuple[int, ...], shape), dtype=np.int64))  # no None left


def _sorted_shape(op: Op, x: TensorVariable, axis: int | None) -> tuple[int | None, ...]:
    if axis is None:
        return (flattened_length(x.type.shape),)
    if not 0 <= axis < x.ndim:
        raise ValueError(f"{op}: axis {axis} does not fit {x.type}")
    return x.type.shape


def _sorted_dims(axis: int | None, x_shape: tuple[Any, ...]) -> tuple[Any, ...]:
    """The symbolic shape of a sort's result: the input's, or its size when flattened."""

    return (size_dims(x_shape),) if axis is None else x_shape


@dataclass(frozen=True)
class Sort(Op):
    """``np.sort`` along ``axis`` (non-negative), or of the flattened array when ``axis`` is None."""

    axis: int | None

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        return Apply.build(self, [x], [TensorType(x.dtype, _sorted_shape(self, x, self.axis))])

    def perform(self, x: np.ndarray) -> np.ndarray:
        return np.sort(x, axis=self.axis)

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """Each element gets the cotangent of the place it was sorted to (ties follow the
        stable order, one valid choice)."""

        x, gz = inputs[0], cotangents[0]
        if self.axis is None:
            flat = flatten(x, 1)
            return [reshape(scatter_along_axis(flat, ArgSort(0)(flat), gz, 0), shape(x), ndim=x.ndim)]
        return [scatter_along_axis(x, ArgSort(self.axis)(x), gz, self.axis)]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        """The tangent gathered in sorted order (``take_along_axis(t, argsort(x))``)."""

        x, t = inputs[0], tangents[0]
        if self.axis is None:
            x, t = flatten(x, 1), flatten(t, 1)
        axis = 0 if self.axis is None else self.axis
        return [t[along_axis_key(x, ArgSort(axis)(x), axis)]]

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [_sorted_dims(self.axis, input_shapes[0])]


@dataclass(frozen=True)
class ArgSort(Op):
    """``np.argsort`` (stable, int64) along ``axis``, or of the flattened array when ``axis`` is None."""

    axis: int | None

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        return Apply.build(self, [x], [TensorType("int64", _sorted_shape(self, x, self.axis))])

    def perform(self, x: np.ndarray) -> np.ndarray:
        # intp is int64 on the 64-bit platforms arignote targets; astype is a no-op there
        return np.argsort(x, axis=self.axis, kind="stable").astype(np.int64, copy=False)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [_sorted_dims(self.axis, input_shapes[0])]


# PyTensor's class names
SortOp = Sort
ArgSortOp = ArgSort


def along_axis_key(x: TensorVariable, indices: TensorVariable, axis: int) -> tuple[Any, ...]:
    """The advanced key selecting ``x[..., indices[...], ...]`` elementwise along ``axis``
    (``np.take_along_axis``): ranges on the other axes, laid out to broadcast."""

    key: list[Any] = []
    for a in range(x.ndim):
        if a == axis:
            key.append(indices)
        else:
            steps = arange(shape_i(x, a))
            key.append(dimshuffle(steps, ["x" if b != a else 0 for b in range(x.ndim)]))
    return tuple(key)


def scatter_along_axis(x: TensorVariable, indices: TensorVariable, values: TensorVariable,
                       axis: int) -> TensorVariable:
    """Zeros shaped like ``x`` with ``values`` added at ``indices`` along ``axis``
    (the adjoint of ``np.take_along_axis``)."""

    return inc_subtensor(zeros_like(x)[along_axis_key(x, indices, axis)], values)


def _normalize(x: TensorVariable, axis: int | None, kind: str | None, stable: bool | None) -> int | None:
    if kind is not None and stable is not None:
        raise ValueError("`kind` and `stable` parameters can't be provided at the same time. "
                         "Use only one of them.")
    if kind not in _KINDS:
        raise ValueError(f"sort kind must be one of 'quick', 'heap', or 'stable' (got {kind!r})")
    if axis is None:
        return None
    return normalize_axis(axis, x.ndim)


def sort(a: Any, axis: int | None = -1, kind: str | None = None, *,
         stable: bool | None = None) -> TensorVariable:
    """``np.sort``: a sorted copy along ``axis`` (of the flattened array when ``axis`` is None)."""
    a = as_tensor_variable(a)
    return Sort(_normalize(a, axis, kind, stable))(a)


def argsort(a: Any, axis: int | None = -1, kind: str | None = None, *,
            stable: bool | None = None) -> TensorVariable:
    """``np.argsort``: int64 indices that sort ``a`` along ``axis`` (equal elements keep their order)."""
    a = as_tensor_variable(a)
    return ArgSort(_normalize(a, axis, kind, stable))(a)
