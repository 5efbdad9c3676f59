"""cholesky: values against NumPy/SciPy, the triangle read, failures, derivatives, shapes."""

import pickle

import numpy as np
import pytest
import scipy.linalg

import arignote
import arignote.tensor as at
from arignote.gradient import jacobian
from arignote.tensor.linalg import Cholesky, cholesky
from tests.tensor.linalg.helpers import FLOATS, batched, check_grad, close, numeric_rop, run, spd

NOT_PD = np.array([[1.0, 0.2], [0.2, -2.0]])


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("lower", [True, False])
def test_values(rng, dtype, lower):
    a = spd(rng, 5, dtype)
    got = run(lambda x: cholesky(x, lower=lower), a)
    assert got.dtype == dtype
    close(got, scipy.linalg.cholesky(a.astype("float64"), lower=lower), dtype, [a])
    assert np.all((np.triu(got, 1) if lower else np.tril(got, -1)) == 0)


def test_reads_one_triangle(rng):
    a = spd(rng, 4)
    noisy_upper = np.tril(a) + np.triu(rng.normal(size=(4, 4)), 1)
    noisy_lower = np.triu(a) + np.tril(rng.normal(size=(4, 4)), -1)
    close(run(cholesky, noisy_upper), np.linalg.cholesky(a), "float64", [a])
    close(run(lambda x: cholesky(x, lower=False), noisy_lower), scipy.linalg.cholesky(a), "float64", [a])


@pytest.mark.parametrize("dtype, expected", [("int64", "float64"), ("int32", "float64"),
                                             ("int16", "float32"), ("uint8", "float32"),
                                             ("bool", "float32"), ("float32", "float32")])
def test_dtypes(dtype, expected):
    x = at.matrix("x", dtype=dtype)
    assert cholesky(x).dtype == expected
    value = np.eye(3, dtype=dtype) * (2 if dtype != "bool" else 1)
    got = arignote.function([x], cholesky(x))(value)
    assert got.dtype == expected
    np.testing.assert_allclose(got, np.linalg.cholesky(value.astype("float64")), rtol=1e-6)


def test_not_positive_definite_nan_or_raise():
    x = at.matrix("x")
    assert np.all(np.isnan(arignote.function([x], cholesky(x, on_error="nan"))(NOT_PD)))
    assert np.all(np.isnan(arignote.function([x], cholesky(x))(NOT_PD)))  # PyTensor's default
    f = arignote.function([x], cholesky(x, on_error="raise"))
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        f(NOT_PD)
    np.testing.assert_allclose(f(np.eye(2) * 4), np.eye(2) * 2)


def test_gradient_of_a_failed_factor_is_nan():
    x = at.matrix("x")
    g = arignote.function([x], arignote.grad(cholesky(x).sum(), x))(NOT_PD)
    assert np.all(np.isnan(np.tril(g)[np.tril_indices(2)]))  # the triangle read
    assert np.all(np.triu(g, 1) == 0)                          # the one not read


def test_empty():
    got = run(cholesky, np.empty((0, 0)))
    assert got.shape == (0, 0) and got.dtype == "float64"


def test_errors():
    with pytest.raises(TypeError, match="at least 2 dimensions"):
        cholesky(at.vector("v"))
    with pytest.raises(TypeError, match="must be a matrix"):
        Cholesky()(at.tensor3("t"))
    with pytest.raises(ValueError, match="square"):
        cholesky(at.matrix("x", shape=(2, 3)))
    with pytest.raises(ValueError, match="on_error"):
        cholesky(at.matrix("x"), on_error="ignore")
    x = at.matrix("x")
    with pytest.raises(ValueError, match="square"):
        arignote.function([x], cholesky(x))(np.ones((2, 3)))


def test_op_identity_and_pickling():
    assert Cholesky() == Cholesky(lower=True, on_error="nan")
    assert hash(Cholesky(lower=False)) == hash(Cholesky(lower=False))
    assert Cholesky(lower=False) != Cholesky()
    for op in (Cholesky(), Cholesky(lower=False, on_error="raise")):
        assert pickle.loads(pickle.dumps(op)) == op
    x = at.matrix("x")
    out = cholesky(x)
    assert cholesky(x) is out  # interned
    again = pickle.loads(pickle.dumps(out))
    assert again.owner.op == out.owner.op
    assert Cholesky().gufunc_signature == "(m,m)->(m,m)"


def test_shape_inference():
    x = at.matrix("x")
    f = arignote.function([x], cholesky(x).shape)
    np.testing.assert_array_equal(f(np.eye(3)), [3, 3])
    assert cholesky(at.matrix("y", shape=(4, None))).type.shape == (4, 4)


@pytest.mark.parametrize("lower", [True, False])
def test_gradient(rng, lower):
    # the factor of an SPD matrix built in the graph, and of the matrix itself: the
    # triangle not read gets no gradient, which finite differences confirm
    check_grad(lambda r: cholesky(r @ r.T + 4 * at.eye(4), lower=lower), [rng.normal(size=(4, 4))], rng)
    check_grad(lambda a: cholesky(a, lower=lower), [spd(rng, 4) + 0.3 * rng.normal(size=(4, 4))], rng)


def test_gradient_float32(rng):
    check_grad(cholesky, [spd(rng, 3, "float32")], rng)


@pytest.mark.parametrize("lower", [True, False])
def test_forward_mode(rng, lower):
    numeric_rop(lambda a: cholesky(a, lower=lower), [spd(rng, 4) + 0.3 * rng.normal(size=(4, 4))], rng)


def test_jacobian(rng):
    a = spd(rng, 3)
    x = at.matrix("x")
    J = arignote.function([x], jacobian(cholesky(x).ravel(), x))(a)
    eps = 1e-6
    for i, j in [(0, 0), (2, 1), (1, 2)]:
        step = np.zeros_like(a)
        step[i, j] = eps
        numeric = (np.linalg.cholesky(a + step) - np.linalg.cholesky(a - step)) / (2 * eps)
        np.testing.assert_allclose(J.reshape(3, 3, 3, 3)[:, :, i, j], numeric, atol=1e-7)


def test_batched(rng):
    a = spd(rng, 4, batch=(2, 3))
    got = run(cholesky, a)
    np.testing.assert_allclose(got, np.linalg.cholesky(a), rtol=1e-10)
    check_grad(cholesky, [spd(rng, 3, batch=(2,))], rng)
    stack = np.stack([spd(rng, 2), NOT_PD])
    got = run(cholesky, stack)
    assert np.all(np.isnan(got[1])) and np.all(np.isfinite(got[0]))
    np.testing.assert_allclose(batched(np.linalg.cholesky, stack[:1]), got[:1])
