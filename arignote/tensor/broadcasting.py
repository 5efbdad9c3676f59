"""Broadcasting, as PyTensor does it: only dimensions statically known to be 1 stretch.

NumPy stretches any dimension of length 1.  arignote, like PyTensor, stretches
a dimension only when its *static* length is 1 (``shape=(1, None)``,
``broadcastable=(True, False)``, ``at.row``, a ``dimshuffle("x", ...)``).  Two
dimensions of unknown static length must have the same length at run time;
if one turns out to be 1 where the other is not, the op raises instead of
stretching it.

This is the lesson of the lineage: when an unknown length may or may not
stretch, every derivative must decide at run time whether to sum over the
axis, every fusion and every indexing rewrite must allow for an operand that
is smaller than it looks, and shape graphs fill with run-time tests.  With
the static rule, the static shapes say everything, and graphs stay small.
Programs that need stretching say so in their types.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

Shape = tuple[int | None, ...]


def broadcast_static_shapes(shapes: Sequence[Shape], what: Any) -> Shape:
    """The static shape of broadcasting ``shapes``; ValueError when they clash.

    An axis is known when some input has a known length other than 1 there
    (every unknown length must equal it at run time), 1 when all inputs have
    length 1, and unknown otherwise.
    """
    ndim = max((len(s) for s in shapes), default=0)
    result: list[int | None] = []
    for axis in range(ndim):
        known: int | None = 1
        unknown = False
        for shape in shapes:
            offset = axis - (ndim - len(shape))
            if offset < 0:
                continue
            dim = shape[offset]
            if dim is None:
                unknown = True
            elif dim != 1:
                if known not in (1, dim):
                    raise ValueError(f"{what}: shapes {' and '.join(map(format_shape, shapes))} "
                                     f"cannot be broadcast (axis {axis}: {known} vs {dim})")
                known = dim
        result.append(None if unknown and known == 1 else known)
    return tuple(result)


def format_shape(shape: Shape) -> str:
    """``(?, 3)`` for a static shape (``?``: unknown length)."""
    inner = ", ".join("?" if d is None else str(d) for d in shape)
    return "(" + inner + ("," if len(shape) == 1 else "") + ")"


def run_time_check(shapes: Sequence[Shape], what: Any) -> Callable[[Sequence[Any]], None] | None:
    """A check that arrays with these static shapes have equal lengths wherever neither is
    statically 1 (None when the static shapes already guarantee it).

    The returned function takes the arrays and raises ValueError naming the
    operands and the axis (the caller adds the op and the user line); call it
    before computing.  ``what`` names the op in messages of direct calls.
    """
    ndim = max((len(s) for s in shapes), default=0)
    groups: list[tuple[int, list[tuple[int, int]]]] = []
    for axis in range(ndim):
        members = [(i, axis - (ndim - len(s))) for i, s in enumerate(shapes)
                   if axis - (ndim - len(s)) >= 0 and s[axis - (ndim - len(s))] != 1]
        if len(members) >= 2 and any(shapes[i][a] is None for i, a in members):
            groups.append((axis, members))
    if not groups:
        return None

    def check(arrays: Sequence[Any]) -> None:
        for axis, members in groups:
            first, first_axis = members[0]
            length = arrays[first].shape[first_axis]
            for other, other_axis in members[1:]:
                other_length = arrays[other].shape[other_axis]
                if other_length != length:
                    raise ValueError(_mismatch(what, arrays, axis, (first, length), (other, other_length)))
    return check


class ShapeOnly:
    """A stand-in with only a ``shape``, for checking an operand not yet computed
    (a BLAS call's product) with :func:`run_time_check`."""

    __slots__ = ("shape",)

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape


def _mismatch(what: Any, arrays: Sequence[Any], axis: int, first: tuple[int, int],
              other: tuple[int, int]) -> str:
    shapes = " ".join(str(tuple(a.shape)) for a in arrays)
    message = (f"operands could not be broadcast together with shapes {shapes}: along axis {axis}, "
               f"operand {first[0]} has length {first[1]} and operand {other[0]} has {other[1]}")
    if 1 in (first[1], other[1]):
        message += (". Runtime broadcasting not allowed: a dimension of unknown static length "
                    "does not broadcast at run time (as in PyTensor): give the operand that should "
                    "stretch a static length of 1, e.g. at.specify_broadcastable(x, axis), "
                    "shape=(1, None) or x.dimshuffle('x', 0)")
    return message
