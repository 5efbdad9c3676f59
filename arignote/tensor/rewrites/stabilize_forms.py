"""Forms the stabilize rules share: sums laid out to broadcast, products rebuilt without factors.

The generic helpers (constants, dtypes, sums and their signs, fitting a
result to the original's shape) are the toolkit's (:mod:`arignote.rewrite.toolkit`);
these are particular to the stable forms of reductions and of the products
that derivatives build.
"""

from __future__ import annotations

import arignote.tensor as at
from arignote.graph.basic import Apply, Variable
from arignote.graph.op import Op
from arignote.rewrite.toolkit import dtype_of, fit_to, is_number, is_real_float, match_op
from arignote.scalar.math import Add
from arignote.tensor.dimshuffle import DimShuffle
from arignote.tensor.reduction import CAReduce

Axes = tuple[int, ...] | None
Order = list[int | str]


def real_floats(**bound: Variable) -> bool:
    """The stable forms' condition (a pattern's ``where``): every matched part is a real float."""
    return is_real_float(*bound.values())


def plain_sum(var: Variable) -> Apply | None:
    """``var``'s node if it is a sum in its input's own dtype (no other accumulator, no initial)."""
    node = match_op(var, CAReduce)
    if node is None or not isinstance(node.op.scalar_op, Add):
        return None
    op = node.op
    if op.initial is not None or op.acc_dtype is not None or dtype_of(var) != dtype_of(node.inputs[0]):
        return None
    return node


def broadcast_layout(var: Variable, ndim: int) -> tuple[Variable, Order] | None:
    """``(inner, order)`` with ``var`` = ``inner.dimshuffle(order)`` (or ``var`` itself), the
    order padded to ``ndim`` axes as broadcasting pads it; None when ``var`` has more."""
    reshuffle = match_op(var, DimShuffle)
    if reshuffle is None:
        inner, order = var, list(range(var.type.ndim))
    else:
        inner, order = reshuffle.inputs[0], list(reshuffle.op.new_order)
    if len(order) > ndim:
        return None
    return inner, ["x"] * (ndim - len(order)) + order


def keepdims_order(reduction: Op, ndim: int) -> Order:
    """The layout of a reduction (a ``CAReduce``) of an ``ndim``-d array that broadcasts
    against it: a length-1 axis where an axis was reduced (``keepdims=True``)."""
    reduced = reduction.reduced_axes(ndim)
    kept = iter(range(ndim - len(reduced)))
    return ["x" if axis in reduced else next(kept) for axis in range(ndim)]


def summed_keepdims(denominator: Variable, ndim: int) -> tuple[Variable, Axes] | None:
    """``(summed, axes)`` when ``denominator`` is ``sum(summed, axes)`` laid out to broadcast
    against an ``ndim``-d operand: ``keepdims=True``, or the bare sum when the summed axes
    lead (broadcasting pads on the left)."""
    laid_out = broadcast_layout(denominator, ndim)
    if laid_out is None:
        return None
    total, order = laid_out
    node = plain_sum(total)
    if node is None or order != keepdims_order(node.op, ndim):
        return None
    return node.inputs[0], node.op.axis


def product_like(node: Apply, factors: list[Variable], dropped: list[Variable]) -> Variable | None:
    """The product of ``factors`` in place of ``node``'s output, where the ``dropped`` factors
    are gone: its dtype, and its shape (broadcast back where a dropped factor decided it)."""
    ones = [f for f in factors if is_number(f, 1)]  # the seed of a gradient, often
    if ones and len(ones) < len(factors):
        factors = [f for f in factors if not any(f is o for o in ones)]
        dropped = dropped + ones
    result = factors[0] if len(factors) == 1 else at.mul(*factors)
    return fit_to(result, node.outputs[0], dropped, lenient=True)
