"""``pytensor.tensor.nlinalg``'s names (the ``numpy.linalg`` side), for programs that import
them from there: ``from arignote.tensor.nlinalg import det, matrix_inverse``.

They live in :mod:`arignote.tensor.linalg`.  PyTensor 3 keeps this module as a deprecated
alias that warns; arignote keeps it without a warning.
"""

from arignote.tensor.linalg import (
    QR,
    SVD,
    Det,
    Eig,
    Eigh,
    Eigvals,
    KroneckerProduct,
    Lstsq,
    MatrixInverse,
    MatrixPinv,
    SLogDet,
    det,
    eig,
    eigh,
    eigvals,
    inv,
    kron,
    lstsq,
    matrix_dot,
    matrix_inverse,
    matrix_power,
    norm,
    pinv,
    qr,
    slogdet,
    svd,
    tensorinv,
    tensorsolve,
    trace,
)

__all__ = ["QR", "SVD", "Det", "Eig", "Eigh", "Eigvals", "KroneckerProduct", "Lstsq", "MatrixInverse",
           "MatrixPinv", "SLogDet",
           "det", "eig", "eigh", "eigvals", "inv", "kron", "lstsq", "matrix_dot", "matrix_inverse",
           "matrix_power", "norm", "pinv", "qr", "slogdet", "svd", "tensorinv", "tensorsolve", "trace"]
