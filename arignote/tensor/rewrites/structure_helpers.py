"""Small helpers shared by the structure rules (dimshuffle, reshape, reduction, indexing)."""

from __future__ import annotations

from typing import Any

import numpy as np

from arignote.graph.basic import Constant, Variable
from arignote.tensor.variable import TensorVariable

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


def keep_static_shape(new: Variable, old: Variable) -> Variable:
    """``new``, asserted to have the static lengths ``old`` knows and ``new`` does not.

    A replacement whose type knows less than the original's would make the
    consumers' types less precise, and a consumer that relied on a static
    length (a dimshuffle dropping a length-1 axis) could no longer be rebuilt.
    """
    from arignote.tensor.shape import specify_shape

    lost = [o if n is None and o is not None else None
            for n, o in zip(new.type.shape, old.type.shape)]  # type: ignore[attr-defined]
    if all(d is None for d in lost):
        return new
    return specify_shape(new, lost)


def scalar_constant(var: Variable) -> Any:
    """The single value of a constant whose dims all have length 1 (a NumPy scalar), else None.

    Such a constant never decides a broadcast length, so a rule may move it
    across a reduction.
    """
    if not isinstance(var, Constant):
        return None
    data = np.asarray(var.data)
    if any(n != 1 for n in data.shape):
        return None
    return data.reshape(())[()]


def is_kind(var: Variable, kinds: str) -> bool:
    """Whether ``var``'s dtype is of one of the NumPy ``kinds`` (``"f"``, ``"iu"``...)."""
    return np.dtype(var.type.dtype).kind in kinds  # type: ignore[attr-defined]


def as_tensor(var: Any) -> TensorVariable:
    from arignote.tensor.basic import as_tensor_variable

    return as_tensor_variable(var)
