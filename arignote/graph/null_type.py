"""PyTensor's ``pytensor.graph.null_type`` path: ``NullType``, the type of a gradient that
cannot be computed (``NullType(why)()`` is such a gradient; see :mod:`arignote.graph.type`)."""

from arignote.graph.type import NullType

__all__ = ["NullType"]
