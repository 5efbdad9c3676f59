"""Spectral decompositions of general matrices: ``svd``, and ``eig``/``eigvals`` (NumPy's
semantics; those of symmetric matrices are in :mod:`~arignote.tensor.linalg.eigen`).

``eig`` and ``eigvals`` give complex results and have no derivative (``NotDifferentiable``).

Singular vectors are unique up to sign only (LAPACK's choice, which may differ between
NumPy and JAX): functions of them that a model uses should not depend on the sign.

Derivatives: those of the singular values alone (``compute_uv=False``, or only ``s`` used)
hold for any shape and any ``full_matrices``, and stay finite for repeated singular values.
Those of the singular vectors need ``full_matrices=False`` (or a square matrix), divide by
the gaps ``s[j]**2 - s[i]**2`` and, for a non-square matrix, by the singular values: repeated
or zero singular values give infinities or NaNs (the vectors are not determined there).  The
extra columns of ``full_matrices=True`` for a non-square matrix have no derivative
(``NotDifferentiable`` when the static shape shows it; for a shape known only at run time,
the derivative's products then fail on mismatched shapes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.graph.basic import Apply
from arignote.graph.op import NotDifferentiable
from arignote.tensor.alloc import zeros_like
from arignote.tensor.check_and_raise import CheckAndRaise
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
    require_real,
    square_length,
)
from arignote.tensor.math import eq, minimum, switch
from arignote.tensor.products import matmul
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["SVD", "Eig", "Eigvals", "eig", "eigvals", "svd"]


def _min_dim(rows: Any, cols: Any) -> Any:
    return None if rows is None or cols is None else min(rows, cols)


@dataclass(frozen=True)
class SVD(_LinalgOp):
    """``np.linalg.svd``: ``[U, s, Vh]`` with ``a == U @ diag(s) @ Vh`` (``s`` descending, real),
    or ``[s]`` alone when ``compute_uv`` is False.  ``full_matrices``: ``U`` is ``m x m`` and
    ``Vh`` ``n x n``; else ``m x k`` and ``k x n`` with ``k = min(m, n)``."""

    full_matrices: bool = True
    compute_uv: bool = True

    @property
    def gufunc_signature(self) -> str:  # type: ignore[override]
        if not self.compute_uv:
            return "(m,n)->(k)"
        return "(m,n)->(m,m),(k),(n,n)" if self.full_matrices else "(m,n)->(m,k),(k),(k,n)"

    def make_node(self, a: Any) -> Apply:
        a = numeric_input(a, self, "a", 2)
        rows, cols = a.type.shape
        k = _min_dim(rows, cols)
        s = TensorType(linalg_real_output_dtype(a.dtype), (k,))
        if not self.compute_uv:
            return Apply.build(self, [a], [s])
        dtype = linalg_output_dtype(a.dtype)
        if self.full_matrices:
            u, vh = TensorType(dtype, (rows, rows)), TensorType(dtype, (cols, cols))
        else:
            u, vh = TensorType(dtype, (rows, k)), TensorType(dtype, (k, cols))
        return Apply.build(self, [a], [u, s, vh])

    def perform(self, a: np.ndarray) -> Any:
        dtype, real = linalg_output_dtype(a.dtype), linalg_real_output_dtype(a.dtype)
        a = as_lapack(a, dtype)
        if not self.compute_uv:
            return np.asarray(np.linalg.svd(a, compute_uv=False), dtype=real)
        u, s, vh = np.linalg.svd(a, full_matrices=self.full_matrices)
        return np.asarray(u, dtype=dtype), np.asarray(s, dtype=real), np.asarray(vh, dtype=dtype)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        rows, cols = input_shapes[0]
        k = minimum(rows, cols)
        if not self.compute_uv:
            return [(k,)]
        if self.full_matrices:
            return [(rows, rows), (k,), (cols, cols)]
        return [(rows, k), (k,), (k, cols)]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """Townsend's rule ("Differentiating the singular value decomposition", 2016) for the
        thin SVD: with ``F[i, j] = 1 / (s[j]**2 - s[i]**2)`` (0 on the diagonal),
        ``Ā = U (F∘(UᵀŪ - ŪᵀU) S + diag(s̄) + S F∘(VᵀV̄ - V̄ᵀV)) Vᵀ
        + (I - UUᵀ) Ū S⁻¹ Vᵀ + U S⁻¹ V̄ᵀ (I - VVᵀ)``."""
        require_real(self, inputs)
        (a,) = inputs
        if self.compute_uv:
            gu, gs, gvh = cotangents
        else:
            gu, gs, gvh = None, cotangents[0], None
        if gu is None and gvh is None:
            if gs is None:
                return [zeros_like(a, dtype=outputs[0].dtype)]
            # the singular values alone: Ā = U diag(s̄) Vᵀ with the thin factors
            u, _, vh = svd(a, full_matrices=False)
            return [matmul(u * expand_dims(gs, -2), vh)]
        rows, cols = a.type.shape
        if self.full_matrices and rows is not None and cols is not None and rows != cols:
            raise NotDifferentiable(
                f"{self}: the singular vectors of full_matrices=True have a derivative for "
                "square matrices only; use full_matrices=False")
        u, s, vh = outputs
        if self.full_matrices and (rows is None or cols is None):
            # square or not is known only at run time: check it there, with a clear message
            # (the extra singular vectors of a non-square matrix are not unique)
            u = CheckAndRaise(ValueError, f"{self}: the singular vectors of full_matrices=True have a "
                              "derivative for square matrices only, and this one is not; use "
                              "full_matrices=False")(u, eq(a.shape[-2], a.shape[-1]))
        v = mT(vh)
        f = _inverse_square_gaps(s)
        s_row = expand_dims(s, -2)  # X * s_row == X @ diag(s)
        s_col = expand_dims(s, -1)  # s_col * X == diag(s) @ X
        middle = diag_embed(gs) if gs is not None else zeros_like(s_col * s_row)
        result = None
        if gu is not None:
            ut_gu = matmul(mT(u), gu)
            middle = middle + (f * (ut_gu - mT(ut_gu))) * s_row
            # the part of Ū outside U's column space (zero for a square matrix)
            outside = matmul((gu - matmul(u, ut_gu)) / s_row, vh)
            result = outside
        if gvh is not None:
            gv = mT(gvh)
            vt_gv = matmul(mT(v), gv)
            middle = middle + s_col * (f * (vt_gv - mT(vt_gv)))
            outside = matmul(u / s_row, mT(gv - matmul(v, vt_gv)))
            result = outside if result is None else result + outside
        core = matmul(matmul(u, middle), vh)
        return [core if result is None else core + result]


def _inverse_square_gaps(s: TensorVariable) -> TensorVariable:
    """``F[i, j] = 1 / (s[j]**2 - s[i]**2)`` off the diagonal, 0 on it."""
    sq = s * s
    gaps = expand_dims(sq, -2) - expand_dims(sq, -1)
    on_diagonal = identity_of(s, dtype="bool")
    # the diagonal's gaps are zeros: divide by 1 there instead, then drop it
    return switch(on_diagonal, 0.0, 1.0 / switch(on_diagonal, 1.0, gaps)).astype(s.dtype)


def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True) -> Any:
    """``np.linalg.svd``: ``[U, s, Vh]`` (or ``s`` alone when ``compute_uv`` is False) of the
    matrix ``a`` or of each in a stack.  See the module docstring for the derivatives."""
    a = at_least(a, 2, "svd", "a")
    out = apply_core(SVD(full_matrices=bool(full_matrices), compute_uv=bool(compute_uv)), a)
    return list(out) if compute_uv else out


# --- eigendecomposition of a general matrix -------------------------------------------

def _complex_dtype(dtype: Any) -> str:
    """The complex dtype of the eigenvalues of a matrix of ``dtype`` (NumPy's: complex64 for
    float32, complex128 for float64)."""
    real = np.dtype(linalg_real_output_dtype(dtype))
    return "complex64" if real.itemsize == 4 else "complex128"


@dataclass(frozen=True)
class Eig(_LinalgOp):
    """``np.linalg.eig`` of a general square matrix: complex eigenvalues ``w`` (in LAPACK's
    order) and the unit-norm eigenvectors ``v`` (columns), ``a @ v == v * w``.  No derivative
    (``NotDifferentiable``): use ``eigh`` for symmetric matrices."""

    gufunc_signature = "(m,m)->(m),(m,m)"

    def make_node(self, a: Any) -> Apply:
        a = numeric_input(a, self, "a", 2)
        n = square_length(a, self, "a")
        dtype = _complex_dtype(a.dtype)
        return Apply.build(self, [a], [TensorType(dtype, (n,)), TensorType(dtype, (n, n))])

    def perform(self, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        check_square_value(a)
        dtype = _complex_dtype(a.dtype)
        w, v = np.linalg.eig(as_lapack(a, linalg_output_dtype(a.dtype)))
        return np.asarray(w, dtype=dtype), np.asarray(v, dtype=dtype)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        n = input_shapes[0][0]
        return [(n,), (n, n)]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        raise NotDifferentiable(f"{self}: eig of a general matrix has no derivative here "
                                "(its results are complex); use eigh for symmetric matrices")


def eig(a: Any) -> list[TensorVariable]:
    """``np.linalg.eig``: ``[w, v]``, the complex eigenvalues and eigenvectors of the square
    matrix ``a`` (or of each in a stack).  Not differentiable."""
    return list(apply_core(Eig(), at_least(a, 2, "eig", "a")))


@dataclass(frozen=True)
class Eigvals(_LinalgOp):
    """``np.linalg.eigvals``: the complex eigenvalues of a general square matrix.  No derivative
    (``NotDifferentiable``): use ``eigvalsh`` for symmetric matrices."""

    gufunc_signature = "(m,m)->(m)"

    def make_node(self, a: Any) -> Apply:
        a = numeric_input(a, self, "a", 2)
        n = square_length(a, self, "a")
        return Apply.build(self, [a], [TensorType(_complex_dtype(a.dtype), (n,))])

    def perform(self, a: np.ndarray) -> np.ndarray:
        check_square_value(a)
        w = np.linalg.eigvals(as_lapack(a, linalg_output_dtype(a.dtype)))
        return np.asarray(w, dtype=_complex_dtype(a.dtype))

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [(input_shapes[0][0],)]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        raise NotDifferentiable(f"{self}: eigvals of a general matrix has no derivative here "
                                "(its results are complex); use eigvalsh for symmetric matrices")


def eigvals(a: Any) -> TensorVariable:
    """``np.linalg.eigvals``: the complex eigenvalues of the square matrix ``a`` (or of each in
    a stack).  Not differentiable."""
    return apply_core(Eigvals(), at_least(a, 2, "eigvals", "a"))
