"""Inverses and determinants: ``inv`` (``matrix_inverse``), ``pinv``, ``det``, ``slogdet``.

``inv`` and ``det`` of a singular matrix follow NumPy: ``inv`` raises ``LinAlgError``, ``det``
is 0 (its derivative then needs the inverse and raises too); ``slogdet`` gives sign 0 and
``-inf``.  Prefer ``solve`` to ``inv(a) @ b`` and ``slogdet`` to ``log(det(a))``: both are
more accurate, and the second does not overflow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.graph.basic import Apply
from arignote.tensor.alloc import zeros_like
from arignote.tensor.dimshuffle import expand_dims
from arignote.tensor.linalg.common import (
    _LinalgOp,
    _SquareMapOp,
    apply_core,
    as_lapack,
    at_least,
    check_square_value,
    identity_of,
    linalg_output_dtype,
    linalg_real_output_dtype,
    mT,
    numeric_input,
    onto_triangle,
    require_real,
    square_length,
    symmetric_from,
)
from arignote.tensor.products import matmul
from arignote.tensor.reduction import sum as sum_
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["Det", "MatrixInverse", "MatrixPinv", "SLogDet", "det", "inv", "matrix_inverse", "pinv",
           "slogdet"]


@dataclass(frozen=True)
class MatrixInverse(_SquareMapOp):
    """``np.linalg.inv`` of a square matrix (``LinAlgError`` when it is singular)."""

    def compute(self, x: np.ndarray, dtype: str) -> np.ndarray:
        return np.asarray(np.linalg.inv(x), dtype=dtype)

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """``d(X^-1) = -X^-1 dX X^-1``, so ``X̄ = -Z.T Ḡ Z.T`` with ``Z = X^-1``."""
        require_real(self, inputs)
        z = mT(outputs[0])
        return [-matmul(matmul(z, cotangents[0]), z)]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        if tangents[0] is None:
            return [None]
        require_real(self, inputs)
        z = outputs[0]
        return [-matmul(matmul(z, tangents[0]), z)]


def inv(a: Any) -> TensorVariable:
    """``np.linalg.inv``: the inverse of the square matrix ``a`` (or of each in a stack)."""
    return apply_core(MatrixInverse(), at_least(a, 2, "inv", "a"))


matrix_inverse = inv


@dataclass(frozen=True)
class MatrixPinv(_LinalgOp):
    """``np.linalg.pinv``: the Moore-Penrose pseudo-inverse of an ``m x n`` matrix (``n x m``),
    through the SVD (``hermitian``: through the eigendecomposition of the square matrix made
    of its lower triangle, which is all NumPy reads then)."""

    hermitian: bool = False
    gufunc_signature = "(m,n)->(n,m)"

    def make_node(self, x: Any) -> Apply:
        x = numeric_input(x, self, "x", 2)
        rows, cols = x.type.shape
        if self.hermitian:
            square_length(x, self, "x (hermitian)")
        return Apply.build(self, [x], [TensorType(linalg_output_dtype(x.dtype), (cols, rows))])

    def perform(self, x: np.ndarray) -> np.ndarray:
        dtype = linalg_output_dtype(x.dtype)
        return np.asarray(np.linalg.pinv(as_lapack(x, dtype), hermitian=self.hermitian), dtype=dtype)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        rows, cols = input_shapes[0]
        return [(cols, rows)]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """Golub and Pereyra's derivative (valid where the rank does not change):
        ``X̄ = -Z.T Ḡ Z.T + (I - X Z) Ḡ.T Z Z.T + Z.T Z Ḡ.T (I - Z X)`` with ``Z = X^+``."""
        require_real(self, inputs)
        x, z, g = inputs[0], outputs[0], cotangents[0]
        if self.hermitian:  # NumPy reads the lower triangle alone (through eigh)
            x = symmetric_from(x, lower=True)
        xz, zx = matmul(x, z), matmul(z, x)
        g_t = mT(g)
        x_bar = (-matmul(matmul(mT(z), g), mT(z))
                 + matmul(matmul(identity_of(xz) - xz, g_t), matmul(z, mT(z)))
                 + matmul(matmul(matmul(mT(z), z), g_t), identity_of(zx) - zx))
        return [onto_triangle(x_bar, lower=True) if self.hermitian else x_bar]


def pinv(x: Any, hermitian: bool = False) -> TensorVariable:
    """``np.linalg.pinv``: the pseudo-inverse of ``x`` (``hermitian``: ``x`` is symmetric)."""
    return apply_core(MatrixPinv(hermitian=bool(hermitian)), at_least(x, 2, "pinv", "x"))


@dataclass(frozen=True)
class Det(_LinalgOp):
    """``np.linalg.det`` of a square matrix."""

    gufunc_signature = "(m,m)->()"

    def make_node(self, x: Any) -> Apply:
        x = numeric_input(x, self, "x", 2)
        rows, cols = x.type.shape
        if rows is not None and cols is not None and rows != cols:  # PyTensor's words, matched on
            raise ValueError(f"{self}: Determinant not defined for non-square matrix inputs; x has "
                             f"static shape {x.type.shape}")
        return Apply.build(self, [x], [TensorType(linalg_output_dtype(x.dtype), ())])

    def perform(self, x: np.ndarray) -> np.ndarray:
        check_square_value(x)
        dtype = linalg_output_dtype(x.dtype)
        return np.asarray(np.linalg.det(as_lapack(x, dtype)), dtype=dtype)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [()]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """Jacobi's formula: ``X̄ = ḡ det(X) X^-T`` (through the inverse: singular ``X`` raise)."""
        require_real(self, inputs)
        scale = _as_matrix_factor(cotangents[0] * outputs[0])
        return [scale * mT(inv(inputs[0]))]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        if tangents[0] is None:
            return [None]
        require_real(self, inputs)
        return [outputs[0] * _trace_of_product(inv(inputs[0]), tangents[0])]


def _as_matrix_factor(x: TensorVariable) -> TensorVariable:
    """A scalar per matrix, with two length-1 axes so that it scales the matrices."""
    return expand_dims(x, [-2, -1]) if x.ndim else x


def _trace_of_product(a: Any, b: Any) -> TensorVariable:
    """``trace(a @ b)`` for each pair of matrices, without the product: ``sum(a.T * b)``."""
    return sum_(mT(a) * b, axis=(-2, -1))


def det(x: Any) -> TensorVariable:
    """``np.linalg.det``: the determinant of the square matrix ``x`` (or of each in a stack)."""
    return apply_core(Det(), at_least(x, 2, "det", "x"))


@dataclass(frozen=True)
class SLogDet(_LinalgOp):
    """``np.linalg.slogdet``: the sign and the log of the absolute value of the determinant, from
    the LU factorisation (no overflow where the determinant itself would)."""

    gufunc_signature = "(m,m)->(),()"

    def make_node(self, x: Any) -> Apply:
        x = numeric_input(x, self, "x", 2)
        square_length(x, self, "x")
        return Apply.build(self, [x], [TensorType(linalg_output_dtype(x.dtype), ()),
                                       TensorType(linalg_real_output_dtype(x.dtype), ())])

    def perform(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        check_square_value(x)
        dtype = linalg_output_dtype(x.dtype)
        sign, logabsdet = np.linalg.slogdet(as_lapack(x, dtype))
        return (np.asarray(sign, dtype=dtype),
                np.asarray(logabsdet, dtype=linalg_real_output_dtype(x.dtype)))

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [(), ()]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """``d log|det X| = trace(X^-1 dX)``: ``X̄ = ḡ X^-T``; the sign is piecewise constant."""
        require_real(self, inputs)
        x, g = inputs[0], cotangents[1]
        if g is None:
            return [zeros_like(x, dtype=outputs[1].dtype)]
        return [_as_matrix_factor(g) * mT(inv(x))]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        if tangents[0] is None:
            return [None, None]
        require_real(self, inputs)
        return [None, _trace_of_product(inv(inputs[0]), tangents[0])]


def slogdet(x: Any) -> tuple[TensorVariable, TensorVariable]:
    """``np.linalg.slogdet``: ``(sign, logabsdet)`` with ``det(x) == sign * exp(logabsdet)``."""
    sign, logabsdet = apply_core(SLogDet(), at_least(x, 2, "slogdet", "x"))
    return sign, logabsdet
