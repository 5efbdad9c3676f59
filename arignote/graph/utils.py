"""Errors about graphs that more than one layer raises (PyTensor's ``pytensor.graph.utils``)."""

from __future__ import annotations

__all__ = ["MissingInputError"]


class MissingInputError(ValueError):
    """A graph needs an input that was not given (``function``'s inputs, ``eval``'s values)."""
