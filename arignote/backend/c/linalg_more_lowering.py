"""More linear-algebra ops in the C backend: the matrix equations of control theory, the
Schur and QZ decompositions, least squares and the generalized symmetric eigenproblem.

Each runs its NumPy/SciPy implementation as one step of the program, as the ops of
``linalg_lowering`` do: the work is a few LAPACK calls that SciPy already runs in compiled
code (Bartels–Stewart, QZ, an SVD), so generated C would save only the Python call around
them.  (QR's ``"raw"`` mode is the ``QR`` op, registered there.)
"""

from __future__ import annotations

from arignote.backend.c.node_lowering import LoweringContext, StepPlan, c_lowering, python_step
from arignote.graph.basic import Apply
from arignote.tensor.linalg.control import (
    SolveContinuousLyapunov,
    SolveDiscreteARE,
    SolveDiscreteLyapunov,
    SolveSylvester,
)
from arignote.tensor.linalg.eigen import GeneralizedEigh, GeneralizedEigvalsh
from arignote.tensor.linalg.lstsq import Lstsq
from arignote.tensor.linalg.schur import QZ, Schur

#: ops whose step is their NumPy implementation
SCIPY_CALLS = (GeneralizedEigh, GeneralizedEigvalsh, Lstsq, QZ, Schur, SolveContinuousLyapunov,
               SolveDiscreteARE, SolveDiscreteLyapunov, SolveSylvester)


@c_lowering(*SCIPY_CALLS)
def runs_scipy(node: Apply, context: LoweringContext) -> StepPlan:
    """The node's NumPy/SciPy implementation, as a Python step of the program."""
    return python_step(node)
