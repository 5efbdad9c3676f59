"""Keeping a node's broadcast shape when the algebra drops some of its operands.

``x * 0 -> 0`` (integers) must still give an array of the shape of
``x * 0``; ``x + zeros((3,))`` may drop the constant only when ``x`` is known
to have length 3 already.  :func:`fit_to` takes the simplified result and the
operands that were dropped and gives the result the original's rank and
shape, or None when that shape cannot be told without the dropped operands
(two unknown lengths that broadcast against each other): the rule then keeps
the operand.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from arignote.graph.basic import Variable
from arignote.tensor.alloc import alloc
from arignote.tensor.basic import as_tensor_variable, constant
from arignote.tensor.shape import shape_i, shape_padleft

Dim = int | None


def padded_shape(var: Variable, ndim: int) -> tuple[Dim, ...]:
    """``var``'s static shape left-padded with 1s to ``ndim`` axes, as broadcasting sees it."""
    shape = var.type.shape  # type: ignore[attr-defined]
    return (1,) * (ndim - len(shape)) + tuple(shape)


def fit_to(result: Any, original: Variable, dropped: Sequence[Variable] = ()) -> Variable | None:
    """``result`` with ``original``'s rank and shape, where ``original`` was ``result``
    broadcast against the ``dropped`` operands; None when that cannot be done
    without them (or when the dtype differs).

    The dropped operands are not evaluated: their lengths come from their
    static shapes or from ``shape_i``.  When ``result`` must grow, it is
    ``alloc``-ed to the shape, which also checks ``result``'s own lengths.
    """
    result = as_tensor_variable(result)
    ndim = original.type.ndim  # type: ignore[attr-defined]
    if result.type.dtype != original.type.dtype or result.type.ndim > ndim:  # type: ignore[attr-defined]
        return None
    own = padded_shape(result, ndim)
    shapes = [padded_shape(v, ndim) for v in dropped]
    entries: list[Any] = []
    grows = False
    for axis in range(ndim):
        lengths = {s[axis] for s in shapes if s[axis] != 1}
        if not lengths:  # the dropped operands did not decide this length
            entries.append(own[axis] if own[axis] is not None else shape_i(result, axis - (ndim - result.ndim)))
            continue
        if None not in lengths and len(lengths) == 1:
            (length,) = lengths
            if own[axis] == length:
                entries.append(length)
                continue
            if own[axis] not in (1, None):
                return None  # cannot happen for a valid original; stay safe
            entries.append(length)
            grows = True
            continue
        # an unknown length: usable only when it is the single operand deciding it
        deciders = [(v, s) for v, s in zip(dropped, shapes) if s[axis] != 1]
        if own[axis] != 1 or len(deciders) != 1:
            return None
        var, _ = deciders[0]
        entries.append(shape_i(var, axis - (ndim - var.type.ndim)))  # type: ignore[attr-defined]
        grows = True
    if grows:
        fitted = alloc(result, *entries) if ndim else result
    elif result.type.ndim < ndim:  # type: ignore[attr-defined]
        fitted = shape_padleft(result, ndim - result.type.ndim)  # type: ignore[attr-defined]
    else:
        fitted = result
    for new, old in zip(fitted.type.shape, original.type.shape):  # type: ignore[attr-defined]
        if new is not None and old is not None and new != old:
            return None
    return fitted


def filled(value: Any, original: Variable, sources: Sequence[Variable]) -> Variable | None:
    """An array of ``original``'s dtype and shape holding ``value`` everywhere, where
    ``original`` is a broadcast of ``sources``; None when the shape cannot be told."""
    dtype = original.type.dtype  # type: ignore[attr-defined]
    with np.errstate(all="ignore"):
        fill = constant(np.asarray(value).astype(dtype))
    return fit_to(fill, original, sources)
