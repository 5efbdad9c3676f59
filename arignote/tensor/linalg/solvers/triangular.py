"""PyTensor's ``tensor.linalg.solvers.triangular``: triangular systems (arignote's `solves`)."""

from arignote.tensor.linalg.solves import SolveTriangular, solve_triangular

__all__ = ["SolveTriangular", "solve_triangular"]
