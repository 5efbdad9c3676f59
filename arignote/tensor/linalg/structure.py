"""Matrices assembled from others, and tensors read as matrices: ``block_diag``, ``tensorinv``
and ``tensorsolve``.  All are graphs of existing ops (joins, reshapes, ``inv``, ``solve``), so
their derivatives, batching and backends come from those."""

from __future__ import annotations

import operator
from typing import Any

from arignote.tensor.alloc import broadcast_to, zeros, zeros_like
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.dimshuffle import transpose
from arignote.tensor.join import concatenate
from arignote.tensor.linalg.common import at_least
from arignote.tensor.linalg.inverses import inv
from arignote.tensor.linalg.solves import solve
from arignote.tensor.shape import reshape, shape_i
from arignote.tensor.variable import TensorVariable

__all__ = ["block_diag", "tensorinv", "tensorsolve"]


def block_diag(*matrices: Any) -> TensorVariable:
    """``scipy.linalg.block_diag``: the matrices on the diagonal of one matrix, zeros elsewhere.
    Stacks of matrices (leading batch axes, broadcast together) give a stack of results; the
    dtype is the inputs' promoted one."""
    if not matrices:
        raise ValueError("block_diag: needs at least one matrix")
    mats = [at_least(m, 2, "block_diag", f"matrix {i}") for i, m in enumerate(matrices)]
    if len(mats) == 1:
        return mats[0]
    # the promoted dtype and the common batch shape: of the sum of zeros (*batch_i, 1, 1)
    base = zeros_like(mats[0][..., :1, :1])
    for m in mats[1:]:
        base = base + zeros_like(m[..., :1, :1])
    batch = [shape_i(base, k) for k in range(base.ndim - 2)]
    rows = [shape_i(m, m.ndim - 2) for m in mats]
    cols = [shape_i(m, m.ndim - 1) for m in mats]
    band = []
    for i, m in enumerate(mats):
        # every piece allocated or broadcast at its full shape: ``base``'s (1, 1) core is not
        # static, and a length not known statically does not broadcast (PyTensor's rule)
        pieces = [broadcast_to(m.astype(base.dtype), [*batch, rows[i], cols[i]]) if j == i
                  else zeros([*batch, rows[i], cols[j]], dtype=base.dtype)
                  for j in range(len(mats))]
        band.append(concatenate(pieces, axis=-1))
    return concatenate(band, axis=-2)


def _product(lengths: list[Any]) -> Any:
    out: Any = 1
    for n in lengths:
        out = out * n
    return out


def tensorinv(a: Any, ind: int = 2) -> TensorVariable:
    """``np.linalg.tensorinv``: the inverse of ``a`` read as a matrix whose rows are its first
    ``ind`` axes and columns the rest; the result has shape ``a.shape[ind:] + a.shape[:ind]``."""
    a = as_tensor_variable(a)
    ind = operator.index(ind)
    if ind <= 0 or ind >= a.ndim:
        raise ValueError(f"tensorinv: ind must be in [1, {a.ndim - 1}] for a {a.ndim}-d tensor, "
                         f"got {ind}")
    shape = [shape_i(a, i) for i in range(a.ndim)]
    square = reshape(a, [_product(shape[:ind]), _product(shape[ind:])])
    return reshape(inv(square), shape[ind:] + shape[:ind])


def tensorsolve(a: Any, b: Any, axes: Any = None) -> TensorVariable:
    """``np.linalg.tensorsolve``: ``x`` with ``tensordot(a, x, x.ndim) == b``; ``x`` has shape
    ``a.shape[b.ndim:]`` (after ``axes`` of ``a`` are moved to the end)."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if axes is not None:
        moved = [operator.index(k) % a.ndim for k in axes]
        a = transpose(a, [k for k in range(a.ndim) if k not in moved] + moved)
    if b.ndim >= a.ndim:
        raise ValueError(f"tensorsolve: a ({a.ndim}-d) must have more dimensions than b ({b.ndim}-d)")
    x_shape = [shape_i(a, i) for i in range(b.ndim, a.ndim)]
    size = _product(x_shape)
    matrix = reshape(a, [_product([shape_i(b, i) for i in range(b.ndim)]), size])
    x = solve(matrix, reshape(b, [-1]), b_ndim=1)
    return reshape(x, x_shape)
