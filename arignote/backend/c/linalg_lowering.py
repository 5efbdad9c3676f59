"""Linear-algebra ops in the C backend: each runs its NumPy/SciPy implementation as one step.

Each of these is one call of a LAPACK routine that SciPy or NumPy already runs in compiled
code; the step adds only a Python call around it (a few microseconds, which matters for
small matrices alone).  Calling LAPACK from the runtime directly, through SciPy's Cython
LAPACK as the BLAS products do, is the next step for the hot ones (cholesky, the solves,
det/slogdet): issue 14, item 4.
"""

from __future__ import annotations

from arignote.backend.c.node_lowering import LoweringContext, StepPlan, c_lowering, python_step
from arignote.graph.basic import Apply
from arignote.tensor.linalg.decompositions import LU, Cholesky, LUFactor
from arignote.tensor.linalg.eigen import Eigh, Eigvalsh
from arignote.tensor.linalg.factorizations import QR
from arignote.tensor.linalg.functions import Expm
from arignote.tensor.linalg.inverses import Det, MatrixInverse, MatrixPinv, SLogDet
from arignote.tensor.linalg.pivots import PivotToPermutations
from arignote.tensor.linalg.solves import CholeskySolve, Solve, SolveTriangular
from arignote.tensor.linalg.spectral import SVD, Eig, Eigvals

#: one LAPACK call each (the pivots' permutation: a loop as long as the matrix; expm: SciPy's
#: Padé approximation, a few products and one solve)
LAPACK_CALLS = (Cholesky, CholeskySolve, Det, Eig, Eigh, Eigvals, Eigvalsh, Expm, LU, LUFactor,
                MatrixInverse, MatrixPinv, PivotToPermutations, QR, SLogDet, Solve, SolveTriangular,
                SVD)


@c_lowering(*LAPACK_CALLS)
def runs_lapack(node: Apply, context: LoweringContext) -> StepPlan:
    """The node's NumPy/SciPy implementation, as a Python step of the program."""
    return python_step(node)
