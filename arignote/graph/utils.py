"""Errors about graphs that more than one layer raises (PyTensor's ``pytensor.graph.utils``)."""

from __future__ import annotations

__all__ = ["InconsistencyError", "MethodNotDefined", "MissingInputError"]


class MissingInputError(ValueError):
    """A graph needs an input that was not given (``function``'s inputs, ``eval``'s values)."""


class MethodNotDefined(NotImplementedError):
    """An op does not define a method a caller asked for (PyTensor's name; a
    ``NotImplementedError``, so code catching either catches it)."""


class InconsistencyError(Exception):
    """PyTensor raises it when a change to a graph would make it inconsistent (an in-place
    rewrite destroying a value still needed).  arignote's graphs are never changed in place
    (in-place work is decided when a program is scheduled), so nothing raises it; it exists
    for the programs that catch it."""
