"""LAPACK's pivots (``lu_factor``'s ``piv``: row ``i`` was swapped with row ``piv[i]``, in
turn) as a permutation of the rows, for ``lu_solve`` and the LU derivative rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from arignote.graph.basic import Apply, Variable
from arignote.tensor.linalg.common import _LinalgOp, apply_core, at_least, numeric_input
from arignote.tensor.type import TensorType
from arignote.tensor.variable import TensorVariable

__all__ = ["PivotToPermutations", "pivot_to_permutation"]


@dataclass(frozen=True)
class PivotToPermutations(_LinalgOp):
    """LAPACK's pivots (row ``i`` swapped with row ``piv[i]``, in turn) as a permutation:
    ``perm`` with ``a[perm] == L @ U`` when ``inverse``, else its inverse (``a == (L @ U)[perm]``)."""

    inverse: bool = True
    gufunc_signature = "(x)->(x)"

    def make_node(self, pivots: Any) -> Apply:
        pivots = numeric_input(pivots, self, "pivots", 1)
        if pivots.type.numpy_dtype.kind not in "iu":
            raise TypeError(f"{self}: pivots must be integers, got {pivots.type}")
        return Apply.build(self, [pivots], [TensorType("int64", pivots.type.shape)])

    def perform(self, pivots: np.ndarray) -> np.ndarray:
        perm = np.arange(len(pivots), dtype="int64")
        for i, j in enumerate(pivots):
            perm[i], perm[j] = perm[j], perm[i]
        return perm if self.inverse else np.argsort(perm).astype("int64")

    def infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list[tuple[Any, ...]]:
        return [tuple(input_shapes[0])]

    def pullback(self, inputs: Sequence[Any], outputs: Sequence[Any],
                 cotangents: Sequence[Any]) -> list[Variable | None]:
        return [None]  # integers in, integers out


def pivot_to_permutation(p: Any, inverse: bool = False) -> TensorVariable:
    """The permutation LAPACK's pivots ``p`` stand for (see :class:`PivotToPermutations`)."""
    p = at_least(p, 1, "pivot_to_permutation", "p")
    return apply_core(PivotToPermutations(inverse=bool(inverse)), p)
