"""at.vecdot, at.matvec and at.vecmat against NumPy 2: values, broadcast batches, complex
conjugation, dtype, errors and derivatives."""

import numpy as np
import pytest

import arignote.tensor as at
from tests.tensor.linalg.helpers import FLOATS, check_grad, close, run


@pytest.mark.parametrize("dtype", FLOATS)
def test_values_and_broadcasting(rng, dtype):
    a = rng.normal(size=(2, 3, 4)).astype(dtype)
    v4, v3 = rng.normal(size=4).astype(dtype), rng.normal(size=(5, 1, 3)).astype(dtype)
    got = run(at.matvec, a, v4)
    assert got.dtype == dtype
    close(got, np.einsum("...ij,...j->...i", a, v4), dtype, scale=10)
    close(run(at.vecmat, v3, a, static=True), np.einsum("...i,...ij->...j", v3, a), dtype, scale=10)
    close(run(at.vecdot, a, v4), np.sum(a * v4, axis=-1), dtype, scale=10)
    close(run(at.vecdot, v4, v4), np.dot(v4, v4), dtype, scale=10)


def test_complex_conjugates_the_vector(rng):
    x = rng.normal(size=(3, 2)) + 1j * rng.normal(size=(3, 2))
    y = rng.normal(size=(3, 2)) + 1j * rng.normal(size=(3, 2))
    m = rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2))
    close(run(at.vecdot, x, y), np.sum(np.conj(x) * y, axis=-1), "float64", scale=10)
    close(run(at.vecmat, x, m), np.einsum("...i,ij->...j", np.conj(x), m), "float64", scale=10)
    close(run(at.matvec, m, x), np.einsum("ij,...j->...i", m, x), "float64", scale=10)


def test_dtype_and_errors():
    x = at.vector(dtype="float64")
    assert at.vecdot(x, x, dtype="float32").dtype == "float32"
    with pytest.raises(ValueError, match="at least two"):
        at.matvec(at.vector(), at.vector())
    with pytest.raises(ValueError, match="at least two"):
        at.vecmat(at.vector(), at.vector())
    with pytest.raises(ValueError, match="at least one"):
        at.vecdot(at.scalar(), at.vector())


def test_gradients(rng):
    a, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 4))
    check_grad(at.matvec, [a, v], rng)
    check_grad(at.vecmat, [rng.normal(size=(2, 3)), a], rng)
    check_grad(at.vecdot, [v, rng.normal(size=(2, 4))], rng)
