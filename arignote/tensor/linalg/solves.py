"""Linear systems: ``solve``, ``solve_triangular``, ``cho_solve`` and ``lu_solve``.

Each core op solves ``A x = b`` for one square ``A`` and a right-hand side ``b`` that is a
vector (``b_ndim=1``) or a matrix of columns (``b_ndim=2``); stacks of either go through
``blockwise``.  As in PyTensor, a system the routine cannot solve (a singular matrix, a
``pos`` matrix that is not positive definite) gives NaNs rather than an error.

A routine that reads one triangle of ``A`` (``assume_a`` ``sym``/``her``/``pos``, a
triangular or Cholesky factor) or three diagonals (``tridiagonal``) depends on those entries
alone, and the derivative rules say so: the cotangent of ``A`` is zero elsewhere, and equal
to what finite differences on an arbitrary (even non-symmetric) ``A`` give.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg

from arignote.graph.basic import Apply
from arignote.tensor.alloc import tril, triu
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.dimshuffle import expand_dims
from arignote.tensor.linalg.common import (
    _LinalgOp,
    apply_core,
    as_lapack,
    at_least,
    band,
    default_b_ndim,
    diag_part,
    identity_of,
    linalg_output_dtype,
    mT,
    numeric_input,
    onto_triangle,
    outer_rhs,
    require_real,
    square_length,
    symmetric_from,
    take_rows,
    times_rhs,
)
from arignote.tensor.linalg.pivots import pivot_to_permutation
from arignote.tensor.products import matmul
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["CholeskySolve", "LUSolve", "Solve", "SolveTriangular", "cho_solve", "lu_solve", "solve",
           "solve_triangular"]

#: the structures ``Solve`` takes, and the names SciPy also accepts for them
ASSUME_A = ("gen", "sym", "her", "pos", "tridiagonal", "banded")
LONG_NAMES = {"general": "gen", "symmetric": "sym", "hermitian": "her", "positive definite": "pos"}


@dataclass(frozen=True)
class _SolveBase(_LinalgOp):
    """``A x = b`` for a square ``A`` and a right-hand side of rank ``b_ndim``."""

    lower: bool = False
    b_ndim: int = 2

    def __post_init__(self) -> None:
        if self.b_ndim not in (1, 2):
            raise ValueError(f"{type(self).__name__}: b_ndim must be 1 or 2, got {self.b_ndim!r}")

    @property
    def gufunc_signature(self) -> str:  # type: ignore[override]
        return "(m,m),(m)->(m)" if self.b_ndim == 1 else "(m,m),(m,n)->(m,n)"

    def make_node(self, a: Any, b: Any) -> Apply:
        a = numeric_input(a, self, "a", 2)
        b = numeric_input(b, self, "b", self.b_ndim)
        n = square_length(a, self, "a")
        rows = b.type.shape[0]
        if n is not None and rows is not None and n != rows:
            raise ValueError(f"{self}: a has {n} rows and b has {rows}: they must agree "
                             f"(static shapes {a.type.shape} and {b.type.shape})")
        shape = (n if rows is None else rows,) + b.type.shape[1:]
        return Apply.build(self, [a, b], [TensorType(linalg_output_dtype(a.dtype, b.dtype), shape)])

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [tuple(input_shapes[1])]

    def perform(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if a.ndim != 2 or a.shape[0] != a.shape[1]:
            raise ValueError(f"a must be a square matrix, got shape {a.shape}")
        if b.shape[0] != a.shape[0]:
            raise ValueError(f"a of shape {a.shape} and b of shape {b.shape} do not fit: "
                             f"b must have {a.shape[0]} rows")
        dtype = linalg_output_dtype(a.dtype, b.dtype)
        if b.size == 0 or a.size == 0:
            return np.empty(b.shape, dtype=dtype)
        try:
            x = self.solve_values(as_lapack(a, dtype), as_lapack(b, dtype))
        except np.linalg.LinAlgError:
            return np.full(b.shape, np.nan, dtype=dtype)
        return np.asarray(x, dtype=dtype)

    def solve_values(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def a_read(self, a: Any) -> TensorVariable:
        """The matrix the routine sees in ``a`` (its structure applied)."""
        return a

    def a_cotangent(self, g: TensorVariable, a: TensorVariable) -> TensorVariable:
        """The cotangent of ``a`` from ``g``, that of the matrix the routine sees."""
        return g

    def transposed_system(self, a: TensorVariable, g: TensorVariable) -> TensorVariable:
        """``A^-T g`` for the matrix ``A`` the routine sees in ``a``."""
        raise NotImplementedError

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """Giles: for ``x = A^-1 b``, ``b̄ = A^-T x̄`` and ``Ā = -b̄ x.T``, then onto the entries
        the routine reads."""
        require_real(self, inputs)
        a = inputs[0]
        x, g = outputs[0], cotangents[0]
        b_bar = self.transposed_system(a, g)
        a_bar = -outer_rhs(b_bar, x, self.b_ndim)
        return [self.a_cotangent(a_bar, a), b_bar]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        """``dx = A^-1 (db - dA x)`` with ``dA`` the tangent of the matrix the routine sees."""
        da, db = tangents
        if da is None and db is None:
            return [None]
        require_real(self, inputs)
        a, x = inputs[0], outputs[0]
        rhs = db
        if da is not None:
            change = times_rhs(self.a_read(da), x, self.b_ndim)
            rhs = -change if rhs is None else rhs - change
        return [self(a, rhs)]


# --- general and structured matrices ---------------------------------------------------

@dataclass(frozen=True)
class Solve(_SolveBase):
    """``scipy.linalg.solve(a, b, assume_a=..., lower=...)``: ``gen`` (LU), ``sym``/``her``
    (one triangle read, ``lower`` says which), ``pos`` (Cholesky, one triangle),
    ``tridiagonal`` (the three diagonals read), ``banded`` (the band found in ``a``)."""

    assume_a: str = "gen"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.assume_a not in ASSUME_A:
            raise ValueError(f"Invalid assume_a: {self.assume_a}. It must be one of {list(ASSUME_A)} "
                             f"or {list(LONG_NAMES)}")

    def solve_values(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return scipy.linalg.solve(a, b, lower=self.lower, assume_a=self.assume_a, check_finite=False)

    @property
    def _reads_triangle(self) -> bool:
        return self.assume_a in ("sym", "her", "pos")

    def a_read(self, a: Any) -> TensorVariable:
        if self._reads_triangle:
            return symmetric_from(a, self.lower)
        if self.assume_a == "tridiagonal":
            return band(a, 1, 1)
        return a

    def a_cotangent(self, g: TensorVariable, a: TensorVariable) -> TensorVariable:
        if self._reads_triangle:
            return onto_triangle(g, self.lower)
        if self.assume_a == "tridiagonal":
            return band(g, 1, 1)
        return g  # gen; banded: entries outside the band are zeros of the general matrix

    def transposed_system(self, a: TensorVariable, g: TensorVariable) -> TensorVariable:
        if self._reads_triangle:  # the matrix seen is symmetric: its own transpose
            return self(a, g)
        return self(mT(a), g)


def _assume_a_name(assume_a: str) -> str:
    name = assume_a.lower()
    return LONG_NAMES.get(name, name)


def solve(a: Any, b: Any, *, lower: bool = False, overwrite_a: bool = False, overwrite_b: bool = False,
          check_finite: bool = True, assume_a: str = "gen", transposed: bool = False,
          b_ndim: int | None = None) -> TensorVariable:
    """``scipy.linalg.solve``: ``x`` with ``a @ x == b`` (``a.T @ x == b`` if ``transposed``).

    ``assume_a`` picks the routine: ``gen``, ``sym``, ``her``, ``pos``, ``tridiagonal``,
    ``banded`` (or SciPy's long names), and ``diagonal``, ``lower triangular``,
    ``upper triangular``.  ``b_ndim`` says whether ``b``'s core is a vector (1) or a matrix (2;
    the default for ``b`` of 2 or more dimensions).  A singular system gives NaNs.
    ``overwrite_*`` and ``check_finite`` are accepted and ignored."""
    a = at_least(a, 2, "solve", "a")
    b_ndim = default_b_ndim(b, b_ndim)
    b = at_least(b, b_ndim, "solve", "b")
    name = assume_a.lower()
    if name in ("lower triangular", "upper triangular"):
        return solve_triangular(a, b, lower=name.startswith("lower"), trans=int(bool(transposed)),
                                b_ndim=b_ndim)
    if name == "diagonal":
        d = diag_part(a)
        return b / (d if b_ndim == 1 else expand_dims(d, -1))
    name = _assume_a_name(name)
    if transposed:
        a, lower = mT(a), not lower
    return apply_core(Solve(lower=bool(lower), b_ndim=b_ndim, assume_a=name), a, b)


# --- triangular matrices -------------------------------------------------------------

@dataclass(frozen=True)
class SolveTriangular(_SolveBase):
    """``scipy.linalg.solve_triangular``: only the ``lower`` (or upper) triangle of ``a`` is
    read, and with ``unit_diagonal`` its diagonal is taken to be ones."""

    unit_diagonal: bool = False

    def solve_values(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return scipy.linalg.solve_triangular(a, b, lower=self.lower, unit_diagonal=self.unit_diagonal,
                                             check_finite=False)

    def _triangle(self, x: Any) -> TensorVariable:
        k = -1 if self.unit_diagonal else 0
        return tril(x, k) if self.lower else triu(x, -k)

    def a_read(self, a: Any) -> TensorVariable:
        return self._triangle(a)

    def a_cotangent(self, g: TensorVariable, a: TensorVariable) -> TensorVariable:
        return self._triangle(g)

    def transposed_system(self, a: TensorVariable, g: TensorVariable) -> TensorVariable:
        flipped = SolveTriangular(lower=not self.lower, b_ndim=self.b_ndim, unit_diagonal=self.unit_diagonal)
        return flipped(mT(a), g)


def solve_triangular(a: Any, b: Any, *, trans: int | str = 0, lower: bool = False,
                     unit_diagonal: bool = False, check_finite: bool = True,
                     b_ndim: int | None = None) -> TensorVariable:
    """``scipy.linalg.solve_triangular``: ``x`` with ``a @ x == b`` for a triangular ``a`` (its
    ``lower`` or upper triangle is read).  ``trans``: 0/``"N"`` solves ``a x = b``, 1/``"T"``
    ``a.T x = b``, 2/``"C"`` ``a.conj().T x = b``.  A zero on the diagonal gives NaNs."""
    a = at_least(a, 2, "solve_triangular", "a")
    b_ndim = default_b_ndim(b, b_ndim)
    b = at_least(b, b_ndim, "solve_triangular", "b")
    if trans in (1, "T", True):
        a, lower = mT(a), not lower
    elif trans in (2, "C"):
        a, lower = mT(a.conj()) if a.type.numpy_dtype.kind == "c" else mT(a), not lower
    elif trans not in (0, "N", False):
        raise ValueError(f"solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C', got {trans!r}")
    op = SolveTriangular(lower=bool(lower), b_ndim=b_ndim, unit_diagonal=bool(unit_diagonal))
    return apply_core(op, a, b)


# --- with a Cholesky factor ------------------------------------------------------------

@dataclass(frozen=True)
class CholeskySolve(_SolveBase):
    """``scipy.linalg.cho_solve((c, lower), b)``: ``A x = b`` for ``A = c @ c.T`` (``lower``) or
    ``c.T @ c``; only that triangle of ``c`` is read."""

    def solve_values(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return scipy.linalg.cho_solve((a, self.lower), b, check_finite=False)

    def transposed_system(self, a: TensorVariable, g: TensorVariable) -> TensorVariable:
        return self(a, g)  # A is symmetric

    def _factor(self, c: Any) -> TensorVariable:
        return tril(c) if self.lower else triu(c)

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """The rule of ``solve`` gives ``Ā``; through ``A = C C.T``, ``C̄ = (Ā + Ā.T) C`` on the
        triangle read (``C (Ā + Ā.T)`` for ``A = C.T C``)."""
        a_bar, b_bar = super().pullback(inputs, outputs, cotangents)
        c = self._factor(inputs[0])
        both = a_bar + mT(a_bar)
        return [tril(matmul(both, c)) if self.lower else triu(matmul(c, both)), b_bar]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        dc, db = tangents
        if dc is None and db is None:
            return [None]
        require_real(self, inputs)
        c, x = self._factor(inputs[0]), outputs[0]
        rhs = db
        if dc is not None:
            dc = self._factor(dc)
            # dA = dC C.T + C dC.T (lower), dC.T C + C.T dC (upper)
            da = matmul(dc, mT(c)) if self.lower else matmul(mT(dc), c)
            da = da + mT(da)
            change = times_rhs(da, x, self.b_ndim)
            rhs = -change if rhs is None else rhs - change
        return [self(inputs[0], rhs)]


def cho_solve(c_and_lower: tuple[Any, bool], b: Any, *, check_finite: bool = True,
              b_ndim: int | None = None) -> TensorVariable:
    """``scipy.linalg.cho_solve``: ``x`` with ``A @ x == b`` given ``(c, lower)``, the Cholesky
    factor of ``A`` as :func:`cholesky` returns it."""
    c, lower = c_and_lower
    c = at_least(c, 2, "cho_solve", "c")
    b_ndim = default_b_ndim(b, b_ndim)
    b = at_least(b, b_ndim, "cho_solve", "b")
    return apply_core(CholeskySolve(lower=bool(lower), b_ndim=b_ndim), c, b)


# --- with an LU factorisation ----------------------------------------------------------

def _lu_triangles(factors: Any) -> tuple[TensorVariable, TensorVariable]:
    """``L`` (unit diagonal) and ``U`` of LAPACK's compact LU form."""
    return tril(factors, -1) + identity_of(factors), triu(factors)


@dataclass(frozen=True)
class LUSolve(_LinalgOp):
    """``scipy.linalg.lu_solve((lu, piv), b, trans=...)`` (LAPACK's getrs): ``A x = b`` for
    ``A`` given as ``lu_factor(A)``; ``trans`` 1 solves ``A.T x = b``, 2 ``A.conj().T x = b``.
    Only the strict lower triangle (``L``, unit diagonal) and the upper triangle (``U``) of
    ``lu`` are read.  A zero on ``U``'s diagonal (a singular ``A``) gives NaNs, as ``solve``."""

    trans: int = 0
    b_ndim: int = 2

    def __post_init__(self) -> None:
        if self.trans not in (0, 1, 2):
            raise ValueError(f"LUSolve: trans must be 0, 1 or 2, got {self.trans!r}")
        if self.b_ndim not in (1, 2):
            raise ValueError(f"LUSolve: b_ndim must be 1 or 2, got {self.b_ndim!r}")

    @property
    def gufunc_signature(self) -> str:  # type: ignore[override]
        return "(m,m),(m),(m)->(m)" if self.b_ndim == 1 else "(m,m),(m),(m,n)->(m,n)"

    def make_node(self, factors: Any, pivots: Any, b: Any) -> Apply:
        factors = numeric_input(factors, self, "lu", 2)
        pivots = numeric_input(pivots, self, "piv", 1)
        if pivots.type.numpy_dtype.kind not in "iu":
            raise TypeError(f"{self}: piv must be integers, got {pivots.type}")
        b = numeric_input(b, self, "b", self.b_ndim)
        n = square_length(factors, self, "lu")
        lengths = {d for d in (n, pivots.type.shape[0], b.type.shape[0]) if d is not None}
        if len(lengths) > 1:
            raise ValueError(f"{self}: lu, piv and b must have as many rows, got static shapes "
                             f"{factors.type.shape}, {pivots.type.shape} and {b.type.shape}")
        rows = next(iter(lengths)) if lengths else None
        shape = (rows,) + b.type.shape[1:]
        dtype = linalg_output_dtype(factors.dtype, b.dtype)
        return Apply.build(self, [factors, pivots, b], [TensorType(dtype, shape)])

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [tuple(input_shapes[2])]

    def perform(self, factors: np.ndarray, pivots: np.ndarray, b: np.ndarray) -> np.ndarray:
        if factors.ndim != 2 or factors.shape[0] != factors.shape[1]:
            raise ValueError(f"lu must be a square matrix, got shape {factors.shape}")
        if pivots.shape != factors.shape[:1] or b.shape[0] != factors.shape[0]:
            raise ValueError(f"lu of shape {factors.shape}, piv of shape {pivots.shape} and b of "
                             f"shape {b.shape} do not fit: piv and b must have {factors.shape[0]} rows")
        dtype = linalg_output_dtype(factors.dtype, b.dtype)
        if b.size == 0 or factors.size == 0:
            return np.empty(b.shape, dtype=dtype)
        if not np.all(np.diagonal(factors)):  # singular: NaNs, as Solve gives (getrs would divide by 0)
            return np.full(b.shape, np.nan, dtype=dtype)
        x = scipy.linalg.lu_solve((as_lapack(factors, dtype), np.asarray(pivots, dtype="int32")),
                                  as_lapack(b, dtype), trans=self.trans, check_finite=False)
        return np.asarray(x, dtype=dtype)

    def _matrix_change(self, factors: Any, pivots: Any, d_factors: Any) -> TensorVariable:
        """``dA`` for a change ``d_factors`` of ``lu``: ``A = P L U``, so ``dA = P (dL U + L dU)``."""
        lower, upper = _lu_triangles(factors)
        d_b = matmul(tril(d_factors, -1), upper) + matmul(lower, triu(d_factors))
        # a[perm] == L @ U for perm = pivot_to_permutation(piv, inverse=True): rows put back
        return take_rows(d_b, pivot_to_permutation(pivots, inverse=False), 2)

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """``b̄ = A^-T x̄`` (getrs with the other ``trans``) and ``Ā = -b̄ x.T`` (transposed for
        ``trans``), then through ``A[perm] = L U``: ``L̄ = B̄ U.T`` (strict lower triangle) and
        ``Ū = L.T B̄`` (upper), with ``B̄ = Ā[perm]``."""
        require_real(self, inputs)
        factors, pivots, _ = inputs
        x, g = outputs[0], cotangents[0]
        b_bar = LUSolve(trans=0 if self.trans else 1, b_ndim=self.b_ndim)(factors, pivots, g)
        a_bar = -outer_rhs(b_bar, x, self.b_ndim)
        if self.trans:
            a_bar = mT(a_bar)
        lower, upper = _lu_triangles(factors)
        rows = take_rows(a_bar, pivot_to_permutation(pivots, inverse=True), 2)
        factors_bar = tril(matmul(rows, mT(upper)), -1) + triu(matmul(mT(lower), rows))
        return [factors_bar, None, b_bar]

    def pushforward(self, inputs: Sequence[Any], outputs: Sequence[Any],
                    tangents: Sequence[Any]) -> list[Any]:
        """``dx = A^-1 (db - dA x)`` (``A.T`` and ``dA.T`` for ``trans``)."""
        d_factors, _, db = tangents
        if d_factors is None and db is None:
            return [None]
        require_real(self, inputs)
        factors, pivots, _ = inputs
        rhs = db
        if d_factors is not None:
            da = self._matrix_change(factors, pivots, d_factors)
            change = times_rhs(mT(da) if self.trans else da, outputs[0], self.b_ndim)
            rhs = -change if rhs is None else rhs - change
        return [self(factors, pivots, rhs)]


def lu_solve(LU_and_pivots: tuple[Any, Any], b: Any, trans: bool | int = False, b_ndim: int | None = None,
             check_finite: bool = True, overwrite_b: bool = False) -> TensorVariable:
    """``scipy.linalg.lu_solve``: ``x`` with ``a @ x == b`` given ``lu_factor(a)`` (``trans`` 1:
    ``a.T @ x == b``, 2: ``a.conj().T @ x == b``), one :class:`LUSolve` (getrs) node;
    differentiable with respect to the factors and ``b``."""
    factors, pivots = LU_and_pivots
    factors = at_least(factors, 2, "lu_solve", "LU")
    pivots = at_least(pivots, 1, "lu_solve", "pivots")
    b_ndim = default_b_ndim(b, b_ndim)
    b = at_least(as_tensor_variable(b), b_ndim, "lu_solve", "b")
    if trans not in (0, 1, 2, True, False):
        raise ValueError(f"lu_solve: trans must be 0, 1 or 2, got {trans!r}")
    code = int(trans)
    if code == 2 and factors.type.numpy_dtype.kind != "c" and b.type.numpy_dtype.kind != "c":
        code = 1  # the conjugate transpose of a real matrix is its transpose: one op for both
    return apply_core(LUSolve(trans=code, b_ndim=b_ndim), factors, pivots, b)
