"""Assorted array ops from NumPy: cumulative sums and products, differences,
binary search, counting and unique values (and, where PyTensor has them,
``fill_diagonal`` and ``fill_diagonal_offset`` from :mod:`arignote.tensor.diag`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import NoBatchingRule, Op
from arignote.tensor import math as tm
from arignote.tensor.alloc import zeros
from arignote.tensor.basic import as_tensor_variable, cast
from arignote.tensor.diag import fill_diagonal, fill_diagonal_offset  # PyTensor's home for them
from arignote.tensor.dimshuffle import normalize_axis
from arignote.tensor.join import concatenate, flip
from arignote.tensor.namespace_forwarding import tensor_namespace_getattr
from arignote.tensor.reduction import max as tensor_max
from arignote.tensor.reduction import sum as tensor_sum
from arignote.tensor.shape import flatten, reshape, shape, shape_i, shape_tuple
from arignote.tensor.shape_inference import add_dims, as_dim, max_dims, size_dims, sub_dims
from arignote.tensor.sort import flattened_length
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["BinCount", "CumOp", "Diff", "SearchSorted", "Unique", "bincount", "cumprod", "cumsum",
           "diff", "fill_diagonal", "fill_diagonal_offset", "searchsorted", "unique"]

_CUMULATIVE = {"add": np.cumsum, "mul": np.cumprod}


@functools.cache
def _cumulative_dtype(mode: str, dtype: str) -> str:
    # NumPy widens small integers (and bool) to the platform integer; asking it
    # once per dtype keeps the rule exactly NumPy's
    return _CUMULATIVE[mode](np.ones(1, dtype=dtype)).dtype.name


@dataclass(frozen=True)
class CumOp(Op):
    """Cumulative sum (``mode="add"``) or product (``mode="mul"``) along ``axis``.

    ``axis=None`` works on the flattened array, as ``np.cumsum``.
    """

    axis: int | None
    mode: str

    def __post_init__(self) -> None:
        if self.mode not in _CUMULATIVE:
            raise ValueError(f"CumOp: mode must be 'add' or 'mul', got {self.mode!r}")

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        if self.axis is None:
            shape = (flattened_length(x.type.shape),)
        elif 0 <= self.axis < x.ndim:
            shape = x.type.shape
        else:
            raise ValueError(f"{self}: axis {self.axis} does not fit {x.type}")
        return Apply.build(self, [x], [TensorType(_cumulative_dtype(self.mode, x.dtype), shape)])

    def perform(self, x: np.ndarray) -> np.ndarray:
        return _CUMULATIVE[self.mode](x, axis=self.axis)

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """Sums: the reversed running sum of the cotangent.  Products: see `_cumprod_pullback`."""

        x, out, gz = inputs[0], outputs[0], cotangents[0]
        axis = 0 if self.axis is None else self.axis
        walked = flatten(x, 1) if self.axis is None else x  # the array the running op walks
        if self.mode == "mul":
            g = _cumprod_pullback(walked, out, gz, axis)
        else:
            g = flip(CumOp(axis, "add")(flip(gz, axis)), axis)
        if self.axis is None:
            g = reshape(g, shape(x), ndim=x.ndim)
        return [g]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        if self.mode != "add":
            raise NotImplementedError  # from two pullbacks
        return [None if tangents[0] is None else self(tangents[0])]

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:

        return [(size_dims(input_shapes[0]),) if self.axis is None else input_shapes[0]]

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        if self.axis is None:
            raise NoBatchingRule(f"{self} flattens its input")
        return [CumOp(self.axis + 1, self.mode)(inputs[0])]


def _cumprod_pullback(x: Any, y: Any, g: Any, axis: int) -> Any:
    """The cotangent of ``x`` for ``y = cumprod(x, axis)``, exact where ``x`` has zeros.

    ``dy_i/dx_j`` is the product of ``x_k`` for ``k <= i``, ``k != j``.  Where ``x_j != 0``
    that is ``y_i / x_j``, zeros elsewhere included, so the cotangent is
    ``revcumsum(g * y)_j / x_j`` (PyTensor's formula).  Where ``x_j == 0`` the product
    is 0 unless ``j`` is the first zero and ``i`` comes before the second one; there it
    is the running product of the nonzero elements.  So the first zero gets
    ``sum(g_i * P_i)`` over the ``i`` with exactly one zero up to them, ``P`` the running
    product with zeros read as 1, and later zeros get 0.
    """

    is_zero = tm.eq(x, 0)
    safe = tm.switch(is_zero, 1, x)
    one_zero_so_far = tm.eq(CumOp(axis, "add")(cast(is_zero, "int64")), 1)
    running = CumOp(axis, "mul")(safe)
    at_first_zero = tensor_sum(tm.switch(one_zero_so_far, g * running, 0), axis=axis, keepdims=True)
    from_nonzero = flip(CumOp(axis, "add")(flip(g * y, axis)), axis) / safe
    return tm.switch(is_zero, tm.switch(one_zero_so_far, at_first_zero, 0), from_nonzero)


def _cum_axis(x: TensorVariable, axis: int | None) -> int | None:
    if axis is None:
        return None
    if x.ndim == 0:
        # NumPy treats a 0-d array as 1-d here: axis 0 or -1 gives a length-1 vector
        normalize_axis(axis, 1)
        return None
    return normalize_axis(axis, x.ndim)


def cumsum(x: Any, axis: int | None = None) -> TensorVariable:
    """``np.cumsum``: running sums along ``axis`` (of the flattened array when ``axis`` is None)."""
    x = as_tensor_variable(x)
    return CumOp(_cum_axis(x, axis), "add")(x)


def cumprod(x: Any, axis: int | None = None) -> TensorVariable:
    """``np.cumprod``: running products along ``axis`` (of the flattened array when ``axis`` is None)."""
    x = as_tensor_variable(x)
    return CumOp(_cum_axis(x, axis), "mul")(x)


@dataclass(frozen=True)
class Diff(Op):
    """``np.diff``: the ``n``-th forward difference along ``axis`` (``!=`` for bool).

    One node rather than ``n`` subtractions of slices: the static shape is
    simply the axis shortened by ``n``, and the kernel is a single loop.
    """

    n: int
    axis: int

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        if not 0 <= self.axis < x.ndim or self.n < 0:
            raise ValueError(f"{self}: does not fit {x.type}")
        shape = list(x.type.shape)
        if shape[self.axis] is not None:
            shape[self.axis] = max(0, shape[self.axis] - self.n)
        return Apply.build(self, [x], [TensorType(x.dtype, shape)])

    def perform(self, x: np.ndarray) -> np.ndarray:
        return np.diff(x, n=self.n, axis=self.axis)

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """The adjoint of one difference, ``g -> [0, g] - [g, 0]`` along the axis, ``n`` times."""

        g = cotangents[0]
        for _ in range(self.n):
            edge: list[Any] = list(shape_tuple(g))
            edge[self.axis] = 1
            pad = zeros(edge, dtype=g.dtype)
            g = concatenate([pad, g], self.axis) - concatenate([g, pad], self.axis)
        return [g]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        return [None if tangents[0] is None else self(tangents[0])]

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:

        out = list(input_shapes[0])
        out[self.axis] = max_dims(sub_dims(out[self.axis], self.n), 0)
        return [tuple(out)]


def diff(x: Any, n: int = 1, axis: int = -1) -> TensorVariable:
    """``np.diff``: ``x[1:] - x[:-1]`` along ``axis``, applied ``n`` times (no prepend/append)."""
    x = as_tensor_variable(x)
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"diff: n must be an int, got {n!r}")
    if n < 0:
        raise ValueError(f"diff: order must be non-negative but got {n}")
    if x.ndim == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = normalize_axis(axis, x.ndim)
    if n == 0:
        return x
    return Diff(int(n), axis)(x)


def _integer_input(what: str, name: str, x: TensorVariable) -> None:
    if x.type.numpy_dtype.kind not in "iu":
        raise TypeError(f"{what}: {name} must be an integer tensor, got {x.type}")


@dataclass(frozen=True)
class SearchSorted(Op):
    """``np.searchsorted``: int64 positions of ``v`` in the sorted 1-d ``a``.

    Inputs ``a``, ``v`` and, optionally, ``sorter`` (indices that sort ``a``).
    """

    side: str

    def __post_init__(self) -> None:
        if self.side not in ("left", "right"):
            raise ValueError(f"search side must be 'left' or 'right' (got {self.side!r})")

    def make_node(self, a: Any, v: Any, sorter: Any = None) -> Apply:
        a, v = as_tensor_variable(a), as_tensor_variable(v)
        if a.ndim != 1:
            raise ValueError(f"{self}: a must be 1-d, got {a.type}")
        inputs = [a, v]
        if sorter is not None:
            sorter = as_tensor_variable(sorter)
            _integer_input(str(self), "sorter", sorter)
            if sorter.ndim != 1:
                raise ValueError(f"{self}: sorter must be 1-d, got {sorter.type}")
            n, m = a.type.shape[0], sorter.type.shape[0]
            if n is not None and m is not None and n != m:
                raise ValueError(f"{self}: sorter has length {m}, a has length {n}")
            inputs.append(sorter)
        return Apply.build(self, inputs, [TensorType("int64", v.type.shape)])

    def perform(self, a: np.ndarray, v: np.ndarray, sorter: np.ndarray | None = None) -> np.ndarray:
        side: Any = self.side  # "left" or "right", checked when the op was made
        return np.asarray(np.searchsorted(a, v, side=side, sorter=sorter), dtype=np.int64)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [input_shapes[1]]


def searchsorted(a: Any, v: Any, side: str = "left", sorter: Any = None) -> TensorVariable:
    """``np.searchsorted``: where ``v``'s elements would be inserted in the sorted vector ``a``."""
    return SearchSorted(side)(a, v, *(() if sorter is None else (sorter,)))


@dataclass(frozen=True)
class BinCount(Op):
    """``np.bincount``: occurrences (or summed ``weights``) of each non-negative integer.

    The output length depends on the values (``max(x) + 1``, at least
    ``minlength``), so it is statically unknown.
    """

    minlength: int

    def make_node(self, x: Any, weights: Any = None) -> Apply:
        x = as_tensor_variable(x)
        # NumPy casts x safely to int64: bool and integers up to uint32 qualify
        if x.dtype != "bool" and (x.type.numpy_dtype.kind not in "iu" or x.dtype == "uint64"):
            raise TypeError(f"{self}: x must hold integers that fit int64, got {x.type}")
        if x.ndim != 1:
            raise ValueError(f"{self}: x must be 1-d, got {x.type}")
        inputs = [x]
        dtype = "int64"
        if weights is not None:
            weights = as_tensor_variable(weights)
            if weights.type.numpy_dtype.kind == "c":
                raise TypeError(f"{self}: weights must be real (they are summed as float64), "
                                f"got {weights.type}")
            if weights.ndim != 1:
                raise ValueError(f"{self}: weights must be 1-d, got {weights.type}")
            n, m = x.type.shape[0], weights.type.shape[0]
            if n is not None and m is not None and n != m:
                raise ValueError(f"{self}: the weights and list don't have the same length "
                                 f"({m} and {n})")
            inputs.append(weights)
            dtype = "float64"
        length = self.minlength if x.type.shape[0] == 0 else None
        return Apply.build(self, inputs, [TensorType(dtype, (length,))])

    def perform(self, x: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(x, weights=weights, minlength=self.minlength)

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """Each weight moves the count of its value: it gets that count's cotangent."""

        x, gz = inputs[0], cotangents[0]
        if len(inputs) == 1:
            return [None]
        return [None, gz[cast(x, "int64")]]

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        """``max(max(x) + 1, minlength)``: read from ``x``, far cheaper than counting."""

        largest = as_dim(tensor_max(cast(node.inputs[0], "int64"), initial=-1))
        return [(max_dims(add_dims(largest, 1), self.minlength),)]


def bincount(x: Any, weights: Any = None, minlength: int = 0) -> TensorVariable:
    """``np.bincount``: how often each value ``0..max(x)`` occurs in ``x`` (or the sum of its weights)."""
    if isinstance(minlength, (bool, np.bool_)) or not isinstance(minlength, (int, np.integer)):
        raise TypeError(f"bincount: minlength must be an int, got {minlength!r}")
    if minlength < 0:
        raise ValueError("bincount: 'minlength' must not be negative")
    return BinCount(int(minlength))(x, *(() if weights is None else (weights,)))


@dataclass(frozen=True)
class Unique(Op):
    """``np.unique``: the sorted distinct values, and optionally indices, inverse and counts.

    Outputs, in NumPy's order: the values, then each requested extra.  Their
    lengths depend on the data, so they are statically unknown.
    """

    return_index: bool = False
    return_inverse: bool = False
    return_counts: bool = False
    axis: int | None = None
    equal_nan: bool = True

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        shape = x.type.shape
        if self.axis is None:
            size = flattened_length(shape)
            # 0 or 1 elements: that many distinct values
            values_shape: tuple[int | None, ...] = (size if size in (0, 1) else None,)
            # NumPy 2 gives the inverse the input's shape when it flattens
            inverse_shape = shape
        else:
            if not 0 <= self.axis < x.ndim:
                raise ValueError(f"{self}: axis {self.axis} does not fit {x.type}")
            length = shape[self.axis]
            values_shape = tuple(n if a != self.axis else length if length in (0, 1) else None
                                 for a, n in enumerate(shape))
            inverse_shape = (length,)
        count = values_shape[0] if self.axis is None else values_shape[self.axis]
        outputs = [TensorType(x.dtype, values_shape)]
        if self.return_index:
            outputs.append(TensorType("int64", (count,)))
        if self.return_inverse:
            outputs.append(TensorType("int64", inverse_shape))
        if self.return_counts:
            outputs.append(TensorType("int64", (count,)))
        return Apply.build(self, [x], outputs)

    def perform(self, x: np.ndarray) -> Any:
        options: dict[str, Any] = dict(return_index=self.return_index, return_inverse=self.return_inverse,
                                       return_counts=self.return_counts, axis=self.axis,
                                       equal_nan=self.equal_nan)
        result = np.unique(x, **options)
        if isinstance(result, tuple):
            return tuple(np.asarray(r) for r in result)
        return result

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        """How many distinct values there are is known only from the values output itself."""

        x_shape = input_shapes[0]
        axis = 0 if self.axis is None else self.axis
        count = shape_i(node.outputs[0], axis)
        if self.axis is None:
            shapes = [(count,)]
        else:
            shapes = [x_shape[:axis] + (count,) + x_shape[axis + 1:]]
        if self.return_index:
            shapes.append((count,))
        if self.return_inverse:
            shapes.append(x_shape if self.axis is None else (x_shape[axis],))
        if self.return_counts:
            shapes.append((count,))
        return shapes


def unique(ar: Any, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False, axis: int | None = None, *,
           equal_nan: bool = True) -> TensorVariable | list[TensorVariable]:
    """``np.unique``: sorted distinct values; with extras requested, a list in NumPy's order."""
    ar = as_tensor_variable(ar)
    if axis is not None:
        axis = normalize_axis(axis, ar.ndim)
    return Unique(bool(return_index), bool(return_inverse), bool(return_counts), axis,
                  bool(equal_nan))(ar)


# PyTensor's module of this name holds more of the tensor API: any name of the tensor
# namespace is found here too (namespace_forwarding.py)
# PyTensor's op classes and helpers of this module that arignote has in other modules
__getattr__ = tensor_namespace_getattr(__name__, {
    **{name: "arignote.tensor.extra_ops_kinds" for name in
       ("Bartlett", "CpuContiguous", "FillDiagonal", "FillDiagonalOffset", "SearchsortedOp",
        "cpu_contiguous", "to_one_hot")},
    "RavelMultiIndex": "arignote.tensor.flat_index", "UnravelIndex": "arignote.tensor.flat_index"})
