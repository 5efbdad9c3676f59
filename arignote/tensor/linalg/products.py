"""Products of matrices that belong with linear algebra: ``kron`` (and, from the tensor API,
``matrix_dot`` and ``trace``)."""

from __future__ import annotations

from typing import Any

from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.dimshuffle import expand_dims
from arignote.tensor.products import matrix_dot, trace
from arignote.tensor.shape import reshape, shape_i
from arignote.tensor.variable import TensorVariable

__all__ = ["kron", "matrix_dot", "trace"]


def kron(a: Any, b: Any) -> TensorVariable:
    """``np.kron``: the Kronecker product, block ``(i, j)`` being ``a[i, j] * b`` (for any ranks:
    the smaller one gains leading axes)."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    ndim = max(a.ndim, b.ndim)
    if ndim == 0:
        return a * b
    a = expand_dims(a, list(range(ndim - a.ndim))) if a.ndim < ndim else a
    b = expand_dims(b, list(range(ndim - b.ndim))) if b.ndim < ndim else b
    # a's axes at even positions, b's at odd ones: (a0, b0, a1, b1, ...), then pairs merged
    spread_a = expand_dims(a, [2 * i + 1 for i in range(ndim)])
    spread_b = expand_dims(b, [2 * i for i in range(ndim)])
    shape = [shape_i(a, i) * shape_i(b, i) for i in range(ndim)]
    return reshape(spread_a * spread_b, shape)
