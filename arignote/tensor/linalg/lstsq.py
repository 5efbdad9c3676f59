"""Least squares: ``lstsq`` (``np.linalg.lstsq``'s results, as PyTensor's ``nlinalg.lstsq``).

``lstsq(a, b, rcond)`` gives ``[x, residuals, rank, s]``: the minimum-norm ``x`` minimising
``||b - a @ x||`` column by column, the squared residual norms (an empty vector when ``a``
has fewer rows than columns or is rank deficient, as NumPy gives; one entry for a vector
``b``), the numerical rank (int32, as in PyTensor) and the singular values of ``a``.  Singular
values at most ``rcond`` times the largest count as zero; ``rcond=None`` is NumPy's default
(machine precision times ``max(m, n)``).  Since the length of ``residuals`` depends on the
rank, the matrices of a stack must all be full rank (or all not), or the batch fails with a
ValueError naming the index.  An ``a`` of rank 0 or 1 builds, as PyTensor's ``lstsq`` (which
checks nothing) does, and running it raises NumPy's ``LinAlgError``.

Derivatives (real matrices) hold where ``a`` has full rank (``min(m, n)``), where the rank is
locally constant: those of ``x`` through the derivative of the pseudo-inverse (Golub and
Pereyra), of ``s`` through the SVD, of ``residuals`` where they are returned (``m > n``).
At a rank-deficient ``a`` the result jumps and no derivative exists; the formulas then give
that of the pseudo-inverse on matrices of that rank.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.graph.basic import Apply
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.dimshuffle import expand_dims
from arignote.tensor.linalg.common import (
    _LinalgOp,
    apply_core,
    at_least,
    default_b_ndim,
    linalg_output_dtype,
    linalg_real_output_dtype,
    mT,
    numeric_input,
    outer_rhs,
    require_real,
    times_rhs,
)
from arignote.tensor.linalg.inverses import pinv
from arignote.tensor.linalg.spectral import svd
from arignote.tensor.math import maximum, minimum
from arignote.tensor.products import matmul
from arignote.tensor.shape import shape_i
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["Lstsq", "lstsq"]

#: NumPy computes in double precision whatever the input: its default cutoff uses float64's
#: machine epsilon for every dtype
NUMPY_EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class Lstsq(_LinalgOp):
    """``np.linalg.lstsq(a, b, rcond)`` of an ``m x n`` ``a`` and a right-hand side of rank
    ``b_ndim`` (a vector or ``m x k`` columns): ``(x, residuals, rank, s)``."""

    b_ndim: int = 2

    def __post_init__(self) -> None:
        if self.b_ndim not in (1, 2):
            raise ValueError(f"Lstsq: b_ndim must be 1 or 2, got {self.b_ndim!r}")

    @property
    def gufunc_signature(self) -> str:  # type: ignore[override]
        if self.b_ndim == 1:
            return "(m,n),(m),()->(n),(r),(),(p)"
        return "(m,n),(m,k),()->(n,k),(r),(),(p)"

    def make_node(self, a: Any, b: Any, rcond: Any) -> Apply:
        if as_tensor_variable(a).ndim < 2:
            return self._not_a_matrix(a, b, rcond)
        a = numeric_input(a, self, "a", 2)
        b = numeric_input(b, self, "b", self.b_ndim)
        rcond = as_tensor_variable(rcond)
        if rcond.ndim != 0 or rcond.type.numpy_dtype.kind not in "biuf":
            raise TypeError(f"{self}: rcond must be a real scalar, got {rcond.type}")
        rows, cols = a.type.shape
        if rows is not None and b.type.shape[0] is not None and rows != b.type.shape[0]:
            raise ValueError(f"{self}: a has {rows} rows and b has {b.type.shape[0]}: they must agree "
                             f"(static shapes {a.type.shape} and {b.type.shape})")
        dtype = linalg_output_dtype(a.dtype, b.dtype)
        real = linalg_real_output_dtype(dtype)
        k = None if rows is None or cols is None else min(rows, cols)
        # none when a is wide; else one per column, or none if a is rank deficient (a value)
        residuals = 0 if rows is not None and cols is not None and rows <= cols else None
        return Apply.build(self, [a, b, rcond], [
            TensorType(dtype, (cols,) + b.type.shape[1:]),
            TensorType(real, (residuals,)),
            TensorType("int32", ()),
            TensorType(real, (k,)),
        ])

    def _not_a_matrix(self, a: Any, b: Any, rcond: Any) -> Apply:
        """A node for an ``a`` of rank 0 or 1, which fails when run, with NumPy's
        ``LinAlgError``: PyTensor's ``lstsq`` takes any ranks and lets NumPy reject them, and
        programs written for it (and its tests) build such graphs and catch that error."""
        a, b, rcond = as_tensor_variable(a), as_tensor_variable(b), as_tensor_variable(rcond)
        dtype = linalg_output_dtype(a.dtype, b.dtype)
        real = linalg_real_output_dtype(dtype)
        return Apply.build(self, [a, b, rcond], [
            TensorType(dtype, (None,) * self.b_ndim), TensorType(real, (None,)),
            TensorType("int32", ()), TensorType(real, (None,))])

    def perform(self, a: np.ndarray, b: np.ndarray, rcond: np.ndarray) -> tuple[np.ndarray, ...]:
        if a.ndim != 2:
            raise np.linalg.LinAlgError(f"{a.ndim}-dimensional array given. Array must be two-dimensional")
        if b.ndim != self.b_ndim or b.shape[0] != a.shape[0]:
            raise ValueError(f"a of shape {a.shape} and b of shape {b.shape} do not fit: b must have "
                             f"{a.shape[0]} rows")
        dtype = linalg_output_dtype(a.dtype, b.dtype)
        real = linalg_real_output_dtype(dtype)
        x, residuals, rank, s = np.linalg.lstsq(a.astype(dtype), b.astype(dtype), rcond=float(rcond))
        return (np.asarray(x, dtype=dtype), np.asarray(residuals, dtype=real),
                np.asarray(rank, dtype="int32"), np.asarray(s, dtype=real))

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        if len(input_shapes[0]) != 2:  # a node that fails when run: its outputs' own shapes
            return [tuple(shape_i(o, k) for k in range(o.ndim)) for o in node.outputs]
        (rows, cols), b_shape = input_shapes[0], input_shapes[1]
        return [(cols,) + tuple(b_shape[1:]), (shape_i(node.outputs[1], 0),), (), (minimum(rows, cols),)]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """For ``x = a⁺ b`` (``a⁺`` the pseudo-inverse, ``r = b - a x``, ``P = I - a⁺ a``):
        ``b̄ = a⁺ᵀ x̄`` and ``ā = -b̄ xᵀ + r (a⁺ b̄)ᵀ + (a⁺ᵀ x)(P x̄)ᵀ``; ``s̄`` adds
        ``U diag(s̄) Vᵀ``; the residuals ``‖r_j‖²`` add ``2 r_j res̄_j`` to ``b̄`` and
        ``-2 r_j res̄_j x_jᵀ`` to ``ā``."""
        require_real(self, inputs)
        a, b, _ = inputs
        if a.ndim != 2:
            raise TypeError(f"{self}: no derivative for a non-matrix a ({a.type}): lstsq fails on it")
        x = outputs[0]
        gx, gres, _, gs = cotangents
        a_bar = b_bar = None
        if gx is not None:
            a_pinv = pinv(a)
            b_bar = times_rhs(mT(a_pinv), gx, self.b_ndim)
            resid = b - times_rhs(a, x, self.b_ndim)
            projected = gx - times_rhs(a_pinv, times_rhs(a, gx, self.b_ndim), self.b_ndim)
            a_bar = (-outer_rhs(b_bar, x, self.b_ndim)
                     + outer_rhs(resid, times_rhs(a_pinv, b_bar, self.b_ndim), self.b_ndim)
                     + outer_rhs(times_rhs(mT(a_pinv), x, self.b_ndim), projected, self.b_ndim))
        if gres is not None:
            resid = b - times_rhs(a, x, self.b_ndim)
            # one residual per column (one for a vector b): weigh each column by its cotangent
            weighted = 2 * resid * (gres[0] if self.b_ndim == 1 else expand_dims(gres, 0))
            b_bar = weighted if b_bar is None else b_bar + weighted
            change = -outer_rhs(weighted, x, self.b_ndim)
            a_bar = change if a_bar is None else a_bar + change
        if gs is not None:
            u, _, vh = svd(a, full_matrices=False)
            change = matmul(u * expand_dims(gs, -2), vh)
            a_bar = change if a_bar is None else a_bar + change
        return [a_bar, b_bar, None]


def lstsq(a: Any, b: Any, rcond: Any = None, b_ndim: int | None = None) -> list[TensorVariable]:
    """``np.linalg.lstsq``: ``[x, residuals, rank, s]`` for the matrix ``a`` and the right-hand
    side ``b`` (a vector or a matrix of columns; ``b_ndim`` says which for a stack).  ``rcond``
    (a number or a scalar variable): the relative cutoff of the singular values; None,
    NumPy's default.  See the module docstring for residuals, batches and derivatives.  An
    ``a`` of rank 0 or 1 builds, as in PyTensor, and fails when run with NumPy's LinAlgError."""
    a = as_tensor_variable(a)
    if a.ndim < 2:
        # PyTensor's form: no checks, the error comes from NumPy at run time
        rcond = -1.0 if rcond is None else rcond
        return list(Lstsq(b_ndim=max(1, min(as_tensor_variable(b).ndim, 2)))(a, b, rcond))
    b_ndim = default_b_ndim(b, b_ndim)
    b = at_least(b, b_ndim, "lstsq", "b")
    if rcond is None:
        biggest = maximum(shape_i(a, a.ndim - 2), shape_i(a, a.ndim - 1))
        rcond = NUMPY_EPS * biggest.astype("float64")
    rcond = as_tensor_variable(rcond)
    if rcond.ndim != 0:  # else blockwise would take it for a batch of cutoffs
        raise TypeError(f"lstsq: rcond must be a real scalar, got {rcond.type}")
    return list(apply_core(Lstsq(b_ndim=b_ndim), a, b, rcond))
