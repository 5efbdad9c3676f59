"""PyTensor's ``tensor.linalg.inverse``: inverses (arignote's `inverses` and `structure`).

``TensorInv(ind)(a)`` builds ``tensorinv(a, ind)``, which arignote writes with other ops (a
reshape, an inverse, a reshape): no node is a ``TensorInv`` (see ``tensor.op_kinds``).
"""

from __future__ import annotations

from typing import Any

from arignote.tensor.linalg.inverses import MatrixInverse, MatrixPinv, inv, matrix_inverse, pinv
from arignote.tensor.linalg.structure import tensorinv
from arignote.tensor.op_kinds import OpBuilder, OpKind

__all__ = ["MatrixInverse", "MatrixPinv", "TensorInv", "inv", "matrix_inverse", "pinv", "tensorinv"]


class TensorInv(OpKind):
    """``TensorInv(ind=2)(a)``: ``np.linalg.tensorinv(a, ind)``."""

    @classmethod
    def build(cls, ind: int = 2) -> Any:
        return OpBuilder("TensorInv", tensorinv, ind=ind)
