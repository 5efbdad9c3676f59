"""PyTensor's ``tensor.linalg.decomposition.cholesky`` (arignote's `decompositions`)."""

from arignote.tensor.linalg.decompositions import Cholesky, cholesky

__all__ = ["Cholesky", "cholesky"]
