"""Functions of matrices: ``expm`` (an op, SciPy's Padé approximation), and, built from other
ops so that their derivatives come from those, ``matrix_power`` (products) and ``norm``
(NumPy's vector and matrix norms, batched over leading axes as in PyTensor, through
reductions and, for the spectral and nuclear norms, the singular values)."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg

from arignote.tensor import math as tm
from arignote.tensor import reduction as red
from arignote.tensor.alloc import zeros_like
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.dimshuffle import expand_dims, transpose
from arignote.tensor.join import concatenate
from arignote.tensor.linalg.common import (
    _SquareMapOp,
    apply_core,
    at_least,
    identity_of,
    mT,
    require_real,
)
from arignote.tensor.linalg.inverses import inv
from arignote.tensor.linalg.spectral import svd
from arignote.tensor.products import matmul
from arignote.tensor.shape import shape_i
from arignote.tensor.variable import TensorVariable

__all__ = ["Expm", "expm", "matrix_power", "norm"]


@dataclass(frozen=True)
class Expm(_SquareMapOp):
    """``scipy.linalg.expm``: the exponential of a square matrix."""

    input_name = "A"

    def compute(self, a: np.ndarray, dtype: str) -> np.ndarray:
        return np.asarray(scipy.linalg.expm(a), dtype=dtype)

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """The adjoint of the Fréchet derivative, ``Ā = L(Aᵀ, Ḡ)``, with ``L(X, E)`` the upper
        right block of ``expm([[X, E], [0, X]])`` (Higham, "Functions of Matrices", 3.2)."""
        require_real(self, inputs)
        return [_frechet(mT(inputs[0]), cotangents[0])]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        if tangents[0] is None:
            return [None]
        require_real(self, inputs)
        return [_frechet(inputs[0], tangents[0])]


def _frechet(x: TensorVariable, e: Any) -> TensorVariable:
    """``L(X, E)``: the upper right block of the exponential of ``[[X, E], [0, X]]``."""
    e = as_tensor_variable(e).astype(x.dtype)  # of X's shape: a cotangent or tangent of it
    top = concatenate([x, e], axis=-1)
    bottom = concatenate([zeros_like(x), x], axis=-1)
    n = shape_i(x, x.ndim - 1)
    return expm(concatenate([top, bottom], axis=-2))[..., :n, n:]


def expm(A: Any) -> TensorVariable:
    """``scipy.linalg.expm``: the matrix exponential of the square ``A`` (or of each in a
    stack), with derivatives in both modes (through the exponential of a block matrix twice
    the size)."""
    return apply_core(Expm(), at_least(A, 2, "expm", "A"))


def matrix_power(M: Any, n: int) -> TensorVariable:
    """``np.linalg.matrix_power``: ``M`` (square, or a stack) to the integer power ``n``, by
    repeated squaring (about ``2 log2(n)`` products); ``n < 0`` inverts first, ``n == 0``
    gives the identity."""
    M = at_least(M, 2, "matrix_power", "M")
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"matrix_power: n must be an integer, got {n!r}") from None
    rows, cols = M.type.shape[-2:]
    if rows is not None and cols is not None and rows != cols:
        raise ValueError(f"matrix_power: M must be square, got static shape {M.type.shape}")
    if n == 0:
        return identity_of(M) + zeros_like(M)
    if n < 0:
        M, n = inv(M), -n
    result: TensorVariable | None = None
    power = M
    while True:  # binary exponentiation: multiply in the squares n's bits select
        if n & 1:
            result = power if result is None else matmul(result, power)
        n >>= 1
        if not n:
            break
        power = matmul(power, power)
    assert result is not None
    return result


def _normalize_axis(axis: Any, ndim: int) -> tuple[int, ...]:
    if isinstance(axis, (int, np.integer)) and not isinstance(axis, (bool, np.bool_)):
        axes: tuple[Any, ...] = (axis,)
    elif isinstance(axis, (tuple, list)):
        axes = tuple(axis)
    else:  # a symbolic axis cannot choose between vector and matrix norms when the graph is built
        axes = ()
    try:
        out = [operator.index(a) for a in axes]
    except TypeError:
        out = []
    if not out or len(out) != len(axes):
        raise TypeError(f"norm: 'axis' must be None, an integer, or a tuple of integers, got {axis!r}")
    for a in out:
        if not -ndim <= a < ndim:
            raise ValueError(f"norm: axis {a} is out of bounds for a tensor of {ndim} dimensions")
    out = [a % ndim for a in out]
    if len(set(out)) != len(out):
        raise ValueError(f"norm: duplicate axes given: {axis!r}")
    return tuple(out)


def _vector_norm(x: TensorVariable, ord: Any, axis: int, keepdims: bool) -> TensorVariable:
    if ord is None or (ord in ("fro", "f") and x.ndim >= 2):
        # PyTensor reads the Frobenius orders over one axis of a matrix as the 2-norm of its
        # rows or columns (NumPy refuses them); over a vector they stay invalid, as in both
        ord = 2
    ord = {"inf": np.inf, "-inf": -np.inf}.get(ord, ord) if isinstance(ord, str) else ord
    if isinstance(ord, str):
        raise ValueError(f"norm: Invalid norm order '{ord}' for vectors")
    if ord == 2:
        return tm.sqrt(red.sum(_abs_squared(x), axis=axis, keepdims=keepdims))
    if ord == np.inf:
        return red.max(tm.abs(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return red.min(tm.abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:  # the number of non-zero entries (not a norm; NumPy's convention)
        return red.sum(tm.neq(x, 0), axis=axis, keepdims=keepdims).astype(_real(x).dtype)
    if ord == 1:
        return red.sum(tm.abs(x), axis=axis, keepdims=keepdims)
    p = float(ord)
    return red.sum(tm.abs(x) ** p, axis=axis, keepdims=keepdims) ** (1.0 / p)


def _matrix_norm(x: TensorVariable, ord: Any, axes: tuple[int, int], keepdims: bool) -> TensorVariable:
    row, col = axes
    ord = {"inf": np.inf, "-inf": -np.inf}.get(ord, ord) if isinstance(ord, str) else ord
    if ord is None or ord in ("fro", "f"):
        result = tm.sqrt(red.sum(_abs_squared(x), axis=axes))
    elif ord in ("nuc", 2, -2):
        # singular values of the matrices with ``axes`` moved last
        rest = [i for i in range(x.ndim) if i not in axes]
        s = svd(transpose(x, [*rest, row, col]), compute_uv=False)
        if ord == "nuc":
            result = red.sum(s, axis=-1)
        else:
            result = red.max(s, axis=-1) if ord == 2 else red.min(s, axis=-1)
    elif ord in (1, -1, np.inf, -np.inf):
        # 1: the largest column sum (sum over rows); inf: the largest row sum
        summed, other = (row, col) if ord in (1, -1) else (col, row)
        sums = red.sum(tm.abs(x), axis=summed)
        other -= int(summed < other)
        result = red.max(sums, axis=other) if ord in (1, np.inf) else red.min(sums, axis=other)
    else:
        raise ValueError(f"norm: Invalid norm order for matrices: {ord}")
    if keepdims:
        result = expand_dims(result, sorted(axes))
    return result


def _abs_squared(x: TensorVariable) -> TensorVariable:
    return tm.real(x * tm.conj(x)) if x.type.numpy_dtype.kind == "c" else x * x


def _real(x: TensorVariable) -> TensorVariable:
    return tm.abs(x) if x.type.numpy_dtype.kind == "c" else x


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> TensorVariable:
    """``np.linalg.norm``, batched as in PyTensor: vector norms over one axis (``ord``
    ``None``/2, 1, ``inf``, ``-inf``, 0, or any other number ``p``), matrix norms over two
    (``None``/``"fro"``/``"f"``, ``"nuc"``, 1, -1, 2, -2, ``inf``, ``-inf``; also the strings
    ``"inf"``, ``"-inf"``).  ``axis=None``: the whole of a vector or matrix, and for more
    dimensions the matrix norm of each matrix over the last two axes, the leading ones being
    a batch (PyTensor's rule; NumPy takes the 2-norm of all entries there instead)."""
    x = as_tensor_variable(x)
    if x.type.numpy_dtype.kind in "biu":  # NumPy computes the norms of integers in float64
        x = x.astype("float64")
    elif x.type.numpy_dtype.kind not in "fc":
        raise TypeError(f"norm: x must hold numbers, got dtype {x.dtype}")
    if axis is None:
        if x.ndim == 0:
            if ord is not None:
                # PyTensor's wording, which its users match on
                raise ValueError("norm: improper number of dimensions to norm, x is 0-d. Cannot "
                                 "compute norm when core_dims < 1 or core_dims > 3, found: "
                                 "core_dims = 0")
            return tm.abs(x)
        axis = tuple(range(max(x.ndim - 2, 0), x.ndim))
    axes = _normalize_axis(axis, x.ndim)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims)
    if len(axes) == 2:
        return _matrix_norm(x, ord, (axes[0], axes[1]), keepdims)
    raise ValueError(f"norm: axis must name one or two axes, got {axis!r}")
