"""``Blockwise`` in the C backend: its NumPy loop, as a Python step, on purpose.

A Blockwise node runs its core op once per batch index
(:mod:`arignote.tensor.blockwise_perform`); the core ops lifted this way
(factorizations, solves) are single calls of compiled LAPACK/NumPy routines,
so the Python loop around them costs a few microseconds per index, next to
the work of each call.  Registering the op here records that decision for
``tests/test_registry_coverage.py``; a core op with C code of its own would
get a batched C loop as its own lowering.
"""

from __future__ import annotations

from arignote.backend.c.node_lowering import LoweringContext, StepPlan, c_lowering, python_step
from arignote.graph.basic import Apply
from arignote.tensor.blockwise import Blockwise


@c_lowering(Blockwise)
def runs_blockwise_loop(node: Apply, context: LoweringContext) -> StepPlan:
    """The node's loop over the batch calling the core op's NumPy implementation."""
    return python_step(node)
