"""``diag``: NumPy's two-way function between a vector and a diagonal matrix."""

from __future__ import annotations

from typing import Any

import numpy as np

from arignote.tensor.alloc import arange, zeros
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.products import diagonal
from arignote.tensor.shape import shape_i, specify_shape
from arignote.tensor.subtensor_inc import set_subtensor
from arignote.tensor.variable import TensorVariable

__all__ = ["diag"]


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
