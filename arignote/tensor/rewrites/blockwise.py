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
from arignote.tensor.blockwise import Blockwise
from arignote.tensor.vectorize_node import vectorizers


@canonicalize.rule(Blockwise, tags=[FAST_COMPILE])
def remove_unbatched_blockwise(node: Apply) -> list[Variable] | None:
    """Blockwise(op)(x, y) -> op(x, y) when no input has batch dims."""
    op = node.op
    if any(op.batch_ndims(node.inputs)):
        return None
    return list(op.core_op.make_node(*node.inputs).outputs)


@canonicalize.rule(Blockwise, tags=[FAST_COMPILE])
def blockwise_to_batched_form(node: Apply) -> list[Variable] | None:
    """Blockwise(Dot)(a, b) -> matmul(a, b), Blockwise(Sum{axis=0})(x) -> Sum{axis=-1}(x), ...:
    the core op's own batched form, where it has one."""
    op = node.op
    rule = vectorizers.lookup(type(op.core_op))
    batch_ndims = op.batch_ndims(node.inputs)
    if rule is None or not any(batch_ndims):
        return None
    return rule(op.core_node(node.inputs), list(node.inputs), batch_ndims)
