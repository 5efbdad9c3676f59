"""Reductions in canonical form (the ``canonicalize`` phase).

- ``reduction_of_dimshuffle``: ``sum(x.T, axis=0) -> sum(x, axis=1)``; a
  reduction of a dimshuffled array reduces the array itself over the axes
  they came from, and the (smaller) result is dimshuffled instead.  Any
  commutative reduction (sum, prod, max, min, all, any): the axes' order does
  not matter to it.
- ``reduction_of_reduction``: ``sum(sum(x, 0), 0) -> sum(x, (0, 1))``, for
  the same scalar op when the merged reduction gives the same dtype.
- ``sum_of_alloc``: ``sum(alloc(v, n, m)) -> v * n * m`` and ``prod`` ->
  ``v ** (n * m)`` for a 0-d ``v`` (the usual ``ones_like``/``fill`` forms):
  nothing is allocated.  A product ``v * n`` is as exact as or more exact
  than summing ``v`` n times.

- ``reduction_of_make_vector``: ``all(stack([a, b, c])) -> a & b & c`` for reductions whose
  result does not depend on the order of the elements (and, or, max, min), and
  ``reduce(stack([a])) -> a`` for any: scalars need no vector.

A reduction with an ``initial`` value is left alone (it changes what an
empty reduction gives, which the merged forms would have to reproduce).
"""

from __future__ import annotations

import dataclasses

from arignote.graph.basic import Apply, Variable
from arignote.rewrite import canonicalize
from arignote.rewrite.phases import FAST_COMPILE
from arignote.rewrite.toolkit import kind_of
from arignote.scalar.math import Add, LogicalAnd, LogicalOr, Maximum, Minimum, Mul
from arignote.tensor.alloc import Alloc, alloc
from arignote.tensor.basic import cast
from arignote.tensor.dimshuffle import DimShuffle, dimshuffle
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.math import mul
from arignote.tensor.math import pow as tensor_pow
from arignote.tensor.reduction import CAReduce
from arignote.tensor.shape import MakeVector
from arignote.tensor.shape_inference import vector_entries


def _with_axes(op: CAReduce, axes: set[int], ndim: int) -> CAReduce:
    """``op`` reducing ``axes`` of an ``ndim``-d input (None when that is every axis)."""
    return dataclasses.replace(op, axis=None if len(axes) == ndim else tuple(sorted(axes)))


@canonicalize.rule(CAReduce, tags=[FAST_COMPILE])
def reduction_of_dimshuffle(node: Apply) -> Variable | None:
    """reduce(x.dimshuffle(order), axes) -> reduce(x, the axes of x they are).dimshuffle(rest)."""
    op: CAReduce = node.op  # type: ignore[assignment]
    shuffled = node.inputs[0]
    inner = shuffled.owner
    if inner is None or not isinstance(inner.op, DimShuffle) or op.initial is not None:
        return None
    x = inner.inputs[0]
    order = inner.op.new_order
    reduced = set(op.reduced_axes(len(order)))
    x_axes = {d for a in reduced if isinstance(d := order[a], int)}
    if not x_axes:
        return None  # only new length-1 axes are reduced: a dtype change at most, leave it
    result = _with_axes(op, x_axes, x.ndim)(x)
    left = [a for a in range(x.ndim) if a not in x_axes]
    final = [left.index(d) if isinstance(d := order[a], int) else "x" for a in range(len(order))
             if a not in reduced]
    # axes of x the dimshuffle dropped (length 1) are still in the result: drop them again
    return dimshuffle(result, final) if final != list(range(result.ndim)) else result


@canonicalize.rule(CAReduce, tags=[FAST_COMPILE])
def reduction_of_reduction(node: Apply) -> Variable | None:
    """reduce(reduce(x, a), b) -> reduce(x, a and b) for the same reduction and dtype."""
    outer: CAReduce = node.op  # type: ignore[assignment]
    inner_node = node.inputs[0].owner
    if inner_node is None or not isinstance(inner_node.op, CAReduce):
        return None
    inner: CAReduce = inner_node.op
    if (type(inner.scalar_op) is not type(outer.scalar_op) or inner.initial is not None
            or outer.initial is not None):
        return None
    x = inner_node.inputs[0]
    inner_axes = set(inner.reduced_axes(x.ndim))
    left = [a for a in range(x.ndim) if a not in inner_axes]
    merged_axes = inner_axes | {left[b] for b in outer.reduced_axes(len(left))}
    merged = _with_axes(inner, merged_axes, x.ndim)
    out = node.outputs[0]
    # the merged reduction must accumulate and return what the two did
    if (merged.output_dtype(x.type.dtype) != out.type.dtype
            or merged.accumulator_dtype(x.type.dtype) != outer.accumulator_dtype(
                node.inputs[0].type.dtype)):
        return None
    return merged(x)


@canonicalize.rule(CAReduce, tags=[FAST_COMPILE])
def sum_of_alloc(node: Apply) -> Variable | None:
    """sum(alloc(v, *shape), axes) -> v * (product of the reduced lengths), prod -> v ** (...),
    for a 0-d ``v``; the lengths kept are allocated from the (smaller) result."""
    op: CAReduce = node.op  # type: ignore[assignment]
    source = node.inputs[0].owner
    if (source is None or not isinstance(source.op, Alloc) or op.initial is not None
            or not isinstance(op.scalar_op, (Add, Mul))):
        return None
    value, shape = source.inputs
    out = node.outputs[0]
    if value.ndim != 0 or kind_of(out) not in "iufc":
        return None
    lengths = vector_entries(shape, source.op.ndim)
    reduced = op.reduced_axes(source.op.ndim)
    count = mul(*[cast(lengths[a], "int64") for a in reduced]) if len(reduced) > 1 else cast(
        lengths[reduced[0]], "int64") if reduced else None
    if count is None:
        return None
    value = cast(value, out.type.dtype)
    if isinstance(op.scalar_op, Add):
        total = mul(value, cast(count, out.type.dtype))
    else:
        total = tensor_pow(value, count)
    total = cast(total, out.type.dtype)
    kept = [lengths[a] for a in range(source.op.ndim) if a not in reduced]
    return alloc(total, *kept) if kept else total


#: reductions whose result does not depend on the order the elements are combined in
_ORDER_FREE = (LogicalAnd, LogicalOr, Maximum, Minimum)


@canonicalize.rule(CAReduce, tags=[FAST_COMPILE])
def reduction_of_make_vector(node: Apply) -> Variable | None:
    """reduce(make_vector(a, b, ...)) -> a (op) b (op) ... on the scalars themselves."""
    op: CAReduce = node.op  # type: ignore[assignment]
    vector = node.inputs[0].owner
    if vector is None or not isinstance(vector.op, MakeVector) or op.initial is not None:
        return None
    elements = vector.inputs
    if not elements or (len(elements) > 1 and not isinstance(op.scalar_op, _ORDER_FREE)):
        return None
    out_dtype, vector_dtype = node.outputs[0].dtype, vector.outputs[0].dtype
    if len(elements) > 1 and op.accumulator_dtype(vector_dtype) != out_dtype:
        return None  # combined in another dtype than the result's: keep the reduction
    combine = Elemwise(op.scalar_op)
    # each element as the vector holds it (MakeVector casts), then as the result's dtype
    scalars = [cast(cast(e, vector_dtype), out_dtype) for e in elements]
    result = scalars[0]
    for element in scalars[1:]:
        result = combine(result, element)
    return result
