"""The QR factorisation: ``qr`` (``scipy.linalg.qr``'s semantics, as PyTensor 3's ``qr``, with
NumPy's mode names accepted too) and ``numpy_qr`` (``np.linalg.qr``'s).

``Q`` has orthonormal columns and ``R`` is upper triangular; both are unique up to the signs
of ``R``'s rows (LAPACK's choice, the same in NumPy and JAX in practice).

Derivatives hold for square and tall matrices (``m >= n``) of full column rank in the modes
``"reduced"`` and ``"r"`` (and ``"complete"`` for a square matrix, where it is the same
factorisation).  A wide matrix, or the extra columns of ``"complete"`` for a tall one, have
no derivative here: ``NotDifferentiable`` when the static shape shows it; for a shape known
only at run time, the derivative's triangular solve with the non-square ``R`` raises then.
Mode ``"raw"`` (LAPACK's Householder reflectors) has none (``NotDifferentiable``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.graph.basic import Apply
from arignote.graph.op import NotDifferentiable
from arignote.tensor.alloc import tril, triu, zeros_like
from arignote.tensor.join import concatenate
from arignote.tensor.linalg.common import (
    _LinalgOp,
    apply_core,
    as_lapack,
    at_least,
    linalg_output_dtype,
    mT,
    numeric_input,
    require_real,
)
from arignote.tensor.linalg.solves import solve_triangular
from arignote.tensor.math import minimum
from arignote.tensor.products import matmul
from arignote.tensor.type import TensorType

__all__ = ["QR", "numpy_qr", "qr"]

MODES = ("reduced", "complete", "r", "raw")


@dataclass(frozen=True)
class QR(_LinalgOp):
    """``np.linalg.qr`` of an ``m x n`` matrix: ``[Q, R]`` with ``a == Q @ R``; ``Q`` is
    ``m x k`` and ``R`` ``k x n`` (``k = min(m, n)``) in mode ``"reduced"``, ``m x m`` and
    ``m x n`` in ``"complete"``; mode ``"r"`` gives the reduced ``R`` alone; mode ``"raw"``
    gives LAPACK's Householder form ``[h, tau]`` as NumPy does (``h`` is ``n x m``, the
    transpose of LAPACK's array; ``tau`` has ``k`` entries), with no derivative."""

    mode: str = "reduced"

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"QR: mode must be one of {list(MODES)}, got {self.mode!r}")

    @property
    def gufunc_signature(self) -> str:  # type: ignore[override]
        return {"reduced": "(m,n)->(m,k),(k,n)", "complete": "(m,n)->(m,m),(m,n)",
                "r": "(m,n)->(k,n)", "raw": "(m,n)->(n,m),(k)"}[self.mode]

    def make_node(self, a: Any) -> Apply:
        a = numeric_input(a, self, "a", 2)
        dtype = linalg_output_dtype(a.dtype)
        rows, cols = a.type.shape
        k = None if rows is None or cols is None else min(rows, cols)
        if self.mode == "r":
            return Apply.build(self, [a], [TensorType(dtype, (k, cols))])
        if self.mode == "raw":
            return Apply.build(self, [a], [TensorType(dtype, (cols, rows)), TensorType(dtype, (k,))])
        if self.mode == "complete":
            return Apply.build(self, [a], [TensorType(dtype, (rows, rows)), TensorType(dtype, (rows, cols))])
        return Apply.build(self, [a], [TensorType(dtype, (rows, k)), TensorType(dtype, (k, cols))])

    def perform(self, a: np.ndarray) -> Any:
        dtype = linalg_output_dtype(a.dtype)
        a = as_lapack(a, dtype)
        if self.mode == "r":
            return np.asarray(np.linalg.qr(a, mode="r"), dtype=dtype)
        if self.mode == "raw":
            h, tau = np.linalg.qr(a, mode="raw")
            return np.asarray(h, dtype=dtype), np.asarray(tau, dtype=dtype)
        q, r = np.linalg.qr(a, mode="complete" if self.mode == "complete" else "reduced")
        return np.asarray(q, dtype=dtype), np.asarray(r, dtype=dtype)

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        rows, cols = input_shapes[0]
        k = minimum(rows, cols)
        if self.mode == "r":
            return [(k, cols)]
        if self.mode == "raw":
            return [(cols, rows), (k,)]
        if self.mode == "complete":
            return [(rows, rows), (rows, cols)]
        return [(rows, k), (k, cols)]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """For ``m >= n`` (Walter and Lehmann; Liao et al. 2019): with
        ``M = R R̄ᵀ - Q̄ᵀ Q`` and ``copyltu(M) = tril(M) + tril(M, -1)ᵀ``,
        ``Ā = (Q̄ + Q copyltu(M)) R⁻ᵀ``."""
        if self.mode == "raw":
            raise NotDifferentiable(f"{self}: QR in mode 'raw' (LAPACK's Householder form) has no "
                                    "derivative; use mode 'reduced'")
        require_real(self, inputs)
        (a,) = inputs
        rows, cols = a.type.shape
        known = rows is not None and cols is not None
        if known and (rows < cols or (self.mode == "complete" and rows != cols)):
            raise NotDifferentiable(
                f"{self}: QR has a derivative for square or tall matrices only (and in mode "
                "'complete' for square ones)")
        if self.mode == "r":
            gq, gr = None, cotangents[0]
            q, r = qr(a, mode="reduced")
        else:
            gq, gr = cotangents
            q, r = outputs
        if gq is None and gr is None:
            return [zeros_like(a, dtype=r.dtype)]
        if gr is None:
            m = -matmul(mT(gq), q)
        elif gq is None:
            m = matmul(r, mT(gr))
        else:
            m = matmul(r, mT(gr)) - matmul(mT(gq), q)
        copied = tril(m) + mT(tril(m, -1))
        left = matmul(q, copied) if gq is None else gq + matmul(q, copied)
        # left @ R^-T == (R^-1 @ left.T).T, a triangular solve
        return [mT(solve_triangular(r, mT(left), lower=False))]


#: the modes ``qr`` takes: SciPy's names (PyTensor 3's) and NumPy's, and the op's mode for each
USER_MODES = {"full": "complete", "complete": "complete", "economic": "reduced", "reduced": "reduced",
              "r": "r", "raw": "raw"}


def qr(a: Any, mode: str = "full", overwrite_a: bool = False, pivoting: bool = False,
       lwork: int | None = None) -> Any:
    """``scipy.linalg.qr`` as PyTensor 3 has it: ``[Q, R]`` with ``Q`` ``m x m`` (mode
    ``"full"``, NumPy's ``"complete"``) or ``m x k`` (``"economic"``, NumPy's ``"reduced"``);
    ``R`` alone with ``m`` rows (``"r"``: SciPy's, zeros below the ``k``-th); ``[H, tau, R]``
    (``"raw"``: LAPACK's Householder form, ``H`` ``m x n``, and ``R`` ``k x n``).  Of the
    matrix ``a`` or of each in a stack; ``overwrite_a`` and ``lwork`` are accepted and ignored.
    See the module docstring for derivatives."""
    if pivoting:
        raise NotImplementedError("qr: pivoting=True (LAPACK's geqp3) is not supported yet")
    if mode not in USER_MODES:
        raise ValueError(f"qr: mode must be one of {list(USER_MODES)}, got {mode!r}")
    a = at_least(a, 2, "qr", "a")
    kind = USER_MODES[mode]
    if kind == "r":
        r = apply_core(QR(mode="r"), a)
        k = minimum(a.shape[-2], a.shape[-1])
        # the rows below the k-th are zeros (a tall matrix): a[..., k:, :] has their shape
        below = zeros_like(a[..., k:, :], dtype=r.dtype)
        return concatenate([r, below], axis=-2) if a.type.shape[-2] != k else r
    if kind == "raw":
        h, tau = apply_core(QR(mode="raw"), a)
        householder = mT(h)  # NumPy gives LAPACK's array transposed
        k = minimum(a.shape[-2], a.shape[-1])
        return [householder, tau, triu(householder[..., :k, :])]
    return list(apply_core(QR(mode=kind), a))


def numpy_qr(a: Any, mode: str = "reduced") -> Any:
    """``np.linalg.qr``: ``[Q, R]`` (modes ``"reduced"``, ``"complete"``), ``R`` (``"r"``, ``k``
    rows) or ``[h, tau]`` (``"raw"``, ``h`` ``n x m``) of ``a`` or of each in a stack."""
    if mode not in ("reduced", "complete", "r", "raw"):
        raise ValueError(f"qr: mode must be 'reduced', 'complete', 'r' or 'raw', got {mode!r}")
    out = apply_core(QR(mode=mode), at_least(a, 2, "qr", "a"))
    return out if mode == "r" else list(out)
