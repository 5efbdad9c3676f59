"""Rules for ``Blockwise`` nodes (canonicalize).

A Blockwise runs its core op once per batch index.  Two cases need no loop:
a node whose inputs have no batch dims is its core op, and a core op whose
NumPy-style form already broadcasts over leading dims (an elementwise op, a
reduction, a dimshuffle, ``dot`` as ``matmul``, a diagonal, basic indexing:
the rules of :data:`arignote.tensor.vectorize_node.vectorizers`) becomes
that form, one call over the whole batch.  A user's ``blockwise`` of such an
op, and the vectorized graphs of derivatives, end up without a loop.
"""

from __future__ import annotations

from arignote.graph.basic import Apply, Variable
from arignote.rewrite import canonicalize
from arignote.rewrite.phases import FAST_COMPILE
from arignote.rewrite.toolkit import keep_static_shape
from arignote.tensor.blockwise import Blockwise, fixed_length
from arignote.tensor.vectorize_node import vectorizers


def _with_fixed_lengths(node: Apply, outputs: list[Variable]) -> list[Variable]:
    """``outputs`` (replacing ``node``'s), keeping the output lengths that the signature fixes:
    only the Blockwise knows them (the core op's type may not), and a shape read from them
    must not run the core op.  (A length named after an input's dim is one the core op
    derives from that same input: nothing to keep.)"""
    if not any(fixed_length(name) is not None for dims in node.op.dims[1] for name in dims):
        return outputs
    return [keep_static_shape(new, old) for new, old in zip(outputs, node.outputs)]


@canonicalize.rule(Blockwise, tags=[FAST_COMPILE])
def remove_unbatched_blockwise(node: Apply) -> list[Variable] | None:
    """Blockwise(op)(x, y) -> op(x, y) when no input has batch dims."""
    op = node.op
    if any(op.batch_ndims(node.inputs)):
        return None
    return _with_fixed_lengths(node, list(op.core_op.make_node(*node.inputs).outputs))


@canonicalize.rule(Blockwise, tags=[FAST_COMPILE])
def blockwise_to_batched_form(node: Apply) -> list[Variable] | None:
    """Blockwise(Dot)(a, b) -> matmul(a, b), Blockwise(Sum{axis=0})(x) -> Sum{axis=-1}(x), ...:
    the core op's own batched form, where it has one."""
    op = node.op
    rule = vectorizers.lookup(type(op.core_op))
    batch_ndims = op.batch_ndims(node.inputs)
    if rule is None or not any(batch_ndims):
        return None
    outputs = rule(op.core_node(node.inputs), list(node.inputs), batch_ndims)
    return None if outputs is None else _with_fixed_lengths(node, list(outputs))
