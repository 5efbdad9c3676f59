"""The C backend's step for ``Assume``: its input, unchanged (a Python step returning it)."""

from __future__ import annotations

from arignote.backend.c.node_lowering import LoweringContext, StepPlan, c_lowering, python_step
from arignote.graph.basic import Apply
from arignote.tensor.linalg.assumptions import Assume


@c_lowering(Assume)
def _assume(node: Apply, context: LoweringContext) -> StepPlan:
    """An annotation for the rewrites: at run time the input itself (a view, no copy)."""
    return python_step(node)
