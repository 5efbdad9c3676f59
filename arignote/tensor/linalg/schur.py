"""Schur decompositions: ``schur`` of one matrix, ``qz``/``ordqz`` (the generalized Schur
decomposition) of a pair (SciPy's routines with PyTensor's signatures).

``schur(A)``: ``A == Z @ T @ Z^H`` with ``Z`` unitary and ``T`` upper triangular
(``output="complex"``) or quasi-triangular (``"real"``, 2x2 blocks for complex pairs of
eigenvalues).  ``qz(A, B)``: ``A == Q @ AA @ Z^H`` and ``B == Q @ BB @ Z^H``.  ``sort`` moves
the eigenvalues of a region to the top left: ``"lhp"`` (real part < 0), ``"rhp"`` (>= 0 for
``schur``, > 0 for ``qz``, as SciPy), ``"iuc"`` (inside the unit circle), ``"ouc"`` (outside).

The factors are not unique (the order of the eigenvalues, the signs or phases of ``Z``'s
columns), and LAPACK's choice may differ between versions: compare what they reconstruct.
A matrix with non-finite entries, or a failure of LAPACK, gives NaNs (PyTensor's choice).
No derivatives (``NotDifferentiable``), as in PyTensor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg

from arignote.graph.basic import Apply
from arignote.graph.op import NotDifferentiable
from arignote.tensor.linalg.common import (
    _LinalgOp,
    apply_core,
    as_lapack,
    at_least,
    check_square_value,
    linalg_output_dtype,
    numeric_input,
    square_length,
)
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["QZ", "Schur", "ordqz", "qz", "schur"]

OUTPUTS = ("real", "complex")
SORTS = ("lhp", "rhp", "iuc", "ouc")


def _check_options(name: str, output: str, sort: str | None) -> None:
    if output not in OUTPUTS:
        raise ValueError(f"{name}: output must be 'real' or 'complex', got {output!r}")
    if sort is not None and sort not in SORTS:
        raise ValueError(f"{name}: sort must be None or one of {list(SORTS)}, got {sort!r}")


def _result_dtype(output: str, *dtypes: Any) -> str:
    """The factors' dtype: the LAPACK type of the inputs, complex for ``output="complex"``
    (a complex input is complex whatever ``output`` says, as in SciPy)."""
    dtype = np.dtype(linalg_output_dtype(*dtypes))
    if output == "complex" and dtype.kind != "c":
        return "complex64" if dtype.itemsize == 4 else "complex128"
    return dtype.name


def _complex_of(dtype: str) -> str:
    """The complex dtype of the same precision (``alpha``'s)."""
    return "complex64" if np.dtype(dtype) in (np.dtype("float32"), np.dtype("complex64")) else "complex128"


def _finite(*values: np.ndarray) -> bool:
    return all(bool(np.all(np.isfinite(v))) for v in values)


@dataclass(frozen=True)
class Schur(_LinalgOp):
    """``scipy.linalg.schur(a, output, sort)``: ``(T, Z)`` with ``a == Z @ T @ Z^H`` (SciPy's
    ``sdim`` is dropped, as in PyTensor)."""

    output: str = "real"
    sort: str | None = None
    gufunc_signature = "(m,m)->(m,m),(m,m)"

    def __post_init__(self) -> None:
        _check_options("schur", self.output, self.sort)

    def make_node(self, a: Any) -> Apply:
        a = numeric_input(a, self, "A", 2)
        n = square_length(a, self, "A")
        out = TensorType(_result_dtype(self.output, a.dtype), (n, n))
        return Apply.build(self, [a], [out, out])

    def perform(self, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        check_square_value(a, "A")
        dtype = _result_dtype(self.output, a.dtype)
        if a.size == 0:
            return np.empty(a.shape, dtype=dtype), np.empty(a.shape, dtype=dtype)
        a = as_lapack(a, linalg_output_dtype(a.dtype))
        failed = (np.full(a.shape, np.nan, dtype=dtype),) * 2
        if not _finite(a):
            return failed
        try:
            result = scipy.linalg.schur(a, output=self.output, sort=self.sort, check_finite=False)
        except (np.linalg.LinAlgError, ValueError):
            return failed
        return np.asarray(result[0], dtype=dtype), np.asarray(result[1], dtype=dtype)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [tuple(input_shapes[0])] * 2

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        raise NotDifferentiable(f"{self}: the Schur decomposition has no derivative here "
                                "(as in PyTensor)")


def schur(A: Any, output: str = "real", sort: str | None = None) -> list[TensorVariable]:
    """``scipy.linalg.schur``: ``[T, Z]`` with ``A == Z @ T @ Z^H`` for the square ``A`` (or
    each in a stack); ``sort`` one of ``None``, ``"lhp"``, ``"rhp"``, ``"iuc"``, ``"ouc"``.
    Not differentiable."""
    A = at_least(A, 2, "schur", "A")
    return list(apply_core(Schur(output=output, sort=sort), A))


# --- QZ ---------------------------------------------------------------------------------------

def _selector(sort: str) -> Any:
    """SciPy's ``ordqz`` choice of the eigenvalues ``alpha / beta`` to move to the top left
    (the named regions; beta = 0 is an infinite eigenvalue, outside every region but ``ouc``)."""
    def select(alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
        alpha, beta = np.asarray(alpha), np.asarray(beta)
        finite = beta != 0
        with np.errstate(all="ignore"):
            ratio = np.where(finite, alpha / np.where(finite, beta, 1), 0)
        if sort == "lhp":
            return finite & (ratio.real < 0)
        if sort == "rhp":
            return finite & (ratio.real > 0)
        if sort == "iuc":
            return finite & (np.abs(ratio) < 1)
        return np.where(finite, np.abs(ratio) > 1, alpha != 0)  # ouc
    return select


def _select_none(alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    return np.zeros(np.shape(alpha), dtype=bool)


@dataclass(frozen=True)
class QZ(_LinalgOp):
    """``scipy.linalg.qz``/``ordqz``: ``(AA, BB, Q, Z)`` with ``A == Q @ AA @ Z^H`` and
    ``B == Q @ BB @ Z^H``; with ``return_eigenvalues``, ``(AA, BB, alpha, beta, Q, Z)`` as
    ``ordqz`` gives (the generalized eigenvalues are ``alpha / beta``; ``alpha`` is complex)."""

    output: str = "real"
    sort: str | None = None
    return_eigenvalues: bool = False

    def __post_init__(self) -> None:
        _check_options("qz", self.output, self.sort)

    @property
    def gufunc_signature(self) -> str:  # type: ignore[override]
        if self.return_eigenvalues:
            return "(m,m),(m,m)->(m,m),(m,m),(m),(m),(m,m),(m,m)"
        return "(m,m),(m,m)->(m,m),(m,m),(m,m),(m,m)"

    def make_node(self, a: Any, b: Any) -> Apply:
        a = numeric_input(a, self, "A", 2)
        b = numeric_input(b, self, "B", 2)
        n, m = square_length(a, self, "A"), square_length(b, self, "B")
        if n is not None and m is not None and n != m:
            raise ValueError(f"{self}: A and B must have the same size, got {n} and {m}")
        n = n if n is not None else m
        dtype = _result_dtype(self.output, a.dtype, b.dtype)
        matrix = TensorType(dtype, (n, n))
        if not self.return_eigenvalues:
            return Apply.build(self, [a, b], [matrix] * 4)
        alpha, beta = TensorType(_complex_of(dtype), (n,)), TensorType(dtype, (n,))
        return Apply.build(self, [a, b], [matrix, matrix, alpha, beta, matrix, matrix])

    def perform(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, ...]:
        check_square_value(a, "A")
        check_square_value(b, "B")
        if a.shape != b.shape:
            raise ValueError(f"A and B must have the same shape, got {a.shape} and {b.shape}")
        dtype = _result_dtype(self.output, a.dtype, b.dtype)
        work = linalg_output_dtype(a.dtype, b.dtype)
        a, b = as_lapack(a, work), as_lapack(b, work)
        n = a.shape[0]
        shapes = [(n, n), (n, n), (n,), (n,), (n, n), (n, n)]
        dtypes = [dtype, dtype, _complex_of(dtype), dtype, dtype, dtype]
        if n == 0 or not _finite(a, b):
            fill = np.empty if n == 0 else (lambda s, dtype: np.full(s, np.nan, dtype=dtype))
            return self._pick(tuple(fill(s, dtype=d) for s, d in zip(shapes, dtypes)))
        try:
            if self.sort is None and not self.return_eigenvalues:
                aa, bb, q, z = scipy.linalg.qz(a, b, output=self.output, check_finite=False)
                alpha = beta = np.empty(0)
            else:
                # ordqz with no eigenvalue selected is qz with the eigenvalues
                select = _select_none if self.sort is None else _selector(self.sort)
                aa, bb, alpha, beta, q, z = scipy.linalg.ordqz(a, b, sort=select, output=self.output,
                                                               check_finite=False)
        except (np.linalg.LinAlgError, ValueError):
            return self._pick(tuple(np.full(s, np.nan, dtype=d) for s, d in zip(shapes, dtypes)))
        values = (aa, bb, alpha, beta, q, z)
        return self._pick(tuple(np.asarray(v, dtype=d) for v, d in zip(values, dtypes)))

    def _pick(self, values: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
        """The outputs of ``(AA, BB, alpha, beta, Q, Z)`` this op gives."""
        if self.return_eigenvalues:
            return values
        return values[0], values[1], values[4], values[5]

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        a = tuple(input_shapes[0])
        if self.return_eigenvalues:
            return [a, a, (a[0],), (a[0],), a, a]
        return [a] * 4

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        raise NotDifferentiable(f"{self}: the QZ decomposition has no derivative here "
                                "(as in PyTensor)")


def qz(A: Any, B: Any, output: str = "real", sort: str | None = None,
       return_eigenvalues: bool = False) -> list[TensorVariable]:
    """``scipy.linalg.qz``: ``[AA, BB, Q, Z]`` with ``A == Q @ AA @ Z^H`` and
    ``B == Q @ BB @ Z^H``; ``sort`` reorders as ``ordqz`` does; ``return_eigenvalues`` gives
    ``[AA, BB, alpha, beta, Q, Z]``.  Not differentiable."""
    _check_options("qz", output, sort)
    A = at_least(A, 2, "qz", "A")
    B = at_least(B, 2, "qz", "B")
    op = QZ(output=output, sort=sort, return_eigenvalues=bool(return_eigenvalues))
    return list(apply_core(op, A, B))


def ordqz(A: Any, B: Any, sort: str | None = None, output: str = "real") -> list[TensorVariable]:
    """``scipy.linalg.ordqz``: ``[AA, BB, alpha, beta, Q, Z]``, the QZ decomposition with the
    eigenvalues ``alpha / beta`` of the region ``sort`` first (PyTensor's default: none)."""
    return qz(A, B, output=output, sort=sort, return_eigenvalues=True)
