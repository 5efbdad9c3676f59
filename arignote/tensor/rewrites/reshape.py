"""Reshapes in canonical form (the ``canonicalize`` phase).

``reshape(reshape(x, s1), s2) -> reshape(x, s2)``: a reshape reads its input
in C order whatever its shape, so only the last target matters.  (That a
reshape to the input's own shape disappears is in ``shape_noops``.)
"""

from __future__ import annotations

from arignote.graph.basic import Apply, Variable
from arignote.rewrite import canonicalize
from arignote.rewrite.phases import FAST_COMPILE
from arignote.tensor.shape import Reshape


@canonicalize.rule(Reshape, tags=[FAST_COMPILE])
def reshape_of_reshape(node: Apply) -> Variable | None:
    """reshape(reshape(x, s1), s2) -> reshape(x, s2)."""
    inner = node.inputs[0].owner
    if inner is None or not isinstance(inner.op, Reshape):
        return None
    return node.op.make_node(inner.inputs[0], node.inputs[1]).outputs[0]
