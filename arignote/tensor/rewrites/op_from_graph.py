"""``OpFromGraph`` nodes are inlined: the graph they stand for replaces them, so the rules see
through them (arignote/tensor/op_from_graph.py)."""

from __future__ import annotations

from arignote.graph.basic import Apply, Variable
from arignote.rewrite import canonicalize, keep_static_shape
from arignote.tensor.op_from_graph import OpFromGraph

__all__ = ["inline_op_from_graph"]


@canonicalize.rule(OpFromGraph)
def inline_op_from_graph(node: Apply) -> list[Variable]:
    """``OpFromGraph(...)(a, b) -> its graph on a and b`` (the same values)."""
    inlined = node.op.inlined(node.inputs)
    return [keep_static_shape(new, old) for new, old in zip(inlined, node.outputs)]
