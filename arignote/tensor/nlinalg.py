"""``pytensor.tensor.nlinalg``'s names (the ``numpy.linalg`` side), for programs that import
them from there: ``from arignote.tensor.nlinalg import det, matrix_inverse``.

They live in :mod:`arignote.tensor.linalg`.  PyTensor 3 keeps this module as a deprecated
alias that warns; arignote keeps it without a warning.
"""

from arignote.tensor.linalg import (
    Det,
    Eigh,
    MatrixInverse,
    MatrixPinv,
    SLogDet,
    det,
    eigh,
    inv,
    kron,
    matrix_dot,
    matrix_inverse,
    pinv,
    slogdet,
    trace,
)

__all__ = ["Det", "Eigh", "MatrixInverse", "MatrixPinv", "SLogDet", "det", "eigh", "inv", "kron",
           "matrix_dot", "matrix_inverse", "pinv", "slogdet", "trace"]
