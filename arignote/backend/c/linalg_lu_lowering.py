"""``LUSolve`` (LAPACK's getrs with a factor from ``lu_factor``) in the C backend: one Python
step running SciPy's ``lu_solve``, as the other LAPACK calls of ``linalg_lowering`` do."""

from __future__ import annotations

from arignote.backend.c.node_lowering import LoweringContext, StepPlan, c_lowering, python_step
from arignote.graph.basic import Apply
from arignote.tensor.linalg.solves import LUSolve


@c_lowering(LUSolve)
def runs_getrs(node: Apply, context: LoweringContext) -> StepPlan:
    """The node's SciPy implementation, as a Python step of the program."""
    return python_step(node)
