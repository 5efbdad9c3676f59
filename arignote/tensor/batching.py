"""Helpers for the ops' batching rules (``Op.batch``): moving and adding the batch axis.

A batching rule applies its op to operands of which some carry a new leading
batch axis (see ``Op.batch`` and :mod:`arignote.autodiff.vectorize`).  Most
rules shift the op's axes by one; these helpers cover the rest: broadcasting
an unbatched operand along the batch, padding a batched one to a rank, and
moving the batch axis to the front.

The tensor functions are imported inside the helpers: the op modules import
this module, and these functions live in those modules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arignote.graph.basic import Apply, Variable
from arignote.graph.op import NoBatchingRule


def broadcast_batch(x: Variable, size: Variable) -> Variable:
    """``x`` repeated along a new leading axis of length ``size`` (a broadcast view)."""
    # here, not at the top: importing it there makes an import cycle
    from arignote.tensor.alloc import broadcast_to

    # here, not at the top: importing it there makes an import cycle
    from arignote.tensor.dimshuffle import expand_dims

    # here, not at the top: importing it there makes an import cycle
    from arignote.tensor.shape import shape_tuple

    return broadcast_to(expand_dims(x, 0), [size, *shape_tuple(x)])


def with_batch(shape_vector: Variable, size: Variable) -> Variable:
    """The int vector ``[size, *shape_vector]``."""
    # here, not at the top: importing it there makes an import cycle
    from arignote.tensor.join import concatenate

    # here, not at the top: importing it there makes an import cycle
    from arignote.tensor.shape import make_vector

    return concatenate([make_vector(size, dtype="int64"), shape_vector.astype("int64")])


def pad_after_batch(xb: Variable, ndim: int) -> Variable:
    """The batched ``xb`` with length-1 axes after the batch axis, to ``ndim + 1`` axes."""
    # here, not at the top: importing it there makes an import cycle
    from arignote.tensor.dimshuffle import dimshuffle

    missing = ndim + 1 - xb.ndim
    if missing <= 0:
        return xb
    return dimshuffle(xb, [0] + ["x"] * missing + list(range(1, xb.ndim)))


def batch_to_front(x: Variable, position: int) -> Variable:
    """``x`` with its axis ``position`` (the batch axis) moved to the front."""
    # here, not at the top: importing it there makes an import cycle
    from arignote.tensor.dimshuffle import dimshuffle

    order = [position] + [a for a in range(x.ndim) if a != position]
    return dimshuffle(x, order)


def index_batch_position(entries: Sequence[Any], indices: Sequence[Variable]) -> int:
    """Where the batch axis lands in ``x[:, key]`` for a key of ``entries`` (an op's
    ``idx_list``) with the symbolic ``indices``: in front, unless the key's advanced
    indices are separated, when NumPy puts their broadcast dims first."""
    # here, not at the top: importing it there makes an import cycle
    from arignote.tensor.subtensor_index import BOOL_MASK, INDEX_ARRAY, SYMBOLIC, SliceSpec, is_advanced

    if not is_advanced(entries) or _adjacent(entries):
        return 0
    ndim = 0
    walk = iter(indices)
    for entry in entries:
        if isinstance(entry, SliceSpec):
            for part in entry.parts:
                if part is SYMBOLIC:
                    next(walk)
        elif entry is INDEX_ARRAY:
            ndim = max(ndim, next(walk).ndim)
        elif entry is BOOL_MASK:
            next(walk)
            ndim = max(ndim, 1)
        elif entry is SYMBOLIC:
            next(walk)
    return ndim


def _adjacent(entries: Sequence[Any]) -> bool:
    # here, not at the top: importing it there makes an import cycle
    from arignote.tensor.subtensor_index import SliceSpec

    positions = [k for k, e in enumerate(entries)
                 if e is not None and e is not Ellipsis and not isinstance(e, SliceSpec)]
    return not positions or positions[-1] - positions[0] + 1 == len(positions)


def batch_indexed_read(op: Any, node: Apply, inputs: Sequence[Variable],
                       batched: Sequence[bool]) -> list[Variable]:
    """The batching rule of a read by index (``Subtensor``, ``AdvancedSubtensor``): the key
    gains a leading full slice; where NumPy puts separated advanced indices' dims first,
    the batch axis is moved back to the front."""
    # here, not at the top: importing it there makes an import cycle
    from arignote.tensor.subtensor_index import FULL_SLICE

    if any(batched[1:]):
        raise NoBatchingRule("batched indices")
    out = type(op)((FULL_SLICE, *op.idx_list))(*inputs)
    position = index_batch_position(op.idx_list, node.inputs[1:])
    return [batch_to_front(out, position) if position else out]
