"""Rules on ``ifelse``: a choice known when compiling is made then.

- ``ifelse(True, a, b) -> a`` and ``ifelse(False, a, b) -> b`` (a constant condition);
- ``ifelse(c, a, a) -> a`` (both branches the same value).

Which work runs lazily is decided before linking (arignote/backend/branches.py), not here.
"""

from __future__ import annotations

import numpy as np

from arignote.graph.basic import Apply, Constant, Variable
from arignote.rewrite import canonicalize, keep_static_shape
from arignote.tensor.ifelse import IfElse

__all__ = ["ifelse_of_equal_branches", "ifelse_with_known_condition"]


@canonicalize.rule(IfElse)
def ifelse_with_known_condition(node: Apply) -> list[Variable] | None:
    """A constant condition chooses now: the branch's values replace the outputs."""
    cond = node.inputs[0]
    if not isinstance(cond, Constant):
        return None
    n = node.op.n_outs
    chosen = node.inputs[1:1 + n] if bool(np.asarray(cond.data)) else node.inputs[1 + n:]
    return [keep_static_shape(v, out) for v, out in zip(chosen, node.outputs)]


@canonicalize.rule(IfElse)
def ifelse_of_equal_branches(node: Apply) -> list[Variable] | None:
    """Branches giving the same values (one node, interned): no choice to make."""
    n = node.op.n_outs
    if any(t is not e for t, e in zip(node.inputs[1:1 + n], node.inputs[1 + n:])):
        return None
    return [keep_static_shape(v, out) for v, out in zip(node.inputs[1:1 + n], node.outputs)]
