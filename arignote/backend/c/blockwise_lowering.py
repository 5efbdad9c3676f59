"""``Blockwise`` in the C backend: a batched C step where the core op has one, else the NumPy
loop as a Python step.

A Blockwise node runs its core op once per batch index
(:mod:`arignote.tensor.blockwise_perform`).  Core ops whose C step loops over a batch itself
(the LAPACK steps of :mod:`arignote.backend.c.linalg_lowering`) register a *batched lowering*
here, keyed by the core op's type; the others (factorizations, solves that SciPy runs) are
single calls of compiled routines, so the Python loop around them costs a few microseconds per
index next to the work of each call.
"""

from __future__ import annotations

from collections.abc import Callable

from arignote.backend.c.node_lowering import (
    Lowering,
    LoweringContext,
    StepPlan,
    Unsupported,
    c_lowering,
    python_step,
)
from arignote.graph.basic import Apply
from arignote.graph.registry import Registry
from arignote.tensor.blockwise import Blockwise

#: core op type -> the lowering of a Blockwise node applying it (the node is the Blockwise one)
c_batched_lowerings: Registry[Lowering] = Registry("C batched lowering")


def c_batched_lowering(*core_types: type) -> Callable[[Lowering], Lowering]:
    """Decorator registering the C lowering of Blockwise nodes whose core op is of ``core_types``."""
    return c_batched_lowerings.register(*core_types)


@c_lowering(Blockwise)
def runs_blockwise_loop(node: Apply, context: LoweringContext) -> StepPlan:
    """The core op's batched C step, or the node's loop calling its NumPy implementation."""
    op = node.op
    assert isinstance(op, Blockwise)
    lowering = c_batched_lowerings.lookup(type(op.core_op))
    if lowering is not None and op.signature == getattr(op.core_op, "gufunc_signature", None):
        try:
            return lowering(node, context)
        except Unsupported as exc:
            return python_step(node, str(exc))
    return python_step(node)
