"""PyTensor's ``tensor.linalg.decomposition.qr`` (arignote's `factorizations`)."""

from arignote.tensor.linalg.factorizations import QR, qr

__all__ = ["QR", "qr"]
