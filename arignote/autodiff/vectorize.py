"""Batching a graph over a new leading axis, for vectorized Jacobians.

:func:`vectorize_graph` rebuilds the nodes that depend on some replaced
variables so that each of their values gains a leading batch axis; nodes
that do not depend on them are shared, unbatched.  Each op says how to apply
it to operands of which some carry the batch axis in its :meth:`Op.batch`
method (mostly: shift the op's axes by one).  The ops that derivative rules
build have one (elementwise, dimshuffle, reductions, sums to a shape,
broadcasts, reshapes, products, indexing, joins, loops); an op without one is
batched by the general mechanism of ``at.vectorize_graph``
(:func:`arignote.tensor.vectorize_node.vectorize_node`: a ``Blockwise`` of
the op, which loops over the batch).  Where an op's rule refuses (a loop
whose stop depends on the batch) or nothing applies (operands that are not
tensors), :class:`NoBatchingRule` is raised, and ``jacobian`` then falls back
to building rows one by one.

The batched graph of a pullback is linear in the cotangent, so no node
multiplies two batched operands together; the product rules therefore
handle one batched operand and leave the other case to the fallback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from arignote.autodiff.grad import grad
from arignote.graph.basic import Variable
from arignote.graph.op import NoBatchingRule, Op
from arignote.graph.traversal import toposort
from arignote.tensor.alloc import eye
from arignote.tensor.batching import broadcast_batch
from arignote.tensor.shape import shape_i

__all__ = ["NoBatchingRule", "batched_pullback", "broadcast_batch", "vectorize_graph"]


def vectorize_graph(outputs: Sequence[Variable], replace: Mapping[Variable, Variable],
                    size: Variable) -> list[Variable]:
    """``outputs`` computed with each key of ``replace`` swapped for its value, which has an
    extra leading axis of length ``size``; every output gets that leading axis.

    Raises :class:`NoBatchingRule` (saying which op) when some node cannot be batched.
    """
    batched: dict[int, Variable] = {id(k): v for k, v in replace.items()}
    # values that do not vary along the batch but had to be rebuilt (the shape of a batched value)
    rebuilt: dict[int, Variable] = {}
    for node in toposort(outputs):
        flags = [id(i) in batched for i in node.inputs]
        if not any(flags):
            if any(id(i) in rebuilt for i in node.inputs):
                args = [rebuilt.get(id(i), i) for i in node.inputs]
                rebuilt.update(zip(map(id, node.outputs), node.op.make_node(*args).outputs))
            continue
        operands = [batched[id(i)] if f else rebuilt.get(id(i), i) for i, f in zip(node.inputs, flags)]
        new_outputs = _batch_node(node, operands, flags, size)
        for old, new in zip(node.outputs, new_outputs):
            if getattr(new.type, "ndim", None) == getattr(old.type, "ndim", None):  # also not tensors
                rebuilt[id(old)] = new
            elif new.ndim == old.type.ndim + 1:
                batched[id(old)] = new
            else:
                raise AssertionError(f"batching rule of {node.op} returned {new.type} for {old.type}")
    return [batched[id(o)] if id(o) in batched else broadcast_batch(rebuilt.get(id(o), o), size)
            for o in outputs]


def _batch_node(node: Any, operands: list[Variable], flags: list[bool], size: Variable) -> Any:
    """The op's batching rule when it has one (its :class:`NoBatchingRule` stands), else the
    general mechanism of ``at.vectorize_graph``
    (:func:`~arignote.tensor.vectorize_node.vectorize_node`: a ``Blockwise`` of the op,
    looping over the batch); :class:`NoBatchingRule` when that fails too (an op with operands
    that are not tensors)."""
    if type(node.op).batch is not Op.batch:
        # the op has a rule: its refusal stands (a loop whose stop depends on the batch would
        # give rows of different lengths, which no Blockwise can hold)
        return node.op.batch(node, operands, flags, size)
    from arignote.tensor.vectorize_node import vectorize_node

    try:
        return vectorize_node(node, *operands)
    except NoBatchingRule:
        return node.op.batch(node, operands, flags, size)  # raises, naming the op


def batched_pullback(flat: Variable, wrt: list[Variable], consider_constant: Any = None,
                     disconnected_inputs: str = "raise") -> list[Variable]:
    """The Jacobian rows of the vector ``flat`` with respect to each of ``wrt``, from one
    batched pullback.  Raises :class:`NoBatchingRule` (its message says which op) when some
    node of the pullback cannot be batched."""
    u = flat.type.make_variable("u")
    rows = grad(None, wrt, consider_constant=consider_constant, disconnected_inputs=disconnected_inputs,
                known_grads={flat: u}, add_names=False)
    size = shape_i(flat, 0)
    return vectorize_graph(rows, {u: eye(size, dtype=flat.type.dtype)}, size)
