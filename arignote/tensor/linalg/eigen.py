"""Eigendecompositions of symmetric (Hermitian) matrices: ``eigh`` and ``eigvalsh`` (also of
the generalized problem ``a v = w b v`` with a positive-definite ``b``: ``eigvalsh(a, b)``).

Only the ``lower`` (or upper) triangle is read, as in SciPy; eigenvalues come in ascending
order.  Eigenvectors are unique up to sign only (LAPACK's choice, which may differ between
NumPy, SciPy and JAX): functions of them that a model uses should not depend on the sign
(``v * v``, ``v @ diag(w) @ v.T``).

Derivatives hold where the eigenvalues are distinct.  Those of the eigenvalues (``eigvalsh``,
or ``eigh``'s ``w`` alone) are finite for repeated eigenvalues too, but those of the
eigenvectors divide by the gaps ``w[j] - w[i]``: a repeated eigenvalue gives infinities or
NaNs (its eigenvectors are not determined, so no derivative exists).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg

from arignote.graph.basic import Apply
from arignote.tensor.dimshuffle import expand_dims
from arignote.tensor.linalg.common import (
    _LinalgOp,
    apply_core,
    as_lapack,
    at_least,
    check_square_value,
    diag_embed,
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
from arignote.tensor.linalg.decompositions import cholesky
from arignote.tensor.linalg.solves import solve_triangular
from arignote.tensor.math import switch
from arignote.tensor.products import matmul
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["Eigh", "Eigvalsh", "GeneralizedEigvalsh", "eigh", "eigvalsh"]

DRIVERS = ("evr", "evd")


@dataclass(frozen=True)
class Eigh(_LinalgOp):
    """``scipy.linalg.eigh`` of a symmetric matrix: ascending eigenvalues ``w`` and the
    orthonormal eigenvectors ``v`` (columns), ``a @ v == v * w``.  ``driver`` is LAPACK's
    routine (``evr``, SciPy's default; ``evd``, NumPy's and JAX's)."""

    lower: bool = True
    driver: str = "evr"
    gufunc_signature = "(m,m)->(m),(m,m)"

    def __post_init__(self) -> None:
        if self.driver not in DRIVERS:
            raise ValueError(f"Eigh: driver must be one of {list(DRIVERS)}, got {self.driver!r}")

    def make_node(self, a: Any) -> Apply:
        a = numeric_input(a, self, "a", 2)
        n = square_length(a, self, "a")
        return Apply.build(self, [a], [TensorType(linalg_real_output_dtype(a.dtype), (n,)),
                                       TensorType(linalg_output_dtype(a.dtype), (n, n))])

    def perform(self, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        check_square_value(a)
        dtype, real = linalg_output_dtype(a.dtype), linalg_real_output_dtype(a.dtype)
        if a.size == 0:
            return np.empty(0, dtype=real), np.empty((0, 0), dtype=dtype)
        w, v = scipy.linalg.eigh(as_lapack(a, dtype), lower=self.lower, driver=self.driver,
                                 check_finite=False)
        return np.asarray(w, dtype=real), np.asarray(v, dtype=dtype)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        n = input_shapes[0][0]
        return [(n,), (n, n)]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """With ``C = v.T v̄`` and ``F[i, j] = 1 / (w[j] - w[i])`` (0 on the diagonal), the
        cotangent of the symmetric matrix is ``v (diag(w̄) + F * C) v.T``; then onto the
        triangle read."""
        require_real(self, inputs)
        w, v = outputs
        gw, gv = cotangents
        terms = []
        if gw is not None:
            terms.append(diag_embed(gw))
        if gv is not None:
            terms.append(_inverse_gaps(w) * matmul(mT(v), gv))
        middle = terms[0] if len(terms) == 1 else terms[0] + terms[1]
        return [onto_triangle(matmul(matmul(v, middle), mT(v)), self.lower)]


def _inverse_gaps(w: TensorVariable) -> TensorVariable:
    """``F[i, j] = 1 / (w[j] - w[i])`` off the diagonal, 0 on it (no division by zero there)."""
    gaps = expand_dims(w, -2) - expand_dims(w, -1)
    on_diagonal = identity_of(w, dtype="bool")
    # the diagonal's gaps are zeros: divide by 1 there instead, then drop it
    return switch(on_diagonal, 0.0, 1.0 / switch(on_diagonal, 1.0, gaps)).astype(w.dtype)


def eigh(a: Any, b: Any = None, lower: bool = True, UPLO: str | None = None,
         driver: str = "evr") -> list[TensorVariable]:
    """``scipy.linalg.eigh`` of the symmetric ``a``: ``[w, v]``, eigenvalues ascending and
    eigenvectors as columns.  ``UPLO`` (``"L"``/``"U"``, NumPy's spelling) overrides ``lower``.
    The generalized problem (``b``) is not supported yet."""
    if b is not None:
        raise NotImplementedError("eigh: the generalized eigenproblem (b) is not supported yet")
    if UPLO is not None:
        lower = UPLO.upper() == "L"
    a = at_least(a, 2, "eigh", "a")
    return list(apply_core(Eigh(lower=bool(lower), driver=driver), a))


@dataclass(frozen=True)
class Eigvalsh(_LinalgOp):
    """``scipy.linalg.eigvalsh``: the ascending eigenvalues of a symmetric matrix."""

    lower: bool = True
    gufunc_signature = "(m,m)->(m)"

    def make_node(self, a: Any) -> Apply:
        a = numeric_input(a, self, "a", 2)
        n = square_length(a, self, "a")
        return Apply.build(self, [a], [TensorType(linalg_real_output_dtype(a.dtype), (n,))])

    def perform(self, a: np.ndarray) -> np.ndarray:
        check_square_value(a)
        real = linalg_real_output_dtype(a.dtype)
        if a.size == 0:
            return np.empty(0, dtype=real)
        w = scipy.linalg.eigvalsh(as_lapack(a, linalg_output_dtype(a.dtype)), lower=self.lower,
                                  check_finite=False)
        return np.asarray(w, dtype=real)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [(input_shapes[0][0],)]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """``dw[i] = v[:, i].T dA v[:, i]``: the cotangent is ``v diag(w̄) v.T``, onto the triangle."""
        require_real(self, inputs)
        _, v = eigh(inputs[0], lower=self.lower)
        g = matmul(v * expand_dims(cotangents[0], -2), mT(v))
        return [onto_triangle(g, self.lower)]


@dataclass(frozen=True)
class GeneralizedEigvalsh(_LinalgOp):
    """``scipy.linalg.eigvalsh(a, b)``: the ascending ``w`` of ``a v = w b v`` for a symmetric
    ``a`` and a symmetric positive-definite ``b`` (the ``lower`` triangle of each read).  An
    op of its own rather than an input of :class:`Eigvalsh` (PyTensor's form), so that each
    backend's lowering of either has one fixed signature."""

    lower: bool = True
    gufunc_signature = "(m,m),(m,m)->(m)"

    def make_node(self, a: Any, b: Any) -> Apply:
        a = numeric_input(a, self, "a", 2)
        b = numeric_input(b, self, "b", 2)
        n, m = square_length(a, self, "a"), square_length(b, self, "b")
        if n is not None and m is not None and n != m:
            raise ValueError(f"{self}: a and b must have the same size, got {n} and {m}")
        real = linalg_real_output_dtype(a.dtype, b.dtype)
        return Apply.build(self, [a, b], [TensorType(real, (n if n is not None else m,))])

    def perform(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        check_square_value(a, "a")
        check_square_value(b, "b")
        if b.shape != a.shape:
            raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
        real, dtype = linalg_real_output_dtype(a.dtype, b.dtype), linalg_output_dtype(a.dtype, b.dtype)
        if a.size == 0:
            return np.empty(0, dtype=real)
        try:
            w = scipy.linalg.eigvalsh(as_lapack(a, dtype), as_lapack(b, dtype), lower=self.lower,
                                      check_finite=False)
        except np.linalg.LinAlgError:
            # b not positive definite: NaNs, as the solves and Cholesky give (PyTensor's choice)
            return np.full(a.shape[0], np.nan, dtype=real)
        return np.asarray(w, dtype=real)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [(input_shapes[0][0],)]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """``dw[i] = v[:, i].T (dA - w[i] dB) v[:, i]`` with the eigenvectors ``b``-normalized
        (``v.T b v = I``): ``ā = v diag(w̄) v.T`` and ``b̄ = -v diag(w̄ w) v.T``, onto the
        triangles read."""
        require_real(self, inputs)
        g = cotangents[0]
        a, b = inputs
        w, v = _generalized_eigh(a, b, self.lower)
        a_bar = matmul(v * expand_dims(g, -2), mT(v))
        b_bar = -matmul(v * expand_dims(g * w, -2), mT(v))
        return [onto_triangle(a_bar, self.lower), onto_triangle(b_bar, self.lower)]


def _generalized_eigh(a: Any, b: Any, lower: bool) -> list[TensorVariable]:
    """``w, v`` of ``a v = w b v`` with ``v.T b v = I``, from ops with derivatives: with
    ``b = L L.T``, the eigenvectors ``u`` of ``L^-1 a L^-T`` give ``v = L^-T u``."""
    factor = cholesky(symmetric_from(b, lower), lower=True)
    left = solve_triangular(factor, symmetric_from(a, lower), lower=True)        # L^-1 a
    inner = mT(solve_triangular(factor, mT(left), lower=True))                   # L^-1 a L^-T
    w, u = eigh(inner)
    return [w, solve_triangular(mT(factor), u, lower=False)]


def eigvalsh(a: Any, b: Any = None, lower: bool = True) -> TensorVariable:
    """``scipy.linalg.eigvalsh``: the ascending eigenvalues of the symmetric ``a`` (``eigh``'s
    ``w`` without the eigenvectors), or with ``b`` (symmetric positive definite) those of the
    generalized problem ``a v = w b v``; NaNs where ``b`` is not positive definite."""
    a = at_least(a, 2, "eigvalsh", "a")
    if b is None:
        return apply_core(Eigvalsh(lower=bool(lower)), a)
    b = at_least(b, 2, "eigvalsh", "b")
    return apply_core(GeneralizedEigvalsh(lower=bool(lower)), a, b)
