"""Clean-ups for the forms that derivative rules build (the ``canonicalize`` phase).

A derivative rule must return an array of its input's exact shape, so rules
broadcast (``broadcast_to(g, x.shape)``) and sum back (`SumTo`) where
shapes might differ.  Most of that is visibly unnecessary once the graph
is seen whole:

- ``sum_to(g, s) -> g`` when ``g`` provably has the shape ``s`` already;
- ``f(broadcast_to(a, s), b) -> f(a, b)`` (also through ``alloc``) when the
  elementwise result provably keeps its shape without the broadcast:
  broadcasting does the same work for free;
- the gradient identities (``zero_grad``, ``disconnected_grad``,
  ``grad_clip``, ``grad_scale``) are the identity on values: they go.

"Provably" is by symbolic shapes (:mod:`arignote.tensor.shape_inference`):
the same symbolic length, or equal constants.
"""

from __future__ import annotations

from arignote.autodiff.gradient_ops import GradientOp
from arignote.graph.basic import Apply, Variable
from arignote.rewrite import canonicalize
from arignote.rewrite.phases import FAST_COMPILE
from arignote.tensor.alloc import Alloc, BroadcastTo
from arignote.tensor.elemwise import Elemwise
from arignote.tensor.shape_inference import same_dim, shape_of, vector_entries
from arignote.tensor.sum_to import SumTo, same_shape


@canonicalize.rule(GradientOp, tags=[FAST_COMPILE])
def remove_gradient_identities(node: Apply) -> Variable | None:
    """zero_grad(x), disconnected_grad(x), grad_clip(x, ...), grad_scale(x, ...) -> x."""
    return node.inputs[0]


@canonicalize.rule(SumTo, tags=[FAST_COMPILE])
def remove_sum_to_own_shape(node: Apply) -> Variable | None:
    """sum_to(g, s) -> g when g's shape is provably s (nothing to sum)."""
    g, target = node.inputs
    if g.type.ndim != node.op.ndim:  # type: ignore[attr-defined]
        return None
    entries = vector_entries(target, node.op.ndim)
    if all(same_dim(a, b) for a, b in zip(entries, shape_of(g))):
        return g
    return None


@canonicalize.rule(Elemwise, tags=[FAST_COMPILE])
def drop_broadcast_into_elemwise(node: Apply) -> Variable | list[Variable] | None:
    """f(broadcast_to(a, s), b) -> f(a, b) when the result keeps its shape: the elementwise op
    broadcasts ``a`` itself."""
    positions = [k for k, v in enumerate(node.inputs)
                 if v.owner is not None and isinstance(v.owner.op, (BroadcastTo, Alloc))]
    if not positions:
        return None
    args = list(node.inputs)
    changed = False
    for k in positions:
        trial = args[:k] + [args[k].owner.inputs[0]] + args[k + 1:]  # type: ignore[union-attr]
        outputs = node.op.make_node(*trial).outputs
        if all(o.type.dtype == old.type.dtype and same_shape(o, old)  # type: ignore[attr-defined]
               for o, old in zip(outputs, node.outputs)):
            args = trial
            changed = True
    if not changed:
        return None
    outputs = list(node.op.make_node(*args).outputs)
    return outputs[0] if len(outputs) == 1 else outputs
