"""Diagonals: ``diag``, NumPy's two-way function between a vector and a diagonal matrix, and
``fill_diagonal``/``fill_diagonal_offset``, which write a scalar over a diagonal."""

from __future__ import annotations

from typing import Any

import numpy as np

from arignote.scalar.basic import upcast
from arignote.tensor.alloc import arange, zeros
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.math import maximum, minimum
from arignote.tensor.products import diagonal
from arignote.tensor.shape import shape_i, specify_shape
from arignote.tensor.subtensor_inc import set_subtensor
from arignote.tensor.variable import TensorVariable

__all__ = ["diag", "fill_diagonal", "fill_diagonal_offset"]


def diag(v: Any, k: int = 0) -> TensorVariable:
    """``np.diag``: the square matrix with the vector ``v`` on its ``k``-th diagonal, or the
    ``k``-th diagonal of the matrix ``v``."""
    v = as_tensor_variable(v)
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"diag: k must be an int, got {k!r}")
    k = int(k)
    if v.ndim == 2:
        return diagonal(v, k)
    if v.ndim != 1:
        raise ValueError(f"diag: the input must be 1-d or 2-d, got {v.type}")
    # zeros with the vector written on the diagonal: derivatives and every backend come from
    # the two ops it is built of
    n = shape_i(v, 0)
    size = n + abs(k)
    steps = arange(n)
    out = set_subtensor(zeros((size, size), dtype=v.dtype)[steps + max(-k, 0), steps + max(k, 0)], v)
    length = v.type.shape[0]
    return out if length is None else specify_shape(out, (length + abs(k),) * 2)


def _fill_value(a: TensorVariable, val: Any, where: str) -> Any:
    """``val`` checked as PyTensor's ``FillDiagonal`` checks it: a scalar whose dtype ``a``'s
    holds without upcasting (Python numbers take ``a``'s dtype, NumPy 2's rule)."""
    if isinstance(val, (bool, int, float, complex, np.number, np.bool_)):
        return val  # set_subtensor casts it (and refuses complex into real)
    val = as_tensor_variable(val)
    if val.ndim != 0:
        raise TypeError(f"{where}: val must be a scalar, got {val.type}")
    if upcast(a.dtype, val.dtype).name != a.dtype:
        # as in PyTensor: writing would silently drop precision (or the fraction)
        raise TypeError(f"{where}: val of dtype {val.dtype} cannot be written into a of dtype "
                        f"{a.dtype} without a downcast; cast val to {a.dtype} first")
    return val


def fill_diagonal(a: Any, val: Any) -> TensorVariable:
    """``np.fill_diagonal`` without the mutation: a copy of ``a`` with its main diagonal set to
    the scalar ``val``.  ``a`` is a matrix (its first ``min(m, n)`` diagonal entries, no
    wrapping) or has three or more axes of one length (the entries ``a[i, i, ..., i]``)."""
    a = as_tensor_variable(a)
    if a.ndim < 2:
        raise TypeError(f"fill_diagonal: a must have at least two dimensions, got {a.type}")
    val = _fill_value(a, val, "fill_diagonal")
    # a write of val at the diagonal's indices: the derivatives (a's cotangent with the
    # diagonal zeroed, val's the sum of the diagonal's) and every backend come from that op
    if a.ndim == 2:
        rows, cols = a.type.shape
        length: Any = (min(rows, cols) if rows is not None and cols is not None
                       else minimum(shape_i(a, 0), shape_i(a, 1)))
        steps = arange(length)
        return set_subtensor(a[steps, steps], val)
    lengths = {n for n in a.type.shape if n is not None}
    if len(lengths) > 1:
        raise ValueError(f"fill_diagonal: all dimensions of a must be of equal length, got {a.type}")
    n = shape_i(a, 0)
    if None in a.type.shape:  # NumPy's check of equal lengths, at run time
        a = specify_shape(a, [None] + [n] * (a.ndim - 1))
    steps = arange(n)
    return set_subtensor(a[(steps,) * a.ndim], val)


def fill_diagonal_offset(a: Any, val: Any, offset: Any) -> TensorVariable:
    """PyTensor's ``fill_diagonal_offset``: a copy of the matrix ``a`` with its ``offset``-th
    diagonal (above the main one when positive, below when negative, as in ``np.diagonal``)
    set to the scalar ``val``.  ``offset`` is an int or a symbolic integer scalar."""
    a = as_tensor_variable(a)
    if a.ndim != 2:
        raise TypeError(f"fill_diagonal_offset: a must be a matrix (2-d), got {a.type}")
    val = _fill_value(a, val, "fill_diagonal_offset")
    if isinstance(offset, (bool, np.bool_)):
        raise TypeError(f"fill_diagonal_offset: offset must be an integer, got {offset!r}")
    row0: Any
    col0: Any
    if isinstance(offset, (int, np.integer)):
        row0, col0 = max(-int(offset), 0), max(int(offset), 0)
    else:
        offset = as_tensor_variable(offset)
        if offset.ndim != 0 or offset.type.numpy_dtype.kind not in "iu":
            raise TypeError(f"fill_diagonal_offset: offset must be an integer scalar, got {offset.type}")
        offset = offset.astype("int64")  # unsigned offsets would wrap when negated
        row0, col0 = maximum(-offset, 0), maximum(offset, 0)
    # the diagonal's length; 0 when it lies outside the matrix
    length = maximum(minimum(shape_i(a, 0) - row0, shape_i(a, 1) - col0), 0)
    steps = arange(length)
    return set_subtensor(a[steps + row0, steps + col0], val)
