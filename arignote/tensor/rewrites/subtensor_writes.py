"""Increments of zeros added to a tensor become increments of that tensor (canonicalize).

Gradients of indexing build ``inc_subtensor(zeros_like(x), g, idx)``; when
``x`` also gets a gradient through other paths the two are added:
``a + inc_subtensor(zeros(shape), g, idx)``.  That equals
``inc_subtensor(a, g, idx)`` (for increments only: a set of repeated indices
keeps one value, an addition would not), which saves the zeros, their
shape, and a pass over the whole array.  ``a`` must provably have the shape
of the zeros and the sum's dtype, so that the sum neither broadcasts nor
casts; lengths that only agree at run time keep the add and its check.
"""

from __future__ import annotations

from arignote.graph.basic import Apply, Variable
from arignote.rewrite import canonicalize
from arignote.rewrite.toolkit import constant_value
from arignote.scalar.math import Add
from arignote.tensor.alloc import Alloc
from arignote.tensor.rewrites.structure_helpers import is_shape_of, readable_entries
from arignote.tensor.subtensor_inc import AdvancedIncSubtensor, IncSubtensor


def _zeros_shape(var: Variable) -> tuple[Variable, ...] | None:
    """The lengths of ``var`` when it is ``alloc(0, *lengths)`` (else None)."""
    owner = var.owner
    if owner is None or not isinstance(owner.op, Alloc):
        return None
    value, target = owner.inputs
    if constant_value(value) != 0:
        return None
    return readable_entries(target, owner.op.ndim)


def _increment_of_zeros(var: Variable) -> Apply | None:
    """The node of ``var`` when it is ``inc_subtensor(zeros, ...)`` (not a set)."""
    owner = var.owner
    if owner is None or not isinstance(owner.op, (IncSubtensor, AdvancedIncSubtensor)):
        return None
    if owner.op.set_instead_of_inc:
        return None
    return owner if _zeros_shape(owner.inputs[0]) is not None else None


@canonicalize.rule(Add)
def add_into_increment(node: Apply) -> Variable | None:
    """a + inc_subtensor(zeros, g, idx) -> inc_subtensor(a, g, idx) when a has the zeros' shape."""
    out = node.outputs[0]
    for position, operand in enumerate(node.inputs):
        increment = _increment_of_zeros(operand)
        if increment is None or operand.type != out.type:
            continue
        others = node.inputs[:position] + node.inputs[position + 1:]
        rest = others[0] if len(others) == 1 else node.op(*others)
        if rest.type.dtype != out.type.dtype or rest.ndim != out.ndim:
            continue
        lengths = _zeros_shape(increment.inputs[0])
        if lengths is None or not is_shape_of(rest, lengths):
            continue
        return increment.op(rest, *increment.inputs[1:])
    return None
