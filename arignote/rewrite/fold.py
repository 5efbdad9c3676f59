"""Constant folding: a node whose inputs are all constants becomes constants."""

from __future__ import annotations

from typing import Any

import numpy as np

from arignote.config import config
from arignote.graph.basic import Apply, Constant, Variable
from arignote.rewrite.phases import FAST_COMPILE, canonicalize, specialize, stabilize
from arignote.rewrite.rule import make_rule
from arignote.tensor.basic import constant


def fold_node(node: Apply) -> list[Variable] | None:
    """The node's outputs as constants, if its inputs are all constants.

    Results larger than ``config.max_folded_constant_size`` elements stay
    symbolic, so folding never bloats a graph with big arrays; ops with
    ``foldable = False`` (random draws, say) are never evaluated.
    """
    if not getattr(node.op, "foldable", True):
        return None
    if not all(isinstance(v, Constant) for v in node.inputs):
        return None
    values = _evaluate(node, [v.data for v in node.inputs])
    if values is None:
        return None
    if len(node.outputs) == 1:
        values = (values,)
    arrays = [np.asarray(v) for v in values]
    if any(a.size > config.max_folded_constant_size for a in arrays):
        return None
    return [constant(a.astype(out.type.dtype, copy=False)) for a, out in zip(arrays, node.outputs)]


def _evaluate(node: Apply, values: list[Any]) -> Any:
    """Run ``node`` at compile time, or None when it fails.

    A failure is left for run time, where it raises naming the op and the
    user line like any other: a graph is not refused for a value it may never
    compute.
    """
    try:
        return node.op.py_impl(node)(*values)
    except Exception:
        return None


def constant_folding(node: Apply) -> list[Variable] | None:
    """Evaluate nodes whose inputs are all constants (bounded in size)."""
    if not all(isinstance(v, Constant) for v in node.inputs):  # the cheap test first
        return None
    return fold_node(node)


# Later phases create constant subgraphs too, so folding runs in each of them.
for _phase in (canonicalize, stabilize, specialize):
    _phase.add(make_rule(constant_folding, None, "constant_folding"), tags=[FAST_COMPILE])
