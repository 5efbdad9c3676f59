"""Small helpers shared by the structure rules: dimshuffle orders and shape vectors."""

from __future__ import annotations

from collections.abc import Sequence

from arignote.graph.basic import Variable
from arignote.tensor.shape import MakeVector, Shape
from arignote.tensor.shape_inference import same_dim, shape_of, vector_entries
from arignote.tensor.variable import TensorConstant

Order = tuple[int | str, ...]


def compose_orders(inner: Order, outer: Order) -> Order:
    """The order of ``x.dimshuffle(inner).dimshuffle(outer)`` as one dimshuffle of ``x``.

    ``outer`` indexes the axes of the inner result; each of them is an axis of
    ``x`` or a new length-1 axis (``"x"``).
    """
    return tuple("x" if d == "x" else inner[d] for d in outer)  # type: ignore[index]


def broadcast_order(input_ndim: int, ndim: int) -> Order:
    """How broadcasting sees an ``input_ndim``-d operand of an ``ndim``-d elementwise op:
    length-1 axes in front."""
    return ("x",) * (ndim - input_ndim) + tuple(range(input_ndim))


def readable_entries(vector: Variable, length: int) -> tuple[Variable, ...] | None:
    """The entries of a shape vector whose entries can be compared (a constant, a
    ``make_vector`` or a ``shape``), else None."""
    owner = vector.owner
    if isinstance(vector, TensorConstant) or (
            owner is not None and isinstance(owner.op, (MakeVector, Shape))):
        return vector_entries(vector, length)
    return None


def is_shape_of(x: Variable, entries: Sequence[Variable]) -> bool:
    """Whether ``entries`` are provably ``x``'s lengths (the same symbolic lengths)."""
    return all(same_dim(e, d) for e, d in zip(entries, shape_of(x)))
