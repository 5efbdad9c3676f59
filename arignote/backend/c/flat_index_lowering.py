"""``unravel_index`` and ``ravel_multi_index`` in the C backend: one call of NumPy's routine
each (compiled code already, with NumPy's bounds checks and messages)."""

from __future__ import annotations

from arignote.backend.c.node_lowering import LoweringContext, StepPlan, c_lowering, python_step
from arignote.graph.basic import Apply
from arignote.tensor.flat_index import RavelMultiIndex, UnravelIndex


@c_lowering(RavelMultiIndex, UnravelIndex)
def flat_index_numpy(node: Apply, context: LoweringContext) -> StepPlan:
    """The node's NumPy implementation, as a Python step of the program."""
    return python_step(node)
