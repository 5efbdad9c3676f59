"""Linear algebra: ``at.linalg`` (PyTensor's ``pytensor.tensor.linalg``).

Factorisations (``cholesky``, ``lu``, ``lu_factor``, ``eigh``, ``eigvalsh``, ``svd``, ``eig``,
``qr``), linear systems (``solve``, ``solve_triangular``, ``cho_solve``, ``lu_solve``,
``tensorsolve``), inverses and determinants (``inv``, ``pinv``, ``tensorinv``, ``det``,
``slogdet``), functions of matrices (``expm``, ``matrix_power``, ``norm``) and ``kron``,
``block_diag``, with PyTensor's names and signatures and SciPy's (or NumPy's) semantics.
Each op works on one matrix and is applied to stacks of matrices through ``blockwise``; the
modules by concern:

- ``decompositions``: Cholesky and LU; ``pivots``: LAPACK's pivots as permutations;
- ``eigen``: eigendecompositions of symmetric matrices;
- ``solves``: linear systems;
- ``inverses``: inverses and determinants;
- ``products``: the Kronecker product (an op for two matrices);
- ``spectral``: SVD and ``eig`` of general matrices; ``factorizations``: QR;
- ``functions``: ``expm``, and ``matrix_power`` and ``norm`` built from the other ops;
- ``structure``: ``block_diag`` (an op), ``tensorinv``, ``tensorsolve`` (graphs of other ops);
- ``control``: Sylvester, Lyapunov and discrete Riccati equations; ``schur``: ``schur``,
  ``qz``, ``ordqz``; ``lstsq``: least squares;
- ``common``: the dtype rules and helpers they share;
- PyTensor's module paths (``constructors``, ``decomposition.*``, ``inverse``, ``solvers.*``)
  re-export these ops and functions under PyTensor's names.
"""

from arignote.tensor.linalg.assumptions import assume
from arignote.tensor.linalg.common import linalg_output_dtype, linalg_real_output_dtype
from arignote.tensor.linalg.control import (
    SolveContinuousLyapunov,
    SolveDiscreteARE,
    SolveDiscreteLyapunov,
    SolveSylvester,
    solve_continuous_lyapunov,
    solve_discrete_are,
    solve_discrete_lyapunov,
    solve_sylvester,
)
from arignote.tensor.linalg.decompositions import LU, Cholesky, LUFactor, cholesky, lu, lu_factor
from arignote.tensor.linalg.eigen import Eigh, Eigvalsh, GeneralizedEigh, GeneralizedEigvalsh, eigh, eigvalsh
from arignote.tensor.linalg.factorizations import QR, qr
from arignote.tensor.linalg.functions import Expm, expm, matrix_power, norm
from arignote.tensor.linalg.inverse import TensorInv
from arignote.tensor.linalg.inverses import (
    Det,
    MatrixInverse,
    MatrixPinv,
    SLogDet,
    det,
    inv,
    matrix_inverse,
    pinv,
    slogdet,
)
from arignote.tensor.linalg.lstsq import Lstsq, lstsq
from arignote.tensor.linalg.pivots import PivotToPermutations, pivot_to_permutation
from arignote.tensor.linalg.products import KroneckerProduct, kron, matrix_dot, trace
from arignote.tensor.linalg.schur import QZ, Schur, ordqz, qz, schur
from arignote.tensor.linalg.solves import (
    CholeskySolve,
    LUSolve,
    Solve,
    SolveTriangular,
    cho_solve,
    lu_solve,
    solve,
    solve_triangular,
)
from arignote.tensor.linalg.solves import _SolveBase as SolveBase
from arignote.tensor.linalg.spectral import SVD, Eig, Eigvals, eig, eigvals, svd
from arignote.tensor.linalg.structure import BlockDiagonal, block_diag, tensorinv, tensorsolve

__all__ = [
    "assume", "block_diag", "cho_solve", "cholesky", "det", "eig", "eigh", "eigvals", "eigvalsh",
    "expm", "inv", "kron", "lstsq", "lu", "lu_factor", "lu_solve", "matrix_dot", "matrix_power", "norm",
    "ordqz", "pinv", "pivot_to_permutation", "qr", "qz", "schur", "slogdet", "solve",
    "solve_continuous_lyapunov", "solve_discrete_are", "solve_discrete_lyapunov", "solve_sylvester",
    "solve_triangular", "svd", "tensorinv", "tensorsolve", "trace",
]

# tridiagonal LU (LAPACK's gttrf/gttrs): PyTensor's solvers.tridiagonal
from arignote.tensor.linalg.tridiagonal import (
    LUFactorTridiagonal,
    SolveLUFactorTridiagonal,
    tridiagonal_lu_factor,
    tridiagonal_lu_solve,
)

__all__ += ["tridiagonal_lu_factor", "tridiagonal_lu_solve"]
