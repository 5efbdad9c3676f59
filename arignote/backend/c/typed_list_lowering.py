"""Typed-list ops run as Python steps of the C backend, on purpose.

A list value is a Python list of arrays: each op is a few list operations of the
interpreter (a copy, an append, a comparison per item), which C calling the same C-API
functions would not make faster.
"""

from __future__ import annotations

from arignote.backend.c.node_lowering import LoweringContext, StepPlan, c_lowering, python_step
from arignote.graph.basic import Apply
from arignote.typed_list import LIST_OPS


@c_lowering(*LIST_OPS)
def runs_python_lists(node: Apply, context: LoweringContext) -> StepPlan:
    """The node's Python implementation, as a Python step of the program."""
    return python_step(node)
