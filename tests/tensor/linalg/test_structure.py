"""block_diag, tensorinv and tensorsolve against SciPy/NumPy: values, batches, dtypes, errors
and derivatives (from the ops they are built of)."""

import numpy as np
import pytest
import scipy.linalg

import arignote.tensor as at
from arignote.tensor.linalg import block_diag, tensorinv, tensorsolve
from tests.tensor.linalg.helpers import FLOATS, check_grad, close, run


@pytest.mark.parametrize("dtype", FLOATS)
def test_block_diag(rng, dtype):
    mats = [rng.normal(size=s).astype(dtype) for s in [(2, 3), (3, 1), (1, 1)]]
    got = run(block_diag, *mats)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, scipy.linalg.block_diag(*mats))
    np.testing.assert_array_equal(run(block_diag, mats[0]), mats[0])


def test_block_diag_batched_dtypes_and_errors(rng):
    a, b = rng.normal(size=(4, 2, 2)), rng.normal(size=(3, 1))
    got = run(block_diag, a, b)
    assert got.shape == (4, 5, 3)
    for i in range(4):
        np.testing.assert_array_equal(got[i], scipy.linalg.block_diag(a[i], b))
    ints = [np.arange(4).reshape(2, 2), np.ones((1, 1), dtype="int32")]
    got = run(block_diag, *ints)
    assert got.dtype == "int64"
    np.testing.assert_array_equal(got, scipy.linalg.block_diag(*ints))
    assert block_diag(at.matrix(dtype="float32"), at.matrix(dtype="float64")).dtype == "float64"
    with pytest.raises(ValueError, match="at least one"):
        block_diag()
    with pytest.raises(TypeError, match="at least 2"):
        block_diag(at.matrix(), at.vector())


def test_block_diag_gradient(rng):
    check_grad(block_diag, [rng.normal(size=(2, 3)), rng.normal(size=(2, 2))], rng)
    check_grad(block_diag, [rng.normal(size=(2, 2, 1)), rng.normal(size=(2, 2))], rng)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape, ind", [((6, 2, 3), 1), ((2, 3, 6), 2), ((2, 2, 2, 2), 2)])
def test_tensorinv(rng, dtype, shape, ind):
    a = (rng.normal(size=shape) + 0).astype(dtype)
    n = int(np.prod(shape[:ind]))
    a = (a.reshape(n, -1) + n * np.eye(n)).reshape(shape).astype(dtype)
    got = run(lambda x: tensorinv(x, ind), a)
    assert got.dtype == dtype
    expected = np.linalg.tensorinv(a.astype("float64"), ind)
    close(got, expected, dtype, [a.reshape(n, n)])


def test_tensorinv_errors_and_gradient(rng):
    with pytest.raises(ValueError, match="ind"):
        tensorinv(at.tensor3(), 0)
    with pytest.raises(ValueError, match="ind"):
        tensorinv(at.matrix(), 2)
    a = (rng.normal(size=(4, 4)) + 4 * np.eye(4)).reshape(4, 2, 2)
    check_grad(lambda x: tensorinv(x, 1), [a], rng)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("axes", [None, (0,)])
def test_tensorsolve(rng, dtype, axes):
    a = (rng.normal(size=(6, 6)) + 6 * np.eye(6)).reshape(2, 3, 6).astype(dtype)
    if axes is not None:
        a = np.ascontiguousarray(np.moveaxis(a, 2, 0))  # (6, 2, 3): axis 0 is x's
    b = rng.normal(size=(2, 3)).astype(dtype)
    got = run(lambda x, y: tensorsolve(x, y, axes), a, b)
    assert got.dtype == dtype
    expected = np.linalg.tensorsolve(a.astype("float64"), b.astype("float64"), axes)
    close(got, expected, dtype, [np.eye(6) * 10])


def test_tensorsolve_errors_and_gradient(rng):
    with pytest.raises(ValueError, match="more dimensions"):
        tensorsolve(at.matrix(), at.matrix())
    a = (rng.normal(size=(4, 4)) + 4 * np.eye(4)).reshape(2, 2, 4)
    check_grad(tensorsolve, [a, rng.normal(size=(2, 2))], rng)
