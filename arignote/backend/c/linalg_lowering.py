"""Linear-algebra ops in the C backend.

The hot ones (``cholesky``, ``solve`` of a general or positive-definite matrix,
``solve_triangular``, ``cho_solve``, ``det``, ``slogdet``, the inverse from a Cholesky
factor) call LAPACK from the runtime
(``runtime/steps_lapack.c``, SciPy's Cython LAPACK found at run time as BLAS is), for one
matrix or for a stack of them (a ``Blockwise`` node: one C loop over the batch, no Python call
per matrix).  A stack of float64 vectors against one small triangular matrix (order up to 8,
broadcast over the batch) is solved by a plain loop in trsv's own order of operations,
several vectors side by side, rather than by a trsv call per vector.  Real float and
integer inputs only; the step falls back to the op's NumPy implementation for anything else,
and whenever a routine fails, so that errors and NaNs are the op's own.

The others are one call of a routine that NumPy or SciPy already runs in compiled code: they
run that implementation as a Python step (a few microseconds around the call).
"""

from __future__ import annotations

import numpy as np

from arignote.backend.c.blockwise_lowering import c_batched_lowering
from arignote.backend.c.node_lowering import LoweringContext, StepPlan, Unsupported, c_lowering, python_step
from arignote.graph.basic import Apply
from arignote.graph.op import Op
from arignote.tensor.blockwise import Blockwise
from arignote.tensor.linalg.decompositions import LU, Cholesky, LUFactor
from arignote.tensor.linalg.eigen import Eigh, Eigvalsh
from arignote.tensor.linalg.factor_inverses import CholeskyInverse
from arignote.tensor.linalg.factorizations import QR
from arignote.tensor.linalg.functions import Expm
from arignote.tensor.linalg.inverses import Det, MatrixInverse, MatrixPinv, SLogDet
from arignote.tensor.linalg.pivots import PivotToPermutations
from arignote.tensor.linalg.solves import CholeskySolve, Solve, SolveTriangular
from arignote.tensor.linalg.spectral import SVD, Eig, Eigvals

#: one LAPACK call each, run by NumPy/SciPy (the pivots' permutation: a loop as long as the
#: matrix; expm: SciPy's Padé approximation, a few products and one solve)
NUMPY_CALLS = (Eig, Eigh, Eigvals, Eigvalsh, Expm, LU, LUFactor, MatrixInverse, MatrixPinv,
               PivotToPermutations, QR, SVD)

#: the runtime's routine numbers (``enum ag_lapack`` in runtime/steps_lapack.c)
CHOLESKY, SOLVE_TRIANGULAR, SOLVE_GENERAL, SOLVE_POSITIVE, CHO_SOLVE, DET, SLOGDET, CHO_INVERSE = range(8)


@c_lowering(*NUMPY_CALLS)
def runs_numpy(node: Apply, context: LoweringContext) -> StepPlan:
    """The node's NumPy/SciPy implementation, as a Python step of the program."""
    return python_step(node)


def _routine(op: Op) -> tuple[int, int, int, int]:
    """(routine, lower, unit_diagonal, b_ndim) for a core op the runtime computes."""
    if isinstance(op, Cholesky):
        return CHOLESKY, int(op.lower), 0, 0
    if isinstance(op, SolveTriangular):
        return SOLVE_TRIANGULAR, int(op.lower), int(op.unit_diagonal), op.b_ndim
    if isinstance(op, CholeskySolve):
        return CHO_SOLVE, int(op.lower), 0, op.b_ndim
    if isinstance(op, Solve):
        routines = {"gen": SOLVE_GENERAL, "pos": SOLVE_POSITIVE}
        if op.assume_a not in routines:
            raise Unsupported(f"solve with assume_a={op.assume_a!r} runs on SciPy")
        return routines[op.assume_a], int(op.lower), 0, op.b_ndim
    if isinstance(op, Det):
        return DET, 0, 0, 0
    if isinstance(op, SLogDet):
        return SLOGDET, 0, 0, 0
    if isinstance(op, CholeskyInverse):
        return CHO_INVERSE, int(op.lower), 0, 0
    raise Unsupported(f"{op} has no LAPACK step")


def lapack_step(node: Apply, core: Op, batch_ndim: int) -> StepPlan:
    """The runtime's LAPACK step for ``node`` computing ``core`` over ``batch_ndim`` batch axes."""
    dtype = node.outputs[0].type.numpy_dtype
    if dtype not in (np.dtype("float32"), np.dtype("float64")):
        raise Unsupported(f"LAPACK steps compute in float32 and float64, not {dtype}")
    if any(o.type.numpy_dtype != dtype for o in node.outputs):
        raise Unsupported("outputs of different dtypes")
    if any(i.type.numpy_dtype.kind not in "biuf" for i in node.inputs):
        raise Unsupported("complex inputs run on SciPy")
    routine, lower, unit, b_ndim = _routine(core)
    # per input, per batch axis: may it stretch (static length 1)?  Other lengths must agree
    stretches = [int(length == 1) for i in node.inputs[:2] for length in i.type.shape[:batch_ndim]]
    params = ((routine, lower, unit, b_ndim, batch_ndim, *stretches), dtype, 0)
    return StepPlan("LAPACK", params, fallback=node.op.py_impl(node), label=str(node.op))


LAPACK_STEPS = (Cholesky, Solve, SolveTriangular, CholeskySolve, Det, SLogDet, CholeskyInverse)


@c_lowering(*LAPACK_STEPS)
def runs_lapack(node: Apply, context: LoweringContext) -> StepPlan:
    """One matrix: the runtime's LAPACK step."""
    return lapack_step(node, node.op, 0)


@c_batched_lowering(*LAPACK_STEPS)
def runs_lapack_batched(node: Apply, context: LoweringContext) -> StepPlan:
    """A stack of matrices: the runtime's LAPACK step, looping over the batch in C."""
    op = node.op
    assert isinstance(op, Blockwise)
    core_rank = 2  # the matrix of each of these ops is its first input
    return lapack_step(node, op.core_op, node.inputs[0].type.ndim - core_rank)
