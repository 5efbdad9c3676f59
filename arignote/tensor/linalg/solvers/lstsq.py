"""PyTensor's ``tensor.linalg.solvers.lstsq``: least squares (arignote's `lstsq`)."""

from arignote.tensor.linalg.lstsq import Lstsq, lstsq

__all__ = ["Lstsq", "lstsq"]
