"""Random draws in the C backend: each runs its NumPy implementation as one step, on purpose.

A draw is a call of a ``numpy.random.Generator`` method on a copy of the generator; running
that very method is what makes a compiled function's numbers NumPy's, bit for bit, for the
same generator (``arignote.tensor.random.op``).  The arithmetic around a draw (``loc +
scale * z``) is fused into kernels as any elementwise graph is.
"""

from __future__ import annotations

from arignote.backend.c.node_lowering import LoweringContext, StepPlan, c_lowering, python_step
from arignote.graph.basic import Apply
from arignote.tensor.random.op import RandomVariable


@c_lowering(RandomVariable)
def draws_with_numpy(node: Apply, context: LoweringContext) -> StepPlan:
    """The draw by NumPy's Generator, as a Python step of the program."""
    return python_step(node)
