"""The tridiagonal LU ops (LAPACK's gttrf and gttrs, arignote/tensor/linalg/tridiagonal.py) in
the C backend: one Python step each running SciPy's routine, as the other LAPACK calls of
``linalg_lowering`` do."""

from __future__ import annotations

from arignote.backend.c.node_lowering import LoweringContext, StepPlan, c_lowering, python_step
from arignote.graph.basic import Apply
from arignote.tensor.linalg.tridiagonal import LUFactorTridiagonal, SolveLUFactorTridiagonal


@c_lowering(LUFactorTridiagonal, SolveLUFactorTridiagonal)
def runs_gttrf_gttrs(node: Apply, context: LoweringContext) -> StepPlan:
    """The node's SciPy implementation, as a Python step of the program."""
    return python_step(node)
