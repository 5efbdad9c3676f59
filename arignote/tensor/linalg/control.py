"""Matrix equations of control theory: ``solve_sylvester``, ``solve_continuous_lyapunov``,
``solve_discrete_lyapunov`` and ``solve_discrete_are`` (SciPy's equations and names, as
PyTensor has them).

- Sylvester: ``A X + X B = Q``;
- continuous Lyapunov: ``A X + X A^H = Q``;
- discrete Lyapunov: ``A X A^H - X + Q = 0``;
- discrete algebraic Riccati (DARE):
  ``A^T X A - X - A^T X B (R + B^T X B)^-1 B^T X A + Q = 0``, its stabilizing solution.

Each is a core op on one set of matrices, computed by SciPy, and applied to stacks of them
through ``blockwise``.  As in PyTensor, an equation the routine cannot solve (a singular
Sylvester operator, a DARE without a stabilizing solution) gives NaNs rather than an error.

The three linear equations are differentiable (real matrices): the cotangent solves the
adjoint equation.  The DARE reads ``Q`` and ``R`` through their symmetric (Hermitian) parts
(SciPy would reject others; PyTensor builds its solution from them and symmetrizes it, which
agrees to first order), so its solution is symmetric, and so are ``Q̄`` and ``R̄``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg

from arignote.graph.basic import Apply
from arignote.tensor.linalg.common import (
    _LinalgOp,
    apply_core,
    as_lapack,
    at_least,
    linalg_output_dtype,
    mT,
    numeric_input,
    require_real,
    square_length,
)
from arignote.tensor.linalg.solves import solve
from arignote.tensor.products import matmul
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["SolveContinuousLyapunov", "SolveDiscreteARE", "SolveDiscreteLyapunov", "SolveSylvester",
           "solve_continuous_lyapunov", "solve_discrete_are", "solve_discrete_lyapunov",
           "solve_sylvester"]

#: ``solve_discrete_lyapunov``'s methods ("auto" is SciPy's default: direct for n < 10)
LYAPUNOV_METHODS = ("auto", "direct", "bilinear")


def _agree(op: Any, what: str, n: int | None, m: int | None) -> int | None:
    """One static length from two that must be equal (None: unknown); ValueError otherwise."""
    if n is not None and m is not None and n != m:
        raise ValueError(f"{op}: {what} must agree, got {n} and {m}")
    return n if n is not None else m


def check_equation_shapes(shapes: dict[str, tuple[int, ...]], square: Sequence[str],
                          equal: Sequence[tuple[str, int, str, int]]) -> None:
    """Run-time shape checks: the named inputs square, the listed dims equal."""
    for name in square:
        shape = shapes[name]
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ValueError(f"{name} must be a square matrix, got shape {shape}")
    for left, i, right, j in equal:
        if shapes[left][i] != shapes[right][j]:
            raise ValueError(f"{left} of shape {shapes[left]} and {right} of shape {shapes[right]} "
                             f"do not fit: their dimensions {i} and {j} must agree")


def hermitian_part(x: np.ndarray) -> np.ndarray:
    """``(x + x^H) / 2``: the symmetric (Hermitian) matrix a routine that needs one reads."""
    return (x + np.conj(x).T) * 0.5


def _solved(routine: Any, values: Sequence[np.ndarray], dtype: str, shape: tuple[int, ...]) -> np.ndarray:
    """``routine(*values)`` in ``dtype``; NaNs where it fails or the inputs are not finite (the
    routines would raise on them), as PyTensor's ops give.  SciPy's ValueErrors about the
    inputs (the DARE's ``Q`` or ``R`` not symmetric) pass through."""
    if any(v.size == 0 for v in values):
        return np.empty(shape, dtype=dtype)
    values = [as_lapack(v, dtype) for v in values]
    if not all(np.all(np.isfinite(v)) for v in values):
        return np.full(shape, np.nan, dtype=dtype)
    try:
        with np.errstate(all="ignore"):
            x = routine(*values)
    except np.linalg.LinAlgError:
        return np.full(shape, np.nan, dtype=dtype)
    return np.asarray(x, dtype=dtype)


# --- Sylvester ------------------------------------------------------------------------------

@dataclass(frozen=True)
class SolveSylvester(_LinalgOp):
    """``scipy.linalg.solve_sylvester``: ``X`` with ``A X + X B = Q`` (``A`` is ``m x m``, ``B``
    ``n x n``, ``Q`` and ``X`` ``m x n``), by Bartels–Stewart."""

    gufunc_signature = "(m,m),(n,n),(m,n)->(m,n)"

    def make_node(self, a: Any, b: Any, q: Any) -> Apply:
        a = numeric_input(a, self, "A", 2)
        b = numeric_input(b, self, "B", 2)
        q = numeric_input(q, self, "Q", 2)
        m = _agree(self, "the rows of A and Q", square_length(a, self, "A"), q.type.shape[0])
        n = _agree(self, "the columns of B and Q", square_length(b, self, "B"), q.type.shape[1])
        dtype = linalg_output_dtype(a.dtype, b.dtype, q.dtype)
        return Apply.build(self, [a, b, q], [TensorType(dtype, (m, n))])

    def perform(self, a: np.ndarray, b: np.ndarray, q: np.ndarray) -> np.ndarray:
        check_equation_shapes({"A": a.shape, "B": b.shape, "Q": q.shape}, ["A", "B"],
                      [("A", 0, "Q", 0), ("B", 0, "Q", 1)])
        dtype = linalg_output_dtype(a.dtype, b.dtype, q.dtype)
        return _solved(scipy.linalg.solve_sylvester, [a, b, q], dtype, q.shape)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [tuple(input_shapes[2])]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """``A dX + dX B = dQ - dA X - X dB``: with ``Y`` solving the adjoint equation
        ``A^T Y + Y B^T = X̄``, ``Q̄ = Y``, ``Ā = -Y X^T`` and ``B̄ = -X^T Y``."""
        require_real(self, inputs)
        a, b, _ = inputs
        x, g = outputs[0], cotangents[0]
        y = self(mT(a), mT(b), g)
        return [-matmul(y, mT(x)), -matmul(mT(x), y), y]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        """``dX`` solves ``A dX + dX B = dQ - dA X - X dB``."""
        if all(t is None for t in tangents):
            return [None]
        require_real(self, inputs)
        a, b, _ = inputs
        x = outputs[0]
        da, db, dq = tangents
        terms = [t for t in (dq, None if da is None else -matmul(da, x),
                             None if db is None else -matmul(x, db)) if t is not None]
        rhs = terms[0]
        for t in terms[1:]:
            rhs = rhs + t
        return [self(a, b, rhs)]


def solve_sylvester(A: Any, B: Any, Q: Any) -> TensorVariable:
    """``scipy.linalg.solve_sylvester``: ``X`` with ``A @ X + X @ B == Q`` (each a matrix, or a
    stack of them).  NaNs where the equation is singular (``A`` and ``-B`` share an
    eigenvalue)."""
    A = at_least(A, 2, "solve_sylvester", "A")
    B = at_least(B, 2, "solve_sylvester", "B")
    Q = at_least(Q, 2, "solve_sylvester", "Q")
    return apply_core(SolveSylvester(), A, B, Q)


# --- Lyapunov -------------------------------------------------------------------------------

class _LyapunovBase(_LinalgOp):
    """An equation in ``X`` with one square ``A`` and one square ``Q`` of its size."""

    __slots__ = ()
    gufunc_signature = "(m,m),(m,m)->(m,m)"

    def make_node(self, a: Any, q: Any) -> Apply:
        a = numeric_input(a, self, "A", 2)
        q = numeric_input(q, self, "Q", 2)
        n = _agree(self, "the sizes of A and Q", square_length(a, self, "A"), square_length(q, self, "Q"))
        return Apply.build(self, [a, q], [TensorType(linalg_output_dtype(a.dtype, q.dtype), (n, n))])

    def perform(self, a: np.ndarray, q: np.ndarray) -> np.ndarray:
        check_equation_shapes({"A": a.shape, "Q": q.shape}, ["A", "Q"], [("A", 0, "Q", 0)])
        return _solved(self.routine, [a, q], linalg_output_dtype(a.dtype, q.dtype), q.shape)

    def routine(self, a: np.ndarray, q: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [tuple(input_shapes[1])]


@dataclass(frozen=True)
class SolveContinuousLyapunov(_LyapunovBase):
    """``scipy.linalg.solve_continuous_lyapunov``: ``X`` with ``A X + X A^H = Q``."""

    def routine(self, a: np.ndarray, q: np.ndarray) -> np.ndarray:
        return scipy.linalg.solve_continuous_lyapunov(a, q)

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """``A dX + dX A^T = dQ - dA X - X dA^T``: with ``Y`` solving ``A^T Y + Y A = X̄`` (the
        same equation for ``A^T``), ``Q̄ = Y`` and ``Ā = -(Y X^T + Y^T X)``."""
        require_real(self, inputs)
        a = inputs[0]
        x, g = outputs[0], cotangents[0]
        y = self(mT(a), g)
        return [-(matmul(y, mT(x)) + matmul(mT(y), x)), y]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        da, dq = tangents
        if da is None and dq is None:
            return [None]
        require_real(self, inputs)
        a, x = inputs[0], outputs[0]
        rhs = dq
        if da is not None:
            change = matmul(da, x) + matmul(x, mT(da))
            rhs = -change if rhs is None else rhs - change
        return [self(a, rhs)]


@dataclass(frozen=True)
class SolveDiscreteLyapunov(_LyapunovBase):
    """``scipy.linalg.solve_discrete_lyapunov``: ``X`` with ``A X A^H - X + Q = 0``.
    ``method``: ``"direct"`` (a linear system of size ``n**2``), ``"bilinear"`` (a continuous
    Lyapunov equation by the bilinear transform), ``"auto"`` (SciPy's choice by size)."""

    method: str = "bilinear"

    def __post_init__(self) -> None:
        if self.method not in LYAPUNOV_METHODS:
            raise ValueError(f"solve_discrete_lyapunov: method must be one of {list(LYAPUNOV_METHODS)}, "
                             f"got {self.method!r}")

    def routine(self, a: np.ndarray, q: np.ndarray) -> np.ndarray:
        method = None if self.method == "auto" else self.method
        return scipy.linalg.solve_discrete_lyapunov(a, q, method=method)

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """``dX - A dX A^T = dQ + dA X A^T + A X dA^T``: with ``Y`` solving the adjoint
        ``Y - A^T Y A = X̄`` (the same equation for ``A^T``), ``Q̄ = Y`` and
        ``Ā = Y A X^T + Y^T A X``."""
        require_real(self, inputs)
        a = inputs[0]
        x, g = outputs[0], cotangents[0]
        y = self(mT(a), g)
        return [matmul(matmul(y, a), mT(x)) + matmul(matmul(mT(y), a), x), y]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        da, dq = tangents
        if da is None and dq is None:
            return [None]
        require_real(self, inputs)
        a, x = inputs[0], outputs[0]
        rhs = dq
        if da is not None:
            change = matmul(matmul(da, x), mT(a)) + matmul(matmul(a, x), mT(da))
            rhs = change if rhs is None else rhs + change
        return [self(a, rhs)]


def solve_continuous_lyapunov(A: Any, Q: Any) -> TensorVariable:
    """``scipy.linalg.solve_continuous_lyapunov``: ``X`` with ``A @ X + X @ A^H == Q`` (a
    matrix, or a stack of them).  NaNs where the equation is singular."""
    A = at_least(A, 2, "solve_continuous_lyapunov", "A")
    Q = at_least(Q, 2, "solve_continuous_lyapunov", "Q")
    return apply_core(SolveContinuousLyapunov(), A, Q)


def solve_discrete_lyapunov(A: Any, Q: Any, method: str | None = "bilinear") -> TensorVariable:
    """``scipy.linalg.solve_discrete_lyapunov``: ``X`` with ``A @ X @ A^H - X + Q == 0``.
    ``method``: ``"bilinear"`` (PyTensor's default), ``"direct"``, or ``"auto"``/``None``
    (SciPy's default: direct below size 10).  NaNs where the equation is singular."""
    A = at_least(A, 2, "solve_discrete_lyapunov", "A")
    Q = at_least(Q, 2, "solve_discrete_lyapunov", "Q")
    return apply_core(SolveDiscreteLyapunov(method="auto" if method is None else method), A, Q)


# --- discrete algebraic Riccati equation ------------------------------------------------------

@dataclass(frozen=True)
class SolveDiscreteARE(_LinalgOp):
    """``scipy.linalg.solve_discrete_are(A, B, Q, R)``: the stabilizing ``X`` of
    ``A^T X A - X - A^T X B (R + B^T X B)^-1 B^T X A + Q = 0`` (``A``, ``Q``: ``m x m``;
    ``B``: ``m x n``; ``R``: ``n x n``).  NaNs where SciPy finds no such solution.  ``Q`` and
    ``R`` count by their symmetric (Hermitian) parts: a gradient check's steps, which move one
    entry, leave them non-symmetric."""

    gufunc_signature = "(m,m),(m,n),(m,m),(n,n)->(m,m)"

    def make_node(self, a: Any, b: Any, q: Any, r: Any) -> Apply:
        a = numeric_input(a, self, "A", 2)
        b = numeric_input(b, self, "B", 2)
        q = numeric_input(q, self, "Q", 2)
        r = numeric_input(r, self, "R", 2)
        m = _agree(self, "the sizes of A and Q", square_length(a, self, "A"), square_length(q, self, "Q"))
        m = _agree(self, "the rows of A and B", m, b.type.shape[0])
        _agree(self, "the columns of B and the size of R", b.type.shape[1], square_length(r, self, "R"))
        dtype = linalg_output_dtype(a.dtype, b.dtype, q.dtype, r.dtype)
        return Apply.build(self, [a, b, q, r], [TensorType(dtype, (m, m))])

    def perform(self, a: np.ndarray, b: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
        check_equation_shapes({"A": a.shape, "B": b.shape, "Q": q.shape, "R": r.shape}, ["A", "Q", "R"],
                      [("A", 0, "Q", 0), ("A", 0, "B", 0), ("B", 1, "R", 0)])
        dtype = linalg_output_dtype(a.dtype, b.dtype, q.dtype, r.dtype)
        return _solved(scipy.linalg.solve_discrete_are, [a, b, hermitian_part(q), hermitian_part(r)],
                       dtype, a.shape)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [tuple(input_shapes[0])]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """With the gain ``K = (R + B^T X B)^-1 B^T X A`` and the closed loop ``Ã = A - B K``,
        ``X = Ã^T X Ã + K^T R K + Q`` and ``K`` is optimal (its own variation drops out), so
        ``dX - Ã^T dX Ã = dQ + K^T dR K + Ã^T X (dA - dB K) + (dA - dB K)^T X Ã``.  With ``Y``
        solving the adjoint ``Y - Ã Y Ã^T = X̄`` (a discrete Lyapunov equation):
        ``Q̄ = Y``, ``R̄ = K Y K^T``, ``Ā = X Ã (Y + Y^T)``, ``B̄ = -Ā K^T``
        (Kao and Hennequin, arXiv:2011.11430).  ``X`` is symmetric: only ``X̄``'s symmetric
        part counts, and taking it makes ``Y`` symmetric, as ``Q`` and ``R`` (read through
        their symmetric parts) need their cotangents."""
        require_real(self, inputs)
        a, b, _, r = inputs
        x, g = outputs[0], cotangents[0]
        g = (g + mT(g)) * 0.5
        r = (r + mT(r)) * 0.5
        bt_x = matmul(mT(b), x)
        gain = solve(r + matmul(bt_x, b), matmul(bt_x, a))
        closed = a - matmul(b, gain)
        y = SolveDiscreteLyapunov()(closed, g)
        a_bar = matmul(matmul(x, closed), y + mT(y))
        return [a_bar, -matmul(a_bar, mT(gain)), y, matmul(matmul(gain, y), mT(gain))]


def solve_discrete_are(A: Any, B: Any, Q: Any, R: Any, enforce_Q_symmetric: bool = False) -> TensorVariable:
    """``scipy.linalg.solve_discrete_are``: the stabilizing solution ``X`` of the discrete
    algebraic Riccati equation (module docstring), or NaNs where there is none.  ``Q`` and
    ``R`` are read through their symmetric parts (``enforce_Q_symmetric``, the keyword of
    some PyTensor versions, is therefore always in effect)."""
    A = at_least(A, 2, "solve_discrete_are", "A")
    B = at_least(B, 2, "solve_discrete_are", "B")
    Q = at_least(Q, 2, "solve_discrete_are", "Q")
    R = at_least(R, 2, "solve_discrete_are", "R")
    return apply_core(SolveDiscreteARE(), A, B, Q, R)
