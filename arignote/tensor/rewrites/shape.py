"""Shape rules (canonicalize): a computed array's shape comes from its inputs' shapes.

``f(x).shape`` and ``shape_i(f(x), k)`` are rewritten into the symbolic shape
of ``f(x)`` (:func:`arignote.tensor.shape_inference.shape_of`), so that asking
for a shape no longer computes ``f(x)``: ``exp(x).dot(y).shape[0]`` becomes
``shape_i(x, 0)``, and a constant when ``x``'s first length is static
(constant folding runs in the same phase).  An entry that only the array
itself knows (the length of ``unique(x)``) stays as it is.

Normal forms of shape graphs, which the other rules can rely on:

* a length of a graph input (or of an array whose shape needs its own value)
  is ``shape_i(x, k)`` (``ShapeI``), never ``x.shape[k]``;
* the shape vector of such an ``x`` whose lengths are all unknown is
  ``shape(x)`` (``Shape``), never ``make_vector(shape_i(x, 0), ...)``; when some
  lengths are static it is a ``make_vector`` holding them as constants;
* an entry of a ``make_vector`` is read directly: ``make_vector(a, b)[1] -> b``.

The removal of no-ops (a reshape to the array's own shape, and the like) is
in ``shape_noops``.
"""

from __future__ import annotations

import typing

from arignote.graph.basic import Apply, Variable
from arignote.rewrite import canonicalize
from arignote.rewrite.phases import FAST_COMPILE
from arignote.tensor.basic import cast
from arignote.tensor.shape import MakeVector, Shape, ShapeI, shape, shape_i
from arignote.tensor.shape_inference import shape_info
from arignote.tensor.subtensor_basic import Subtensor
from arignote.tensor.subtensor_index import SYMBOLIC, SliceSpec

_int64_vector = MakeVector("int64")


@canonicalize.rule(Shape)
def shape_from_inputs(node: Apply) -> Variable | None:
    """shape(f(x)) -> make_vector(*shape_of(f(x))), when no entry needs f(x) computed.

    For a graph input, only when some of its lengths are static: they become
    constants, and ``shape(x)`` stays the form of an input's unknown shape.
    """
    var = node.inputs[0]
    if var.owner is None and all(d is None for d in var.type.shape):
        return None
    info = shape_info(var)
    if not info.from_inputs:
        return None
    return _int64_vector(*info.dims)


@canonicalize.rule(ShapeI)
def shape_i_from_inputs(node: Apply) -> Variable | None:
    """shape_i(f(x), k) -> shape_of(f(x))[k], when that entry does not need f(x) computed."""
    info = shape_info(node.inputs[0])
    axis = node.op.axis
    entry = info.dims[axis]
    if info.reads_node[axis] or entry is node.outputs[0]:
        return None
    return entry


@canonicalize.rule(MakeVector, tags=[FAST_COMPILE])
def shape_from_its_entries(node: Apply) -> Variable | None:
    """make_vector(shape_i(x, 0), ..., shape_i(x, n - 1)) -> shape(x), for x of n unknown lengths."""
    if node.op.dtype != "int64" or not node.inputs:
        return None
    first = node.inputs[0].owner
    if first is None or not isinstance(first.op, ShapeI):
        return None
    x = first.inputs[0]
    if x.ndim != len(node.inputs) or any(d is not None for d in x.type.shape):
        return None
    for axis, entry in enumerate(node.inputs):
        owner = entry.owner
        if (owner is None or not isinstance(owner.op, ShapeI) or owner.op.axis != axis
                or owner.inputs[0] is not x):
            return None
    return shape(x)


@canonicalize.rule(Subtensor, tags=[FAST_COMPILE])
def index_shape_vector(node: Apply) -> Variable | None:
    """make_vector(a, b, c)[1] -> b and shape(x)[k] -> shape_i(x, k); constant slices likewise."""
    vector = node.inputs[0]
    owner = vector.owner
    if owner is None or len(node.inputs) != 1 or len(node.op.idx_list) != 1:
        return None
    if isinstance(owner.op, MakeVector):
        entries = list(owner.inputs)
    elif isinstance(owner.op, Shape):
        source = owner.inputs[0]
        entries = [shape_i(source, axis) for axis in range(source.ndim)]
    else:
        return None
    key = node.op.idx_list[0]
    if isinstance(key, int):
        return cast(entries[key], vector.dtype)
    if isinstance(key, SliceSpec) and SYMBOLIC not in key.parts:
        bounds = typing.cast(tuple[int | None, int | None, int | None], key.parts)  # none SYMBOLIC
        chosen = entries[slice(*bounds)]
        return MakeVector(vector.dtype)(*[cast(e, vector.dtype) for e in chosen])
    return None


from arignote.tensor.rewrites import shape_noops  # noqa: E402,F401  (registers the no-op removals)
