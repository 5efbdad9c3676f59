"""The second slice's names in at.linalg and PyTensor's module names."""

import importlib

import pytest

import arignote.tensor as at

PUBLIC = ["block_diag", "eig", "eigvals", "expm", "matrix_power", "norm", "qr", "svd", "tensorinv",
          "tensorsolve"]


def test_at_linalg_names():
    for name in PUBLIC:
        assert callable(getattr(at.linalg, name)), name
    assert set(PUBLIC) <= set(at.linalg.__all__)
    for name in ("matvec", "vecmat", "vecdot"):
        assert callable(getattr(at, name)), name


@pytest.mark.parametrize("module, names", [
    ("arignote.tensor.slinalg", ["block_diag", "expm", "Expm"]),
    ("arignote.tensor.nlinalg", ["svd", "SVD", "qr", "QR", "eig", "Eig", "eigvals", "Eigvals", "norm",
                                 "matrix_power", "tensorinv", "tensorsolve"]),
])
def test_pytensor_module_names(module, names):
    mod = importlib.import_module(module)
    for name in names:
        assert getattr(mod, name) is getattr(at.linalg, name), name
        assert name in mod.__all__
