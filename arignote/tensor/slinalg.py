"""``pytensor.tensor.slinalg``'s names (the ``scipy.linalg`` side), for programs that import
them from there: ``from arignote.tensor.slinalg import cholesky, solve_triangular``.

They live in :mod:`arignote.tensor.linalg`.  PyTensor 3 keeps this module as a deprecated
alias that warns; arignote keeps it without a warning.
"""

from arignote.tensor.linalg import (
    LU,
    QR,
    QZ,
    BlockDiagonal,
    Cholesky,
    CholeskySolve,
    Eigvalsh,
    Expm,
    GeneralizedEigvalsh,
    LUFactor,
    PivotToPermutations,
    Schur,
    Solve,
    SolveBase,
    SolveContinuousLyapunov,
    SolveDiscreteARE,
    SolveDiscreteLyapunov,
    SolveSylvester,
    SolveTriangular,
    block_diag,
    cho_solve,
    cholesky,
    eigvalsh,
    expm,
    lu,
    lu_factor,
    lu_solve,
    ordqz,
    pivot_to_permutation,
    qr,
    qz,
    schur,
    solve,
    solve_continuous_lyapunov,
    solve_discrete_are,
    solve_discrete_lyapunov,
    solve_sylvester,
    solve_triangular,
)

__all__ = ["LU", "QR", "QZ", "BlockDiagonal", "Cholesky", "CholeskySolve", "Eigvalsh", "Expm",
           "GeneralizedEigvalsh", "LUFactor",
           "PivotToPermutations", "Schur", "Solve", "SolveBase", "SolveContinuousLyapunov",
           "SolveDiscreteARE", "SolveDiscreteLyapunov", "SolveSylvester", "SolveTriangular", "block_diag",
           "cho_solve", "cholesky", "eigvalsh", "expm", "lu", "lu_factor", "lu_solve", "ordqz",
           "pivot_to_permutation", "qr", "qz", "schur", "solve", "solve_continuous_lyapunov",
           "solve_discrete_are",
           "solve_discrete_lyapunov", "solve_sylvester", "solve_triangular"]
