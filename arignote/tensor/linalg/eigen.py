"""Eigendecompositions of symmetric (Hermitian) matrices: ``eigh`` and ``eigvalsh``, also of
the generalized problem ``a v = w b v`` with a positive-definite ``b`` (``eigh(a, b)``,
``eigvalsh(a, b)``).

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
)
from arignote.tensor.math import switch
from arignote.tensor.products import matmul
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["Eigh", "Eigvalsh", "GeneralizedEigh", "GeneralizedEigvalsh", "eigh", "eigvalsh"]

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
        middle = _spectral_middle(w, v, *cotangents)
        return [onto_triangle(matmul(matmul(v, middle), mT(v)), self.lower)]


def _spectral_middle(w: TensorVariable, v: TensorVariable, gw: Any, gv: Any) -> TensorVariable:
    """``diag(w̄) + F * (v.T v̄)``, the eigenbasis form of the cotangent (the terms whose
    cotangent is given; the autodiff asks only when one is)."""
    middle = None if gw is None else diag_embed(gw)
    if gv is not None:
        coupling = _inverse_gaps(w) * matmul(mT(v), gv)
        middle = coupling if middle is None else middle + coupling
    assert middle is not None
    return middle


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
    With ``b`` (symmetric positive definite), the generalized problem ``a v = w b v``, the
    eigenvectors ``b``-orthonormal (``v.T b v = I``); NaNs where ``b`` is not positive
    definite.  ``driver`` chooses the routine of the standard problem only (the generalized
    one runs SciPy's default)."""
    if UPLO is not None:
        lower = UPLO.upper() == "L"
    a = at_least(a, 2, "eigh", "a")
    if b is not None:
        b = at_least(b, 2, "eigh", "b")
        return list(apply_core(GeneralizedEigh(lower=bool(lower)), a, b))
    return list(apply_core(Eigh(lower=bool(lower), driver=driver), a))


@dataclass(frozen=True)
class GeneralizedEigh(_LinalgOp):
    """``scipy.linalg.eigh(a, b)``: the ascending ``w`` and the eigenvectors ``v`` (columns,
    ``v.T b v = I``) of ``a v = w b v`` for a symmetric ``a`` and a symmetric positive-definite
    ``b`` (the ``lower`` triangle of each read)."""

    lower: bool = True
    gufunc_signature = "(m,m),(m,m)->(m),(m,m)"

    def make_node(self, a: Any, b: Any) -> Apply:
        a, b, n = _pair_input(self, a, b)
        dtype = linalg_output_dtype(a.dtype, b.dtype)
        return Apply.build(self, [a, b], [TensorType(linalg_real_output_dtype(a.dtype, b.dtype), (n,)),
                                          TensorType(dtype, (n, n))])

    def perform(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        _check_pair(a, b)
        real, dtype = linalg_real_output_dtype(a.dtype, b.dtype), linalg_output_dtype(a.dtype, b.dtype)
        n = a.shape[0]
        if a.size == 0:
            return np.empty(0, dtype=real), np.empty((0, 0), dtype=dtype)
        try:
            w, v = scipy.linalg.eigh(as_lapack(a, dtype), as_lapack(b, dtype), lower=self.lower,
                                     check_finite=False)
        except np.linalg.LinAlgError:
            # b not positive definite: NaNs, as GeneralizedEigvalsh gives
            return np.full(n, np.nan, dtype=real), np.full((n, n), np.nan, dtype=dtype)
        return np.asarray(w, dtype=real), np.asarray(v, dtype=dtype)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        n = input_shapes[0][0]
        return [(n,), (n, n)]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """Differentiating ``a v = b v diag(w)`` with ``dv = v Ω`` and ``v.T b v = I`` gives,
        with ``P = v.T da v - v.T db v diag(w)``: ``dw = diag(P)``, ``Ω = F * P`` off the
        diagonal (``F`` as in :class:`Eigh`) and ``Ω[i, i] = -(v.T db v)[i, i] / 2`` (the
        normalization).  Transposed, with ``M = diag(w̄) + F * (v.T v̄)``:
        ``ā = v M v.T`` and ``b̄ = -v (M diag(w) + diag(v.T v̄) / 2) v.T``, onto the
        triangles read."""
        require_real(self, inputs)
        w, v = outputs
        gv = cotangents[1]
        middle = _spectral_middle(w, v, *cotangents)
        a_bar = matmul(matmul(v, middle), mT(v))
        # M diag(w): the columns of v M scaled by w
        b_middle = matmul(v, middle) * expand_dims(w, -2)
        b_bar = -matmul(b_middle, mT(v))
        if gv is not None:
            # the normalization's share: diag(v.T v̄) / 2, from the columns' dot products
            half = (v * gv).sum(axis=-2) * 0.5
            b_bar = b_bar - matmul(v * expand_dims(half, -2), mT(v))
        return [onto_triangle(a_bar, self.lower), onto_triangle(b_bar, self.lower)]


def _pair_input(op: Any, a: Any, b: Any) -> tuple[TensorVariable, TensorVariable, int | None]:
    """``a`` and ``b`` as square matrices of the same (static, where known) size ``n``."""
    a = numeric_input(a, op, "a", 2)
    b = numeric_input(b, op, "b", 2)
    n, m = square_length(a, op, "a"), square_length(b, op, "b")
    if n is not None and m is not None and n != m:
        raise ValueError(f"{op}: a and b must have the same size, got {n} and {m}")
    return a, b, n if n is not None else m


def _check_pair(a: np.ndarray, b: np.ndarray) -> None:
    """At run time: ``a`` and ``b`` square and of one shape."""
    check_square_value(a, "a")
    check_square_value(b, "b")
    if b.shape != a.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")


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
        a, b, n = _pair_input(self, a, b)
        return Apply.build(self, [a, b], [TensorType(linalg_real_output_dtype(a.dtype, b.dtype), (n,))])

    def perform(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        _check_pair(a, b)
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
        w, v = apply_core(GeneralizedEigh(lower=self.lower), a, b)
        a_bar = matmul(v * expand_dims(g, -2), mT(v))
        b_bar = -matmul(v * expand_dims(g * w, -2), mT(v))
        return [onto_triangle(a_bar, self.lower), onto_triangle(b_bar, self.lower)]


def eigvalsh(a: Any, b: Any = None, lower: bool = True) -> TensorVariable:
    """``scipy.linalg.eigvalsh``: the ascending eigenvalues of the symmetric ``a`` (``eigh``'s
    ``w`` without the eigenvectors), or with ``b`` (symmetric positive definite) those of the
    generalized problem ``a v = w b v``; NaNs where ``b`` is not positive definite."""
    a = at_least(a, 2, "eigvalsh", "a")
    if b is None:
        return apply_core(Eigvalsh(lower=bool(lower)), a)
    b = at_least(b, 2, "eigvalsh", "b")
    return apply_core(GeneralizedEigvalsh(lower=bool(lower)), a, b)
