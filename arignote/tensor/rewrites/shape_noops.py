"""No-op removal (canonicalize): shape assertions, reshapes, broadcasts, casts and copies
that provably change nothing.

"Provably the same shape" means, axis by axis, the same symbolic length
(the same variable: graphs are interned, so ``shape_i(x, 0)`` built twice is
one variable) or equal constants.  A length that only happens to agree at run
time is not enough: the node stays, and with it its run-time check.
"""

from __future__ import annotations

from arignote.graph.basic import Apply, Variable
from arignote.rewrite import canonicalize
from arignote.rewrite.phases import FAST_COMPILE
from arignote.scalar.math import Cast, Identity, Second
from arignote.tensor.alloc import Alloc, BroadcastTo, alloc
from arignote.tensor.rewrites.structure_helpers import is_shape_of, readable_entries
from arignote.tensor.shape import Reshape, SpecifyShape, shape_i
from arignote.tensor.shape_inference import as_dim, known_dim, same_dim, shape_of


@canonicalize.rule(SpecifyShape, tags=[FAST_COMPILE])
def remove_redundant_specify_shape(node: Apply) -> Variable | None:
    """specify_shape(x, s) -> x when x's type (or symbolic shape) already guarantees s."""
    x, *lengths = node.inputs
    op = node.op
    if any(want is not None and have != want for want, have in zip(op.shape, x.type.shape)):
        return None
    if lengths:
        dims = shape_of(x)
        if not all(same_dim(dims[axis], as_dim(n)) for axis, n in zip(op.symbolic_axes, lengths)):
            return None
    return x


@canonicalize.rule(Reshape)
def remove_reshape_to_own_shape(node: Apply) -> Variable | None:
    """reshape(x, s) -> x when s is provably x's shape.

    A -1 entry qualifies when the other entries are x's lengths and their
    product is statically nonzero (NumPy refuses -1 when it is zero), or when
    x is a vector.
    """
    x, target = node.inputs
    if node.op.ndim != x.ndim:
        return None
    entries = readable_entries(target, x.ndim)
    if entries is None:
        return None
    if x.ndim == 1 and known_dim(entries[0]) == -1:
        return x
    wildcard = [axis for axis, e in enumerate(entries) if known_dim(e) == -1]
    if wildcard:
        axis = wildcard[0]
        others = [n for a, n in enumerate(x.type.shape) if a != axis]
        if len(wildcard) > 1 or any(n in (None, 0) for n in others):
            return None
        entries = entries[:axis] + (shape_of(x)[axis],) + entries[axis + 1:]
    return x if is_shape_of(x, entries) else None


@canonicalize.rule(BroadcastTo, Alloc)
def remove_broadcast_to_own_shape(node: Apply) -> Variable | None:
    """broadcast_to(x, s) -> x and alloc(x, s) -> x when s is provably x's shape."""
    value, target = node.inputs
    if node.op.ndim != value.ndim:
        return None
    entries = readable_entries(target, value.ndim)
    if entries is None or not is_shape_of(value, entries):
        return None
    return value


@canonicalize.rule(Cast, tags=[FAST_COMPILE])
def remove_cast_to_same_dtype(node: Apply) -> Variable | None:
    """cast(x, x.dtype) -> x (the API never builds it; rewrites might)."""
    x = node.inputs[0]
    return x if x.type.dtype == node.outputs[0].type.dtype else None


@canonicalize.rule(Identity, tags=[FAST_COMPILE])
def remove_identity(node: Apply) -> Variable | None:
    """tensor_copy(x) -> x: graphs are pure, and ``function`` copies an output that
    would alias an input, so the copy changes nothing."""
    x = node.inputs[0]
    return x if x.type.dtype == node.outputs[0].type.dtype else None


@canonicalize.rule(Second, tags=[FAST_COMPILE])
def second_to_alloc(node: Apply) -> Variable | None:
    """second(model, value) -> value when it already has the result's shape, else
    alloc(value, <the result's shape>) with the model's lengths read only where they
    are not static: a static model drops out of the graph."""
    model, value = node.inputs
    out = node.outputs[0]
    if value.type.shape == out.type.shape and None not in out.type.shape:
        return value
    dims: list[object] = []
    for axis, length in enumerate(out.type.shape):
        if length is not None:
            dims.append(length)
            continue
        # only statically-1 lengths stretch, so an axis of unknown length is the
        # model's unless the model is 1 (or missing) there
        model_axis = axis - (out.ndim - model.ndim)
        if model_axis >= 0 and model.type.shape[model_axis] != 1:
            dims.append(shape_i(model, model_axis))
        else:
            dims.append(shape_i(value, axis - (out.ndim - value.ndim)))
    return alloc(value, *dims)
