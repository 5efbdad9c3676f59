"""PyTensor's ``tensor.linalg.decomposition.schur`` (arignote's `schur`)."""

from arignote.tensor.linalg.schur import QZ, Schur, ordqz, qz, schur

__all__ = ["QZ", "Schur", "ordqz", "qz", "schur"]
