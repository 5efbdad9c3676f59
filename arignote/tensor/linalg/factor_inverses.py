"""The inverse of a matrix from its Cholesky factor: ``cho_inverse((c, lower))`` is
``inv(c @ c.T)`` (``lower``) or ``inv(c.T @ c)``, LAPACK's potri.

A third of the work of ``cho_solve((c, lower), eye(n))`` (two triangular solves with n
columns), which the rewrites turn into this op: the inverse a log-determinant's gradient
needs once the matrix is factored.  Only the factor's ``lower`` (or upper) triangle is read;
a zero on its diagonal (a singular factor) gives NaNs, as the solves would give infinities
and NaNs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg

from arignote.tensor.linalg.common import _SquareMapOp, apply_core, at_least, identity_of
from arignote.tensor.linalg.solves import CholeskySolve
from arignote.tensor.variable import TensorVariable

__all__ = ["CholeskyInverse", "cho_inverse"]


@dataclass(frozen=True)
class CholeskyInverse(_SquareMapOp):
    """``inv(c @ c.T)`` (``lower``) or ``inv(c.T @ c)`` for a triangular Cholesky factor ``c``."""

    lower: bool = True
    input_name = "c"

    def compute(self, c: np.ndarray, dtype: str) -> np.ndarray:
        if c.size == 0:
            return np.empty(c.shape, dtype=dtype)
        (potri,) = scipy.linalg.get_lapack_funcs(("potri",), (c,))
        inverse, info = potri(c, lower=self.lower)
        if info != 0:
            return np.full(c.shape, np.nan, dtype=dtype)
        # potri fills the triangle of the factor: the other one is its mirror
        kept = np.tril(inverse) if self.lower else np.triu(inverse)
        return np.asarray(kept + np.swapaxes(kept, -1, -2) - np.diag(np.diag(inverse)), dtype=dtype)

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Any]:
        """That of the solve it stands for, ``cho_solve((c, lower), eye)`` (the same triangle
        read)."""
        c = inputs[0]
        solve = CholeskySolve(lower=self.lower, b_ndim=2)
        return [solve.pullback([c, identity_of(c)], outputs, cotangents)[0]]


def cho_inverse(c_and_lower: tuple[Any, bool]) -> TensorVariable:
    """``inv(c @ c.T)`` for a Cholesky factor given as ``(c, lower)``, as ``cho_solve`` takes it
    (or stacks of factors)."""
    c, lower = c_and_lower
    return apply_core(CholeskyInverse(lower=bool(lower)), at_least(c, 2, "cho_inverse", "c"))
