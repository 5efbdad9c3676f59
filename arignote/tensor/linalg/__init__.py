"""Linear algebra: ``at.linalg`` (PyTensor's ``pytensor.tensor.linalg``).

Factorisations (``cholesky``, ``lu``, ``lu_factor``, ``eigh``, ``eigvalsh``), linear systems
(``solve``, ``solve_triangular``, ``cho_solve``, ``lu_solve``), inverses and determinants
(``inv``, ``pinv``, ``det``, ``slogdet``) and ``kron``, with PyTensor's names and
signatures and SciPy's semantics.  Each op works on one matrix and is applied to stacks of
matrices through ``blockwise``; the modules by concern:

- ``decompositions``: Cholesky and LU; ``pivots``: LAPACK's pivots as permutations;
- ``eigen``: eigendecompositions of symmetric matrices;
- ``solves``: linear systems;
- ``inverses``: inverses and determinants;
- ``products``: the Kronecker product;
- ``common``: the dtype rules and helpers they share.
"""

from arignote.tensor.linalg.common import linalg_output_dtype, linalg_real_output_dtype
from arignote.tensor.linalg.decompositions import LU, Cholesky, LUFactor, cholesky, lu, lu_factor
from arignote.tensor.linalg.eigen import Eigh, Eigvalsh, eigh, eigvalsh
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
from arignote.tensor.linalg.pivots import PivotToPermutations, pivot_to_permutation
from arignote.tensor.linalg.products import kron, matrix_dot, trace
from arignote.tensor.linalg.solves import (
    CholeskySolve,
    Solve,
    SolveTriangular,
    cho_solve,
    lu_solve,
    solve,
    solve_triangular,
)
from arignote.tensor.linalg.solves import _SolveBase as SolveBase

__all__ = [
    "cho_solve", "cholesky", "det", "eigh", "eigvalsh", "inv", "kron", "lu", "lu_factor", "lu_solve",
    "matrix_dot", "pinv", "pivot_to_permutation", "slogdet", "solve", "solve_triangular", "trace",
]
