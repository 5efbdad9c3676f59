"""PyTensor's ``tensor.linalg.solvers.psd``: systems with a Cholesky factor (arignote's `solves`)."""

from arignote.tensor.linalg.solves import CholeskySolve, cho_solve

__all__ = ["CholeskySolve", "cho_solve"]
