"""Tridiagonal LU: ``tridiagonal_lu_factor`` and ``tridiagonal_lu_solve`` (PyTensor's
``pytensor.tensor.linalg.solvers.tridiagonal``; LAPACK's gttrf and gttrs through SciPy).

``tridiagonal_lu_factor(a)`` reads the three diagonals of the square matrix ``a`` and returns
LAPACK's factors ``(dl, d, du, du2, ipiv)`` (``ipiv`` LAPACK's 1-based int32 row
interchanges, as SciPy gives them); ``tridiagonal_lu_solve(factors, b, b_ndim=...)`` solves
``a @ x == b`` (``a.T`` with ``transposed=True``) with them.  Stacks of matrices are mapped
by ``Blockwise``, as the other linear-algebra ops.

Derivatives: the solve's with respect to ``b`` (a solve of the transposed system with the
same factors, in both modes).  The factors themselves have none (nor in PyTensor): a
derivative needed through them raises, naming the op; differentiate ``solve(a, b,
assume_a="tridiagonal")`` for the derivative with respect to the matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import NotDifferentiable
from arignote.graph.type import undefined_gradient
from arignote.tensor.basic import as_tensor_variable
from arignote.tensor.linalg.common import (
    _LinalgOp,
    apply_core,
    at_least,
    linalg_output_dtype,
    numeric_input,
    require_real,
)
from arignote.tensor.products import diagonal
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["LUFactorTridiagonal", "SolveLUFactorTridiagonal", "tridiagonal_lu_factor",
           "tridiagonal_lu_solve"]


def _length(candidates: Sequence[int | None]) -> int | None:
    """The matrix order from the static lengths of inputs (each ``n`` minus its offset),
    ValueError when they disagree."""
    known = {c for c in candidates if c is not None}
    if len(known) > 1:
        raise ValueError(f"the diagonals' static lengths do not fit one matrix (orders {sorted(known)})")
    return next(iter(known), None)


def _minus(n: int | None, k: int) -> int | None:
    return None if n is None else max(n - k, 0)


def _order(values: Sequence[np.ndarray], offsets: Sequence[int], names: Sequence[str]) -> int:
    n = len(values[1])
    for v, k, name in zip(values, offsets, names):
        if v.ndim != 1 or len(v) != max(n - k, 0):
            raise ValueError(f"{name} must be a vector of length {max(n - k, 0)} for a matrix of "
                             f"order {n} (len(d)), got shape {v.shape}")
    return n


@dataclass(frozen=True)
class LUFactorTridiagonal(_LinalgOp):
    """LAPACK's gttrf: the LU factors ``(dl, d, du, du2, ipiv)`` of the tridiagonal matrix with
    sub-, main and super-diagonals ``dl``, ``d``, ``du``.  The ``overwrite_*`` flags are
    PyTensor's and change nothing (arignote never writes into inputs)."""

    overwrite_dl: bool = False
    overwrite_d: bool = False
    overwrite_du: bool = False

    gufunc_signature = "(dl),(d),(dl)->(dl),(d),(dl),(du2),(d)"

    def make_node(self, dl: Any, d: Any, du: Any) -> Apply:
        dl, d, du = (numeric_input(v, self, name, 1) for v, name in ((dl, "dl"), (d, "d"), (du, "du")))
        n = _length([_plus(dl.type.shape[0]), d.type.shape[0], _plus(du.type.shape[0])])
        dtype = linalg_output_dtype(dl.dtype, d.dtype, du.dtype)
        lengths = (_minus(n, 1), n, _minus(n, 1), _minus(n, 2))
        types = [*(TensorType(dtype, (k,)) for k in lengths), TensorType("int32", (n,))]
        return Apply.build(self, [dl, d, du], types)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        from arignote.tensor.math import maximum

        n = input_shapes[1][0]
        return [tuple(input_shapes[0]), (n,), tuple(input_shapes[2]), (maximum(n - 2, 0),), (n,)]

    def perform(self, dl: np.ndarray, d: np.ndarray, du: np.ndarray) -> tuple[np.ndarray, ...]:
        n = _order((dl, d, du), (1, 0, 1), ("dl", "d", "du"))
        dtype = linalg_output_dtype(dl.dtype, d.dtype, du.dtype)
        if n == 0:
            empty = np.empty(0, dtype=dtype)
            return empty, empty.copy(), empty.copy(), empty.copy(), np.empty(0, dtype="int32")
        if n < 3:  # SciPy's gttrf wrapper rejects orders 1 and 2 (its du2 cannot be empty)
            return _small_gttrf(np.array(dl, dtype), np.array(d, dtype), np.array(du, dtype))
        gttrf = scipy.linalg.get_lapack_funcs("gttrf", dtype=np.dtype(dtype))
        # LAPACK writes into copies (overwrite_* False): the inputs stay as they are
        out_dl, out_d, out_du, du2, ipiv, _ = gttrf(np.asarray(dl, dtype), np.asarray(d, dtype),
                                                    np.asarray(du, dtype))
        return (np.asarray(out_dl, dtype), np.asarray(out_d, dtype), np.asarray(out_du, dtype),
                np.asarray(du2, dtype)[:max(n - 2, 0)], np.asarray(ipiv, "int32"))

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        why = (f"{self}: the tridiagonal LU factors have no derivative; differentiate "
               "solve(a, b, assume_a='tridiagonal') instead")
        return [undefined_gradient(why) for _ in inputs]

    def pushforward(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                    tangents: Sequence[Variable | None]) -> list[Variable | None]:
        if any(t is not None for t in tangents):
            raise NotDifferentiable(f"{self}: the tridiagonal LU factors have no derivative; "
                                    "differentiate solve(a, b, assume_a='tridiagonal') instead")
        return [None] * len(outputs)


def _magnitude(z: Any) -> Any:
    return abs(z.real) + abs(z.imag)  # LAPACK's CABS1 (plain abs for real numbers)


def _small_gttrf(dl: np.ndarray, d: np.ndarray, du: np.ndarray) -> tuple[np.ndarray, ...]:
    """gttrf for orders 1 and 2 (partial pivoting: rows swapped where the sub-diagonal entry is
    larger), LAPACK's results: 1-based pivots, du2 empty."""
    n = len(d)
    ipiv = np.arange(1, n + 1, dtype="int32")
    if n == 2 and _magnitude(d[0]) < _magnitude(dl[0]):
        fact = d[0] / dl[0]
        d[0], dl[0] = dl[0], fact
        du[0], d[1] = d[1], du[0] - fact * d[1]
        ipiv[0] = 2
    elif n == 2 and d[0] != 0:
        dl[0] = dl[0] / d[0]
        d[1] = d[1] - dl[0] * du[0]
    return dl, d, du, np.empty(0, dtype=d.dtype), ipiv


def _small_gttrs(dl: np.ndarray, d: np.ndarray, du: np.ndarray, ipiv: np.ndarray, b: np.ndarray,
                 transposed: bool) -> np.ndarray:
    """gttrs for orders 1 and 2 (LAPACK's gtts2 steps: L then U, or U.T then L.T)."""
    n = len(d)
    with np.errstate(divide="ignore", invalid="ignore"):  # a singular matrix: inf/NaN, as LAPACK
        if not transposed:
            if n == 2:
                swap = ipiv[0] == 2
                first, second = (b[1].copy(), b[0].copy()) if swap else (b[0].copy(), b[1].copy())
                b[0], b[1] = first, second - dl[0] * first
                b[1] = b[1] / d[1]
                b[0] = (b[0] - du[0] * b[1]) / d[0]
            else:
                b[0] = b[0] / d[0]
            return b
        b[0] = b[0] / d[0]
        if n == 2:
            b[1] = (b[1] - du[0] * b[0]) / d[1]
            temp = b[0] - dl[0] * b[1]
            if ipiv[0] == 2:
                b[0], b[1] = b[1].copy(), temp
            else:
                b[0] = temp
    return b


def _plus(n: int | None) -> int | None:
    return None if n is None else n + 1


@dataclass(frozen=True)
class SolveLUFactorTridiagonal(_LinalgOp):
    """LAPACK's gttrs: ``x`` with ``a @ x == b`` (``a.T @ x == b`` when ``transposed``) for
    ``a`` given as :class:`LUFactorTridiagonal`'s factors; ``b`` a vector (``b_ndim`` 1) or a
    matrix of columns (2).  ``overwrite_b`` is PyTensor's and changes nothing."""

    b_ndim: int
    transposed: bool = False
    overwrite_b: bool = False

    def __post_init__(self) -> None:
        if self.b_ndim not in (1, 2):
            raise ValueError(f"SolveLUFactorTridiagonal: b_ndim must be 1 or 2, got {self.b_ndim!r}")

    @property
    def gufunc_signature(self) -> str:  # type: ignore[override]
        core = "(dl),(d),(dl),(du2),(d)"
        return f"{core},(d)->(d)" if self.b_ndim == 1 else f"{core},(d,rhs)->(d,rhs)"

    def make_node(self, dl: Any, d: Any, du: Any, du2: Any, ipiv: Any, b: Any) -> Apply:
        names = ("dl", "d", "du", "du2", "ipiv")
        factors = [numeric_input(v, self, name, 1) for v, name in zip((dl, d, du, du2, ipiv), names)]
        if factors[4].type.numpy_dtype.kind not in "iu":
            raise TypeError(f"{self}: ipiv must be integers, got {factors[4].type}")
        b = numeric_input(b, self, "b", self.b_ndim)
        static = [f.type.shape[0] for f in factors]
        n = _length([_plus(static[0]), static[1], _plus(static[2]), static[4], b.type.shape[0],
                     None if static[3] is None or static[3] == 0 else static[3] + 2])
        dtype = linalg_output_dtype(*(f.dtype for f in factors[:4]), b.dtype)
        return Apply.build(self, [*factors, b], [TensorType(dtype, (n,) + b.type.shape[1:])])

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [tuple(input_shapes[5])]

    def perform(self, dl: np.ndarray, d: np.ndarray, du: np.ndarray, du2: np.ndarray,
                ipiv: np.ndarray, b: np.ndarray) -> np.ndarray:
        n = _order((dl, d, du, du2, ipiv), (1, 0, 1, 2, 0), ("dl", "d", "du", "du2", "ipiv"))
        if b.ndim != self.b_ndim or b.shape[0] != n:
            raise ValueError(f"b must have {n} rows and {self.b_ndim} dimension(s), got shape {b.shape}")
        dtype = linalg_output_dtype(dl.dtype, d.dtype, du.dtype, du2.dtype, b.dtype)
        if n == 0 or b.size == 0:
            return np.empty(b.shape, dtype=dtype)
        if n < 3:  # as in gttrf, SciPy's wrapper rejects orders 1 and 2
            return _small_gttrs(dl.astype(dtype), d.astype(dtype), du.astype(dtype), ipiv,
                                np.array(b, dtype), self.transposed)
        gttrs = scipy.linalg.get_lapack_funcs("gttrs", dtype=np.dtype(dtype))
        x, info = gttrs(np.asarray(dl, dtype), np.asarray(d, dtype), np.asarray(du, dtype), du2,
                        np.asarray(ipiv, "int32"), np.array(b, dtype), trans="T" if self.transposed else "N")
        if info < 0:
            raise ValueError(f"{self}: LAPACK gttrs rejected argument {-info}")
        return np.asarray(x, dtype)

    def pullback(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 cotangents: Sequence[Variable | None]) -> list[Variable | None]:
        """``b̄ = A^-T x̄``: the transposed system, with the same factors."""
        require_real(self, inputs)
        g = cotangents[0]
        factors = list(inputs[:5])
        why = (f"{self}: no derivative with respect to the tridiagonal LU factors; differentiate "
               "solve(a, b, assume_a='tridiagonal') for the matrix's")
        b_bar = None if g is None else self._other()(*factors, g)
        return [undefined_gradient(why) for _ in range(4)] + [None, b_bar]

    def pushforward(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                    tangents: Sequence[Variable | None]) -> list[Variable | None]:
        """``dx = A^-1 db`` (``A^-T`` when transposed)."""
        if any(t is not None for t in tangents[:4]):
            raise NotDifferentiable(f"{self}: no derivative with respect to the tridiagonal LU "
                                    "factors; differentiate solve(a, b, assume_a='tridiagonal')")
        db = tangents[5]
        return [None if db is None else self(*inputs[:5], db)]

    def _other(self) -> SolveLUFactorTridiagonal:
        return SolveLUFactorTridiagonal(self.b_ndim, not self.transposed)


def tridiagonal_lu_factor(a: Any) -> tuple[TensorVariable, ...]:
    """``(dl, d, du, du2, ipiv)``: LAPACK's gttrf of the tridiagonal part of the square matrix
    ``a`` (or of each matrix of a stack), read from its three central diagonals."""
    a = at_least(as_tensor_variable(a), 2, "tridiagonal_lu_factor", "a")
    dl, d, du = (diagonal(a, offset=o, axis1=-2, axis2=-1) for o in (-1, 0, 1))
    return tuple(apply_core(LUFactorTridiagonal(), dl, d, du))


def tridiagonal_lu_solve(a_diagonals: Sequence[Any], b: Any, *, b_ndim: int,
                         transposed: bool = False) -> TensorVariable:
    """``x`` with ``a @ x == b`` (``a.T @ x == b`` when ``transposed``), ``a`` given as
    ``tridiagonal_lu_factor(a)``'s five outputs; ``b_ndim`` (1 or 2) says whether ``b``'s core
    is a vector or a matrix of columns (leading axes beyond it are a batch)."""
    if len(a_diagonals) != 5:
        raise ValueError("tridiagonal_lu_solve: a_diagonals must be tridiagonal_lu_factor's five "
                         f"outputs (dl, d, du, du2, ipiv), got {len(a_diagonals)}")
    b = at_least(as_tensor_variable(b), b_ndim, "tridiagonal_lu_solve", "b")
    op = SolveLUFactorTridiagonal(b_ndim=b_ndim, transposed=bool(transposed))
    return apply_core(op, *a_diagonals, b)
