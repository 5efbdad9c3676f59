"""PyTensor's ``tensor.linalg.decomposition.svd`` (arignote's `spectral`)."""

from arignote.tensor.linalg.spectral import SVD, svd

__all__ = ["SVD", "svd"]
