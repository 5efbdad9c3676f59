"""PyTensor's ``tensor.linalg.solvers.general``: general linear systems (arignote's `solves`)."""

from arignote.tensor.linalg.solves import LUSolve, Solve, lu_solve, solve

__all__ = ["LUSolve", "Solve", "lu_solve", "solve"]
