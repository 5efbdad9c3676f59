"""NumPy 2's products of vectors with vectors and matrices, over broadcast batch axes:
``vecdot``, ``matvec`` and ``vecmat`` (PyTensor's ``pytensor.tensor.math`` names).

Each is a ``matmul`` with the vector made a one-row or one-column matrix, so the product
rewrites, derivatives and backends of ``matmul`` apply unchanged."""

from __future__ import annotations

from typing import Any

from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.dimshuffle import expand_dims
from arignote.tensor.math import conj
from arignote.tensor.products import matmul
from arignote.tensor.variable import TensorVariable

__all__ = ["matvec", "vecdot", "vecmat"]


def _vector(x: Any, where: str, what: str) -> TensorVariable:
    x = as_tensor_variable(x)
    if x.ndim < 1:
        raise ValueError(f"{where}: {what} must have at least one dimension, got a scalar")
    return x


def _matrix(x: Any, where: str, what: str) -> TensorVariable:
    x = as_tensor_variable(x)
    if x.ndim < 2:
        raise ValueError(f"{where}: {what} must have at least two dimensions, got {x.type}")
    return x


def _conj(x: TensorVariable) -> TensorVariable:
    return conj(x) if x.type.numpy_dtype.kind == "c" else x


def _cast(x: TensorVariable, dtype: Any) -> TensorVariable:
    return x if dtype is None else x.astype(dtype)


def vecdot(x1: Any, x2: Any, dtype: Any = None) -> TensorVariable:
    """``np.vecdot``: ``sum(conj(x1) * x2, axis=-1)``, the last axes the vectors, the rest
    broadcast; ``dtype`` casts the result."""
    x1, x2 = _vector(x1, "vecdot", "x1"), _vector(x2, "vecdot", "x2")
    out = matmul(expand_dims(_conj(x1), -2), expand_dims(x2, -1))[..., 0, 0]
    return _cast(out, dtype)


def matvec(x1: Any, x2: Any, dtype: Any = None) -> TensorVariable:
    """``np.matvec``: the matrices ``x1`` (last two axes) times the vectors ``x2`` (last axis),
    batch axes broadcast; ``dtype`` casts the result."""
    x1, x2 = _matrix(x1, "matvec", "x1"), _vector(x2, "matvec", "x2")
    return _cast(matmul(x1, expand_dims(x2, -1))[..., 0], dtype)


def vecmat(x1: Any, x2: Any, dtype: Any = None) -> TensorVariable:
    """``np.vecmat``: the vectors ``conj(x1)`` (last axis) times the matrices ``x2`` (last two
    axes), batch axes broadcast; ``dtype`` casts the result."""
    x1, x2 = _vector(x1, "vecmat", "x1"), _matrix(x2, "vecmat", "x2")
    return _cast(matmul(expand_dims(_conj(x1), -2), x2)[..., 0, :], dtype)
