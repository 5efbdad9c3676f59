"""Products of arrays: `Dot`, `MatMul`, `TensorDot`, and the diagonal and trace.

Result dtypes follow NumPy: ``np.result_type`` of the two operands (so
``int32 @ int32`` stays int32, ``bool @ bool`` is bool, float32 stays
float32 and float32 with float64 gives float64).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import NoBatchingRule, Op
from arignote.tensor import reduction
from arignote.tensor.alloc import arange, zeros_like
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.batching import batch_to_front, pad_after_batch
from arignote.tensor.broadcasting import ShapeOnly, broadcast_static_shapes, run_time_check
from arignote.tensor.dimshuffle import dimshuffle, expand_dims, matrix_transpose, normalize_axis
from arignote.tensor.math import add, mul
from arignote.tensor.shape import flatten, shape_i
from arignote.tensor.shape_inference import broadcast_shapes, max_dims, min_dims, sub_dims
from arignote.tensor.subtensor_inc import inc_subtensor
from arignote.tensor.sum_to import sum_to_like
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["Diagonal", "Dot", "MatMul", "TensorDot", "diagonal", "dot", "inner", "matmul",
           "matrix_dot", "outer", "tensordot", "trace"]

Shape = tuple[int | None, ...]


def _fmt(shape: Shape) -> str:
    dims = ", ".join("?" if d is None else str(d) for d in shape)
    return f"({dims}{',' if len(shape) == 1 else ''})"


def _product_dtype(a: TensorVariable, b: TensorVariable) -> str:
    return np.result_type(a.type.numpy_dtype, b.type.numpy_dtype).name


def _check_contracted(what: str, a: Shape, b: Shape, a_axis: int, b_axis: int) -> None:
    """ValueError when the summed-over lengths are known and differ."""
    n, m = a[a_axis], b[b_axis]
    if n is not None and m is not None and n != m:
        raise ValueError(f"{what}: shapes {_fmt(a)} and {_fmt(b)} not aligned: "
                         f"{n} (dim {a_axis}) != {m} (dim {b_axis})")


@dataclass(frozen=True)
class Dot(Op):
    """``np.dot`` of two arrays of rank >= 1.

    Sums over the last axis of ``a`` and the second-to-last axis of ``b``
    (its only axis when ``b`` is 1-d).  ``dot`` sends 0-d operands to
    elementwise multiplication instead, so a Dot node is always a contraction.
    """

    def make_node(self, a: Any, b: Any) -> Apply:
        a, b = as_tensor_variable(a), as_tensor_variable(b)
        if a.ndim == 0 or b.ndim == 0:
            raise TypeError(f"Dot: operands must have at least one dimension, got {a.type} and "
                            f"{b.type}; use at.dot, which multiplies 0-d operands")
        sa, sb = a.type.shape, b.type.shape
        b_axis = max(b.ndim - 2, 0)
        _check_contracted("Dot", sa, sb, a.ndim - 1, b_axis)
        shape = sa[:-1] + sb[:b_axis] + sb[b_axis + 1:]
        return Apply.build(self, [a, b], [TensorType(_product_dtype(a, b), shape)])

    def perform(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return ieee_dot(a, b)

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """Products of the cotangent with the other operand, as dots for ranks 1 and 2."""
        a, b = inputs
        gz = cotangents[0]
        if a.ndim > 2 or b.ndim > 2:
            b_axis = max(b.ndim - 2, 0)
            return contraction_pullback(a, b, (a.ndim - 1,), (b_axis,), gz)
        if a.ndim == 1 and b.ndim == 1:
            return [gz * b, gz * a]
        if a.ndim == 2 and b.ndim == 1:      # (m, k) . (k,) -> (m,)
            return [outer(gz, b), Dot()(a.T, gz)]
        if a.ndim == 1:                      # (k,) . (k, n) -> (n,)
            return [Dot()(b, gz), outer(a, gz)]
        return [Dot()(gz, b.T), Dot()(a.T, gz)]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        return _bilinear_pushforward(self, inputs, tangents)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        a_shape, b_shape = input_shapes
        b_axis = max(len(b_shape) - 2, 0)
        return [tuple(a_shape[:-1]) + tuple(b_shape[:b_axis]) + tuple(b_shape[b_axis + 1:])]

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        return _contraction_batch(self, node, inputs, batched)


@dataclass(frozen=True)
class MatMul(Op):
    """``np.matmul``: matrix products over the last two axes, batch axes broadcast.

    A 1-d operand is a matrix with its missing axis (rows for ``a``, columns
    for ``b``) dropped from the result, as in NumPy.
    """

    def make_node(self, a: Any, b: Any) -> Apply:
        a, b = as_tensor_variable(a), as_tensor_variable(b)
        shape = _matmul_shape(a.type.shape, b.type.shape)
        return Apply.build(self, [a, b], [TensorType(_product_dtype(a, b), shape)])

    def perform(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.asarray(np.matmul(a, b))

    def py_impl(self, node: Apply) -> Callable[..., Any]:
        a, b = node.inputs
        check = run_time_check([a.type.shape[:-2], b.type.shape[:-2]], self)  # the batch axes
        if check is None:
            return self.perform

        def run_checked(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            check([ShapeOnly(a.shape[:-2]), ShapeOnly(b.shape[:-2])])
            return np.asarray(np.matmul(a, b))
        return run_checked

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """Batched products with the other operand transposed, summed over the batch
        axes that broadcasting stretched; vectors as matrices with their axis dropped."""

        a, b = inputs
        gz = cotangents[0]
        a2 = expand_dims(a, 0) if a.ndim == 1 else a
        b2 = expand_dims(b, 1) if b.ndim == 1 else b
        if a.ndim == 1:
            gz = expand_dims(gz, -1 if b.ndim == 1 else gz.ndim - 1)
        if b.ndim == 1:
            gz = expand_dims(gz, -1)
        ga = matmul(gz, matrix_transpose(b2))
        gb = matmul(matrix_transpose(a2), gz)
        ga = sum_to_like(ga, a2)
        gb = sum_to_like(gb, b2)
        if a.ndim == 1:
            ga = ga[0]
        if b.ndim == 1:
            gb = gb[:, 0]
        return [ga, gb]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        return _bilinear_pushforward(self, inputs, tangents)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:

        a_shape, b_shape = input_shapes
        batch = broadcast_shapes([a_shape[:-2], b_shape[:-2]])
        cols = tuple(b_shape[-1:]) if len(b_shape) >= 2 else ()
        return [batch + tuple(a_shape[-2:-1]) + cols]

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        a, b = node.inputs
        if all(batched) or a.ndim < 2 or b.ndim < 2:
            raise NoBatchingRule(f"{self} of these operands")
        ndim = max(a.ndim, b.ndim)
        args = [pad_after_batch(x, ndim) if f else x for x, f in zip(inputs, batched)]
        return [matmul(*args)]


def _matmul_shape(sa: Shape, sb: Shape) -> Shape:
    """Static result shape of ``np.matmul``; ValueError when it cannot work."""
    for position, shape in enumerate((sa, sb)):
        if not shape:
            raise ValueError(f"matmul: input operand {position} does not have enough dimensions "
                             f"(has 0, needs at least 1)")
    _check_contracted("matmul", sa, sb, len(sa) - 1, max(len(sb) - 2, 0))
    batch_a, batch_b = sa[:-2], sb[:-2]
    try:
        batch = broadcast_static_shapes([batch_a, batch_b], "matmul")
    except ValueError:
        raise ValueError(f"matmul: the batch dimensions of shapes {_fmt(sa)} and {_fmt(sb)} "
                         f"cannot be broadcast together") from None
    rows = sa[-2:-1]  # empty for a 1-d ``a``
    cols = sb[-1:] if len(sb) >= 2 else ()
    return batch + rows + cols


def ieee_dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.dot(a, b)`` with IEEE products.

    ``np.dot`` hands a single-element operand to BLAS's ``scal``, which writes
    zeros for a zero factor and so loses the other operand's NaN and infinities
    (``[[0.]] @ [[1., nan]]`` gave ``[[0., 0.]]``); ``np.matmul`` multiplies them.
    """
    a, b = np.asarray(a), np.asarray(b)
    b_axis = max(b.ndim - 2, 0)
    if a.shape[-1] != b.shape[b_axis]:  # np.dot's message (np.matmul words it otherwise)
        raise ValueError(f"shapes {a.shape} and {b.shape} not aligned: {a.shape[-1]} (dim {a.ndim - 1}) "
                         f"!= {b.shape[b_axis]} (dim {b_axis})")
    if a.ndim <= 2 and b.ndim <= 2:
        return np.asarray(np.matmul(a, b))
    return ieee_tensordot(a, b, (a.ndim - 1,), (b_axis,))


def ieee_tensordot(a: np.ndarray, b: np.ndarray, a_axes: Sequence[int], b_axes: Sequence[int]) -> np.ndarray:
    """``np.tensordot`` over ``a_axes`` and ``b_axes`` through ``np.matmul`` (see `ieee_dot`):
    the free axes of ``a``, then those of ``b``."""
    a, b = np.asarray(a), np.asarray(b)
    if any(a.shape[i] != b.shape[j] for i, j in zip(a_axes, b_axes)):
        raise ValueError(f"shape-mismatch for sum: axes {tuple(a_axes)} of {a.shape} against "
                         f"{tuple(b_axes)} of {b.shape}")
    a_free = [k for k in range(a.ndim) if k not in a_axes]
    b_free = [k for k in range(b.ndim) if k not in b_axes]
    summed = math.prod(a.shape[k] for k in a_axes)
    left = a.transpose(a_free + list(a_axes)).reshape(math.prod(a.shape[k] for k in a_free), summed)
    right = b.transpose(list(b_axes) + b_free).reshape(summed, math.prod(b.shape[k] for k in b_free))
    shape = [a.shape[k] for k in a_free] + [b.shape[k] for k in b_free]
    return np.asarray(np.matmul(left, right)).reshape(shape)


@dataclass(frozen=True)
class TensorDot(Op):
    """``np.tensordot`` summing ``a``'s ``a_axes`` against ``b``'s ``b_axes``.

    One node rather than the transpose/reshape/dot it could be written as:
    the static shape stays exact without a reshape of symbolic lengths, no
    transposed copy is made when NumPy can avoid it, and a backend that wants
    the lowered form can rewrite this node into it.
    """

    a_axes: tuple[int, ...]
    b_axes: tuple[int, ...]

    def make_node(self, a: Any, b: Any) -> Apply:
        a, b = as_tensor_variable(a), as_tensor_variable(b)
        for name, axes, x in (("a", self.a_axes, a), ("b", self.b_axes, b)):
            if any(not 0 <= axis < x.ndim for axis in axes):
                raise ValueError(f"{self}: axes {axes} do not fit the {x.ndim}-d operand {name} "
                                 f"({x.type})")
        if len(self.a_axes) != len(self.b_axes):
            raise ValueError(f"{self}: shape-mismatch for sum: {len(self.a_axes)} axes of a "
                             f"against {len(self.b_axes)} of b")
        if len(set(self.a_axes)) != len(self.a_axes) or len(set(self.b_axes)) != len(self.b_axes):
            raise ValueError(f"{self}: duplicate axes are not allowed in tensordot")
        sa, sb = a.type.shape, b.type.shape
        for i, j in zip(self.a_axes, self.b_axes):
            if sa[i] is not None and sb[j] is not None and sa[i] != sb[j]:
                raise ValueError(f"tensordot: shape-mismatch for sum: axis {i} of {_fmt(sa)} has "
                                 f"length {sa[i]}, axis {j} of {_fmt(sb)} has length {sb[j]}")
        shape = (tuple(n for i, n in enumerate(sa) if i not in self.a_axes)
                 + tuple(n for j, n in enumerate(sb) if j not in self.b_axes))
        return Apply.build(self, [a, b], [TensorType(_product_dtype(a, b), shape)])

    def perform(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return ieee_tensordot(a, b, self.a_axes, self.b_axes)

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        a, b = inputs
        return contraction_pullback(a, b, self.a_axes, self.b_axes, cotangents[0])

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        return _bilinear_pushforward(self, inputs, tangents)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        a_shape, b_shape = input_shapes
        return [tuple(d for i, d in enumerate(a_shape) if i not in self.a_axes)
                + tuple(d for j, d in enumerate(b_shape) if j not in self.b_axes)]

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        return _contraction_batch(self, node, inputs, batched)


@dataclass(frozen=True)
class Diagonal(Op):
    """``np.diagonal``: the diagonal of the ``axis1``/``axis2`` planes, as a last axis."""

    offset: int
    axis1: int
    axis2: int
    # NumPy returns a read-only view of the input
    view_inputs = (0,)

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        if x.ndim < 2:
            raise ValueError(f"{self}: diag requires an array of at least two dimensions, "
                             f"got {x.type}")
        if not (0 <= self.axis1 < x.ndim and 0 <= self.axis2 < x.ndim) or self.axis1 == self.axis2:
            raise ValueError(f"{self}: invalid axes for {x.type}")
        shape = x.type.shape
        rest = tuple(n for axis, n in enumerate(shape) if axis not in (self.axis1, self.axis2))
        out = TensorType(x.dtype, rest + (_diagonal_length(shape[self.axis1], shape[self.axis2],
                                                            self.offset),))
        return Apply.build(self, [x], [out])

    def perform(self, x: np.ndarray) -> np.ndarray:
        return np.diagonal(x, self.offset, self.axis1, self.axis2)

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """Zeros with the diagonal incremented by the cotangent (on x moved so the two
        axes come last, as the diagonal does, then moved back)."""

        x, gz = inputs[0], cotangents[0]
        others = [a for a in range(x.ndim) if a not in (self.axis1, self.axis2)]
        moved = dimshuffle(zeros_like(x), others + [self.axis1, self.axis2])
        steps = arange(shape_i(gz, gz.ndim - 1))
        rows = steps + max(-self.offset, 0)
        cols = steps + max(self.offset, 0)
        filled = inc_subtensor(moved[(Ellipsis, rows, cols)], gz)
        order = others + [self.axis1, self.axis2]
        return [dimshuffle(filled, [order.index(a) for a in range(x.ndim)])]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        return [None if tangents[0] is None else self(tangents[0])]

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        """The other axes, then ``min(rows - max(-offset, 0), cols - max(offset, 0))``, at least 0."""

        x_shape = input_shapes[0]
        rest = tuple(d for axis, d in enumerate(x_shape) if axis not in (self.axis1, self.axis2))
        rows = sub_dims(x_shape[self.axis1], max(-self.offset, 0))
        cols = sub_dims(x_shape[self.axis2], max(self.offset, 0))
        return [rest + (max_dims(min_dims(rows, cols), 0),)]

    def batch(self, node: Apply, inputs: Sequence[Variable], batched: Sequence[bool],
              size: Variable) -> list[Variable]:
        return [Diagonal(self.offset, self.axis1 + 1, self.axis2 + 1)(inputs[0])]


def _diagonal_length(rows: int | None, cols: int | None, offset: int) -> int | None:
    """Length of the ``offset`` diagonal of a ``rows`` x ``cols`` plane, when known."""
    # the diagonal has min(rows - max(-offset, 0), cols - max(offset, 0)) entries, at least 0
    bounds = [None if rows is None else rows - max(-offset, 0),
              None if cols is None else cols - max(offset, 0)]
    known = [n for n in bounds if n is not None]
    if len(known) == 2 or any(n <= 0 for n in known):
        return max(0, min(known))
    return None


# --- derivatives ----------------------------------------------------------------------

def contraction_pullback(a: TensorVariable, b: TensorVariable, a_axes: Sequence[int],
                         b_axes: Sequence[int], gz: TensorVariable) -> list[TensorVariable]:
    """Cotangents of ``a`` and ``b`` for ``tensordot(a, b, (a_axes, b_axes))`` given ``gz``.

    The output's axes are ``a``'s free axes, then ``b``'s.  ``ga`` contracts
    ``gz``'s ``b`` part with ``b``'s free axes, leaving ``a``'s free axes then
    ``b``'s summed axes in increasing order; those are ``a``'s ``a_axes`` in the
    pairing order, so a transpose puts them in place.  ``gb`` likewise.
    """
    a_free = [i for i in range(a.ndim) if i not in a_axes]
    b_free = [j for j in range(b.ndim) if j not in b_axes]
    n_a_free = len(a_free)
    ga = TensorDot(tuple(range(n_a_free, gz.ndim)), tuple(b_free))(gz, b)
    # ga's axes: a_free..., then b's summed axes in increasing order
    a_of_b = {bj: ai for ai, bj in zip(a_axes, b_axes)}
    ga_axes = a_free + [a_of_b[bj] for bj in sorted(b_axes)]
    ga = dimshuffle(ga, [ga_axes.index(i) for i in range(a.ndim)])
    gb = TensorDot(tuple(a_free), tuple(range(n_a_free)))(a, gz)
    # gb's axes: a's summed axes in increasing order (as b axes), then b_free...
    b_of_a = {ai: bj for ai, bj in zip(a_axes, b_axes)}
    gb_axes = [b_of_a[ai] for ai in sorted(a_axes)] + b_free
    gb = dimshuffle(gb, [gb_axes.index(j) for j in range(b.ndim)])
    return [ga, gb]


def _bilinear_pushforward(op: Any, inputs: Sequence[Any], tangents: Sequence[Any]) -> list[Any]:
    """``op(ta, b) + op(a, tb)`` for an op linear in each of its two operands."""

    a, b = inputs
    ta, tb = tangents
    terms = []
    if ta is not None:
        terms.append(op(ta, b))
    if tb is not None:
        terms.append(op(a, tb))
    return [terms[0] if len(terms) == 1 else add(*terms)]


# --- the API ------------------------------------------------------------------------


def dot(a: Any, b: Any) -> TensorVariable:
    """``np.dot``: vector inner product, matrix product, or a sum over last and second-to-last axes."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if a.ndim == 0 or b.ndim == 0:

        # both are tensors already, so no Python-scalar weak typing applies (as np.dot)
        return mul(a, b)
    return Dot()(a, b)


def matmul(a: Any, b: Any, dtype: Any = None) -> TensorVariable:
    """``np.matmul`` (the ``@`` operator): batched matrix product with broadcast batch axes;
    ``dtype`` casts the product (PyTensor's argument)."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    _matmul_shape(a.type.shape, b.type.shape)  # errors worded for matmul, before delegating
    if a.ndim <= 2 and b.ndim <= 2:
        # np.matmul and np.dot agree on 1-d and 2-d operands (values and dtypes): one
        # canonical node for the plain matrix product keeps rewrites in one place.
        out = Dot()(a, b)
    else:
        out = MatMul()(a, b)
    return out if dtype is None else out.astype(dtype)


def _tensordot_axes(axes: Any, a_ndim: int, b_ndim: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    if isinstance(axes, (int, np.integer)) and not isinstance(axes, (bool, np.bool_)):
        n = int(axes)
        # NumPy quietly treats a negative count like 0; a count is never negative, so say so
        if n < 0:
            raise ValueError(f"tensordot: axes must be a non-negative number of axes, got {n}")
        if n > a_ndim or n > b_ndim:
            raise np.exceptions.AxisError(f"tensordot: cannot sum over {n} axes of operands with "
                                          f"{a_ndim} and {b_ndim} dimensions")
        return tuple(range(a_ndim - n, a_ndim)), tuple(range(n))
    try:
        axes_a, axes_b = axes
    except (TypeError, ValueError):
        raise TypeError(f"tensordot: axes must be an int or a pair of axis sequences, "
                        f"got {axes!r}") from None

    def as_list(value: Any) -> list[Any]:
        return list(value) if isinstance(value, (list, tuple, np.ndarray)) else [value]

    axes_a, axes_b = as_list(axes_a), as_list(axes_b)
    if len(axes_a) != len(axes_b):
        raise ValueError(f"tensordot: shape-mismatch for sum: {len(axes_a)} axes of a against "
                         f"{len(axes_b)} axes of b")
    norm_a = tuple(normalize_axis(axis, a_ndim) for axis in axes_a)
    norm_b = tuple(normalize_axis(axis, b_ndim) for axis in axes_b)
    if len(set(norm_a)) != len(norm_a) or len(set(norm_b)) != len(norm_b):
        raise ValueError("tensordot: duplicate axes are not allowed in tensordot")
    return norm_a, norm_b


def tensordot(a: Any, b: Any, axes: int | Sequence[Any] = 2) -> TensorVariable:
    """``np.tensordot``: sum products over the last ``axes`` axes of ``a`` and the first of ``b``.

    ``axes`` may also be a pair ``(axes_of_a, axes_of_b)`` of ints or equal-length sequences.
    """
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    a_axes, b_axes = _tensordot_axes(axes, a.ndim, b.ndim)
    return TensorDot(a_axes, b_axes)(a, b)


def _flat(x: TensorVariable) -> TensorVariable:
    """``x.ravel()`` (a reshape only for rank >= 2, which lives in tensor.shape)."""
    if x.ndim == 1:
        return x
    if x.ndim == 0:
        return dimshuffle(x, ["x"])

    return flatten(x, 1)


def outer(a: Any, b: Any) -> TensorVariable:
    """``np.outer``: ``a.ravel()[:, None] * b.ravel()[None, :]``."""

    a, b = _flat(as_tensor_variable(a)), _flat(as_tensor_variable(b))
    return mul(dimshuffle(a, [0, "x"]), dimshuffle(b, ["x", 0]))


def inner(a: Any, b: Any) -> TensorVariable:
    """``np.inner``: sum of products over the last axes (a product when one operand is 0-d)."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if a.ndim == 0 or b.ndim == 0:

        return mul(a, b)
    return TensorDot((a.ndim - 1,), (b.ndim - 1,))(a, b)


def matrix_dot(*matrices: Any) -> TensorVariable:
    """``dot`` of the arguments from left to right: ``matrix_dot(a, b, c) == dot(dot(a, b), c)``."""
    if not matrices:
        raise TypeError("matrix_dot needs at least one argument")
    return functools.reduce(dot, matrices[1:], as_tensor_variable(matrices[0]))


def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> TensorVariable:
    """``np.diagonal``: the ``offset`` diagonals of the ``axis1``/``axis2`` planes, along a new last axis."""
    x = as_tensor_variable(x)
    if x.ndim < 2:
        raise ValueError(f"diagonal: diag requires an array of at least two dimensions, "
                         f"got {x.type}")
    if isinstance(offset, (bool, np.bool_)) or not isinstance(offset, (int, np.integer)):
        raise TypeError(f"diagonal: offset must be an int, got {offset!r}")
    a1, a2 = normalize_axis(axis1, x.ndim, "axis1"), normalize_axis(axis2, x.ndim, "axis2")
    if a1 == a2:
        raise ValueError("diagonal: axis1 and axis2 cannot be the same")
    return Diagonal(int(offset), a1, a2)(x)


def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None) -> TensorVariable:
    """``np.trace``: sums of the ``offset`` diagonals (the sum's dtype, as NumPy: int32 gives int64)."""
    # a sum of the diagonal, so rewrites and derivatives see the two ops they know
    diag = diagonal(x, offset, axis1, axis2)

    return reduction.sum(diag, axis=-1, dtype=dtype)


def _contraction_batch(op: Dot | TensorDot, node: Apply, inputs: Sequence[Variable],
                       batched: Sequence[bool]) -> list[Variable]:
    """The batching rule of `Dot` and `TensorDot`: a `TensorDot` with one batched operand (a
    pullback is linear in the cotangent, so two batched operands never meet; that case
    falls back to building rows one by one)."""
    a, b = node.inputs
    if all(batched):
        raise NoBatchingRule(f"{op} of two batched operands")
    a_axes: tuple[int, ...]
    b_axes: tuple[int, ...]
    if isinstance(op, Dot):
        a_axes, b_axes = (a.ndim - 1,), (max(b.ndim - 2, 0),)
    else:
        a_axes, b_axes = op.a_axes, op.b_axes
    if batched[0]:  # the batch axis leads the free axes of a, so it leads the result
        return [TensorDot(tuple(i + 1 for i in a_axes), tuple(b_axes))(inputs[0], b)]
    free_a = a.ndim - len(a_axes)
    out = TensorDot(tuple(a_axes), tuple(j + 1 for j in b_axes))(a, inputs[1])
    return [batch_to_front(out, free_a)]
