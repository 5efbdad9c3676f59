"""``pytensor.tensor.slinalg``'s names (the ``scipy.linalg`` side), for programs that import
them from there: ``from arignote.tensor.slinalg import cholesky, solve_triangular``.

They live in :mod:`arignote.tensor.linalg`.  PyTensor 3 keeps this module as a deprecated
alias that warns; arignote keeps it without a warning.
"""

from arignote.tensor.linalg import (
    LU,
    Cholesky,
    CholeskySolve,
    Eigvalsh,
    Expm,
    LUFactor,
    PivotToPermutations,
    Solve,
    SolveBase,
    SolveTriangular,
    block_diag,
    cho_solve,
    cholesky,
    eigvalsh,
    expm,
    lu,
    lu_factor,
    lu_solve,
    pivot_to_permutation,
    solve,
    solve_triangular,
)

__all__ = ["LU", "Cholesky", "CholeskySolve", "Eigvalsh", "Expm", "LUFactor", "PivotToPermutations", "Solve",
           "SolveBase", "SolveTriangular", "block_diag", "cho_solve", "cholesky", "eigvalsh", "expm", "lu",
           "lu_factor", "lu_solve", "pivot_to_permutation", "solve", "solve_triangular"]
