"""Matrix factorisations: Cholesky and LU (``cholesky``, ``lu``, ``lu_factor``,
``pivot_to_permutation``).

Semantics are SciPy's routines as PyTensor wraps them: a routine reads only the triangle it
is told to (``cholesky(x, lower=True)`` reads the lower one, so its derivative with respect
to the other triangle is zero), results are in the LAPACK dtype of the input
(:func:`~arignote.tensor.linalg.common.linalg_output_dtype`), and a matrix that is not
positive definite gives a factor of NaNs unless ``on_error="raise"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import scipy.linalg

from arignote.graph.basic import Apply
from arignote.tensor.alloc import tril, triu, zeros_like
from arignote.tensor.linalg.common import (
    _LinalgOp,
    _SquareMapOp,
    apply_core,
    as_lapack,
    at_least,
    check_square_value,
    diag_embed,
    diag_part,
    identity_of,
    linalg_output_dtype,
    linalg_real_output_dtype,
    mT,
    numeric_input,
    require_real,
    square_length,
    symmetric_from,
    take_rows,
)
from arignote.tensor.linalg.pivots import pivot_to_permutation
from arignote.tensor.linalg.solves import solve_triangular
from arignote.tensor.products import matmul
from arignote.tensor.sort import argsort
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["LU", "Cholesky", "LUFactor", "cholesky", "lu", "lu_factor"]


# --- Cholesky -------------------------------------------------------------------------

@dataclass(frozen=True)
class Cholesky(_SquareMapOp):
    """The Cholesky factor of a symmetric positive-definite matrix: ``L`` with ``L @ L.T == x``
    (``lower``), or ``U`` with ``U.T @ U == x``; only that triangle of ``x`` is read.

    ``on_error="nan"`` gives a matrix of NaNs for a matrix that is not positive definite,
    ``"raise"`` raises ``numpy.linalg.LinAlgError``.
    """

    lower: bool = True
    on_error: str = "nan"

    def __post_init__(self) -> None:
        if self.on_error not in ("raise", "nan"):
            raise ValueError(f"Cholesky: on_error must be 'raise' or 'nan', got {self.on_error!r}")

    def compute(self, x: np.ndarray, dtype: str) -> np.ndarray:
        if x.size == 0:
            return np.empty(x.shape, dtype=dtype)
        try:
            return scipy.linalg.cholesky(x, lower=self.lower, check_finite=False)
        except np.linalg.LinAlgError:
            if self.on_error == "raise":
                raise np.linalg.LinAlgError("Matrix is not positive definite") from None
            return np.full(x.shape, np.nan, dtype=dtype)

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """Murray's rule (arXiv:1602.07527): with ``P = Φ(L.T @ L̄)`` (lower triangle, diagonal
        halved) and ``S = L^-T P L^-1``, the cotangent of the triangle read is ``S + S.T`` on
        it, with the diagonal counted once."""
        require_real(self, inputs)
        factor, g = outputs[0], cotangents[0]
        if not self.lower:  # U = L.T: work with the lower factor
            factor, g = mT(factor), mT(g)
        p = _lower_half_diagonal(matmul(mT(factor), g))
        # S = L^-T P L^-1, as two triangular solves with L.T (upper)
        right = mT(solve_triangular(mT(factor), mT(p), lower=False))
        s = solve_triangular(mT(factor), right, lower=False)
        both = s + mT(s)
        triangle = tril(both) if self.lower else triu(both)
        return [triangle - diag_embed(diag_part(s))]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        """``dL = L Φ(L^-1 dA L^-T)`` with ``dA`` the tangent of the mirrored triangle read."""
        if tangents[0] is None:
            return [None]
        require_real(self, inputs)
        factor = outputs[0] if self.lower else mT(outputs[0])
        da = symmetric_from(tangents[0], self.lower)
        left = solve_triangular(factor, da, lower=True)              # L^-1 dA
        inner = mT(solve_triangular(factor, mT(left), lower=True))   # L^-1 dA L^-T
        dl = matmul(factor, _lower_half_diagonal(inner))
        return [dl if self.lower else mT(dl)]


def _lower_half_diagonal(x: TensorVariable) -> TensorVariable:
    """The lower triangle of ``x`` with its diagonal halved (Φ in the Cholesky rules)."""
    return tril(x) - 0.5 * diag_embed(diag_part(x))


def cholesky(x: Any, lower: bool = True, *, check_finite: bool = True, overwrite_a: bool = False,
             on_error: Literal["raise", "nan"] = "nan") -> TensorVariable:
    """The Cholesky factor of the positive-definite ``x`` (lower unless ``lower=False``; only that
    triangle is read).  ``on_error="nan"`` (the default, PyTensor's) gives NaNs where ``x`` is
    not positive definite, ``"raise"`` raises ``LinAlgError``; ``check_finite`` and
    ``overwrite_a`` are accepted for SciPy's signature and ignored."""
    x = at_least(x, 2, "cholesky", "x")
    return apply_core(Cholesky(lower=bool(lower), on_error=on_error), x)


# --- LU -------------------------------------------------------------------------------

@dataclass(frozen=True)
class LU(_LinalgOp):
    """``scipy.linalg.lu`` of a square matrix: ``(P, L, U)`` with ``x == P @ L @ U``, ``L`` unit
    lower triangular; ``(p, L, U)`` with ``x == L[p] @ U`` when ``p_indices`` (int32 indices);
    ``(P @ L, U)`` when ``permute_l``."""

    permute_l: bool = False
    p_indices: bool = False

    def __post_init__(self) -> None:
        if self.permute_l and self.p_indices:
            raise ValueError("LU: only one of permute_l and p_indices can be True")

    @property
    def gufunc_signature(self) -> str:  # type: ignore[override]
        if self.permute_l:
            return "(m,m)->(m,m),(m,m)"
        return "(m,m)->(m),(m,m),(m,m)" if self.p_indices else "(m,m)->(m,m),(m,m),(m,m)"

    def make_node(self, x: Any) -> Apply:
        x = numeric_input(x, self, "x", 2)
        n = square_length(x, self, "x")
        factor = TensorType(linalg_output_dtype(x.dtype), (n, n))
        if self.permute_l:
            return Apply.build(self, [x], [factor, factor])
        if self.p_indices:
            perm = TensorType("int32", (n,))
        else:
            perm = TensorType(linalg_real_output_dtype(x.dtype), (n, n))
        return Apply.build(self, [x], [perm, factor, factor])

    def perform(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        check_square_value(x)
        dtype = linalg_output_dtype(x.dtype)
        out = scipy.linalg.lu(as_lapack(x, dtype), permute_l=self.permute_l, p_indices=self.p_indices,
                              check_finite=False)
        if self.permute_l:
            return tuple(np.asarray(o, dtype=dtype) for o in out)
        perm, lower, upper = out
        perm_dtype = "int32" if self.p_indices else linalg_real_output_dtype(x.dtype)
        return (np.asarray(perm, dtype=perm_dtype), np.asarray(lower, dtype=dtype),
                np.asarray(upper, dtype=dtype))

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        n = input_shapes[0][0]
        if self.permute_l:
            return [(n, n), (n, n)]
        return [(n,) if self.p_indices else (n, n), (n, n), (n, n)]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """De Hoog, Anderssen and Lukas: for ``B = P.T A = L U``,
        ``B̄ = L^-T (tril(L.T L̄, -1) + triu(Ū U.T)) U^-T``, and ``Ā = P B̄``."""
        require_real(self, inputs)
        (x,) = inputs
        if self.permute_l:
            # P @ L is not triangular: recompute the factors with P apart (P is constant)
            perm, lower, upper = LU(p_indices=True)(x)
            pl_bar, u_bar = cotangents
            # L̄ of L from that of P L: P.T (P L)̄, i.e. the rows of (P L)̄ taken back
            l_bar = None if pl_bar is None else _rows_taken_back(pl_bar, perm)
        else:
            perm, lower, upper = outputs
            _, l_bar, u_bar = cotangents
        b_bar = _lu_factor_cotangent(lower, upper, l_bar, u_bar, x)
        if self.p_indices or self.permute_l:
            return [take_rows(b_bar, perm, 2)]
        return [matmul(perm, b_bar)]


def _rows_taken_back(y: TensorVariable, perm: TensorVariable) -> TensorVariable:
    """``P.T @ y`` for ``P = eye[perm]``: row ``perm[i]`` of the result is row ``i`` of ``y``."""
    return take_rows(y, argsort(perm, axis=-1), 2)


def _lu_factor_cotangent(lower: TensorVariable, upper: TensorVariable, l_bar: Any, u_bar: Any,
                         like: TensorVariable) -> TensorVariable:
    """``B̄`` of ``B = L U`` (``L`` unit lower, ``U`` upper triangular) from ``L̄`` and ``Ū``."""
    terms = []
    if l_bar is not None:
        terms.append(tril(matmul(mT(lower), l_bar), -1))
    if u_bar is not None:
        terms.append(triu(matmul(u_bar, mT(upper))))
    if not terms:
        return zeros_like(like, dtype=lower.dtype)
    middle = terms[0] if len(terms) == 1 else terms[0] + terms[1]
    left = solve_triangular(mT(lower), middle, lower=False, unit_diagonal=True)   # L^-T M
    return mT(solve_triangular(upper, mT(left), lower=False))                      # (L^-T M) U^-T


def lu(a: Any, permute_l: bool = False, check_finite: bool = True, p_indices: bool = False,
       overwrite_a: bool = False) -> list[TensorVariable]:
    """LU factorisation with partial pivoting, as ``scipy.linalg.lu``: ``[P, L, U]``,
    ``[p, L, U]`` (``p_indices``: ``a == L[p] @ U``) or ``[P @ L, U]`` (``permute_l``)."""
    a = at_least(a, 2, "lu", "a")
    return list(apply_core(LU(permute_l=bool(permute_l), p_indices=bool(p_indices)), a))


# --- LU factor (LAPACK's compact form) -------------------------------------------------

@dataclass(frozen=True)
class LUFactor(_LinalgOp):
    """``scipy.linalg.lu_factor``: ``L`` (unit diagonal not stored) and ``U`` in one matrix,
    and LAPACK's int32 pivots (row ``i`` was swapped with row ``piv[i]``)."""

    gufunc_signature = "(m,m)->(m,m),(m)"

    def make_node(self, x: Any) -> Apply:
        x = numeric_input(x, self, "a", 2)
        n = square_length(x, self, "a")
        return Apply.build(self, [x], [TensorType(linalg_output_dtype(x.dtype), (n, n)),
                                       TensorType("int32", (n,))])

    def perform(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        check_square_value(x)
        dtype = linalg_output_dtype(x.dtype)
        if x.size == 0:
            return np.empty(x.shape, dtype=dtype), np.empty(0, dtype="int32")
        # LAPACK's getrf itself, not scipy.linalg.lu_factor: a singular matrix still has its
        # factors (a zero on U's diagonal), which lu_factor returns with a warning and JAX
        # without; so here
        x = as_lapack(x, dtype)
        (getrf,) = scipy.linalg.get_lapack_funcs(("getrf",), (x,))
        factors, pivots, info = getrf(x, overwrite_a=False)
        if info < 0:
            raise ValueError(f"illegal value in argument {-info} of LAPACK's getrf")
        return np.asarray(factors, dtype=dtype), np.asarray(pivots, dtype="int32")

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        n = input_shapes[0][0]
        return [(n, n), (n,)]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """The rule of :class:`LU`, with ``L̄`` and ``Ū`` the two triangles of the cotangent."""
        require_real(self, inputs)
        factors, pivots = outputs
        g = cotangents[0]
        if g is None:
            return [None]
        lower = tril(factors, -1) + identity_of(factors)
        upper = triu(factors)
        b_bar = _lu_factor_cotangent(lower, upper, tril(g, -1), triu(g), inputs[0])
        # a[perm] == L @ U for perm = pivot_to_permutation(piv, inverse=True): Ā is B̄'s rows
        # put back in place
        return [take_rows(b_bar, pivot_to_permutation(pivots, inverse=False), 2)]


def lu_factor(a: Any, *, check_finite: bool = True, overwrite_a: bool = False) -> list[TensorVariable]:
    """``scipy.linalg.lu_factor``: ``[LU, piv]``, for :func:`~arignote.tensor.linalg.lu_solve`."""
    a = at_least(a, 2, "lu_factor", "a")
    return list(apply_core(LUFactor(), a))
