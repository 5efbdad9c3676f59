"""PyTensor's ``tensor.linalg.solvers.core``: the base of the linear-system ops."""

from arignote.tensor.linalg.solves import _SolveBase as SolveBase

__all__ = ["SolveBase"]
