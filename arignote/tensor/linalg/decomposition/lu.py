"""PyTensor's ``tensor.linalg.decomposition.lu`` (arignote's `decompositions` and `pivots`)."""

from arignote.tensor.linalg.decompositions import LU, LUFactor, lu, lu_factor
from arignote.tensor.linalg.pivots import PivotToPermutations, pivot_to_permutation

__all__ = ["LU", "LUFactor", "PivotToPermutations", "lu", "lu_factor", "pivot_to_permutation"]
