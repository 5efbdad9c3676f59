"""PyTensor's ``tensor.linalg.decomposition.eigen``: eigendecompositions (arignote's `eigen`
for symmetric matrices, `spectral` for general ones)."""

from arignote.tensor.linalg.eigen import Eigh, Eigvalsh, eigh, eigvalsh
from arignote.tensor.linalg.spectral import Eig, Eigvals, eig, eigvals

__all__ = ["Eig", "Eigh", "Eigvals", "Eigvalsh", "eig", "eigh", "eigvals", "eigvalsh"]
