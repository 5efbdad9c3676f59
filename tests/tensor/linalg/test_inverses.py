"""inv, pinv, det, slogdet against NumPy: values, singular matrices, derivatives, batches."""

import pickle

import numpy as np
import pytest

import arignote
import arignote.tensor as at
from arignote.tensor.linalg import (
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
from tests.tensor.linalg.helpers import FLOATS, check_grad, close, general, numeric_rop, run, spd

N = 5
SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]])


@pytest.mark.parametrize("dtype", FLOATS)
def test_inv(rng, dtype):
    a = general(rng, N, dtype)
    got = run(inv, a)
    assert got.dtype == dtype
    close(got, np.linalg.inv(a.astype("float64")), dtype, [a])
    assert matrix_inverse is inv


def test_inv_of_a_singular_matrix_raises():
    x = at.matrix("x")
    with pytest.raises(np.linalg.LinAlgError, match="[Ss]ingular"):
        arignote.function([x], inv(x))(SINGULAR)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape, hermitian", [((5, 3), False), ((3, 5), False), ((4, 4), False),
                                              ((4, 4), True)])
def test_pinv(rng, dtype, shape, hermitian):
    a = (spd(rng, shape[0]) if hermitian else rng.normal(size=shape)).astype(dtype)
    got = run(lambda x: pinv(x, hermitian=hermitian), a)
    assert got.dtype == dtype and got.shape == shape[::-1]
    close(got, np.linalg.pinv(a.astype("float64"), hermitian=hermitian), dtype, [a])


def test_pinv_of_a_rank_deficient_matrix():
    a = np.outer([1.0, 2.0, 3.0], [1.0, -1.0])
    close(run(pinv, a), np.linalg.pinv(a), "float64", scale=10)


@pytest.mark.parametrize("dtype", FLOATS)
def test_det_and_slogdet(rng, dtype):
    a = general(rng, N, dtype)
    d = run(det, a)
    assert d.dtype == dtype and d.shape == ()
    close(d, np.linalg.det(a.astype("float64")), dtype, [a])
    sign, logabsdet = run(lambda x: list(slogdet(x)), a)
    expected_sign, expected_log = np.linalg.slogdet(a.astype("float64"))
    assert sign.dtype == dtype and logabsdet.dtype == dtype
    assert sign == expected_sign
    close(logabsdet, expected_log, dtype, [a])


@pytest.mark.filterwarnings("ignore:overflow encountered in det:RuntimeWarning")
def test_det_and_slogdet_edge_cases(rng):
    assert run(det, SINGULAR) == 0
    sign, logabsdet = run(lambda x: list(slogdet(x)), SINGULAR)
    assert sign == 0 and logabsdet == -np.inf
    negative = np.diag([1.0, -2.0, 3.0])
    assert run(lambda x: slogdet(x)[0], negative) == -1
    assert run(det, np.empty((0, 0))) == 1.0
    # where the determinant overflows, its log does not
    big = np.eye(200) * 1e4
    assert run(det, big) == np.inf
    close(run(lambda x: slogdet(x)[1], big), 200 * np.log(1e4), "float64")


def test_int_inputs():
    x = at.matrix("x", dtype="int64")
    assert det(x).dtype == "float64" and inv(x).dtype == "float64"
    assert slogdet(at.matrix(dtype="int8"))[1].dtype == "float32"
    np.testing.assert_allclose(arignote.function([x], det(x))(np.array([[2, 1], [1, 3]])), 5.0)


def test_errors():
    with pytest.raises(TypeError, match="at least 2 dimensions"):
        det(at.vector())
    with pytest.raises(ValueError, match="square"):
        inv(at.matrix(shape=(2, 3)))
    with pytest.raises(ValueError, match="square"):
        slogdet(at.matrix(shape=(3, 2)))
    x = at.matrix("x")
    with pytest.raises(ValueError, match="square"):
        arignote.function([x], det(x))(np.ones((2, 3)))


def test_gradients(rng):
    a = general(rng, 4)
    check_grad(inv, [a], rng)
    check_grad(det, [a], rng)
    check_grad(lambda x: slogdet(x)[1], [a], rng)
    check_grad(lambda x: slogdet(x)[1], [-a], rng)  # a negative determinant
    check_grad(pinv, [rng.normal(size=(5, 3))], rng)
    check_grad(pinv, [rng.normal(size=(3, 5))], rng)
    # hermitian: NumPy reads the lower triangle alone, and the derivative says so
    check_grad(lambda x: pinv(x, hermitian=True), [spd(rng, 3) + 0.1 * rng.normal(size=(3, 3))], rng)
    check_grad(inv, [general(rng, 3, "float32")], rng)


def test_gradient_of_the_sign_alone_is_zero(rng):
    x = at.matrix("x")
    g = arignote.function([x], arignote.grad(slogdet(x)[0] * 3.0, x))(general(rng, 3))
    np.testing.assert_array_equal(g, np.zeros((3, 3)))


def test_forward_mode(rng):
    a = general(rng, 4)
    numeric_rop(inv, [a], rng)
    numeric_rop(det, [a], rng)
    numeric_rop(lambda x: slogdet(x)[1], [a], rng)
    numeric_rop(pinv, [rng.normal(size=(4, 3))], rng)


def test_ops_are_values_and_pickle():
    for op in (MatrixInverse(), MatrixPinv(hermitian=True), Det(), SLogDet()):
        assert pickle.loads(pickle.dumps(op)) == op
    assert MatrixPinv().gufunc_signature == "(m,n)->(n,m)"
    assert SLogDet().gufunc_signature == "(m,m)->(),()"
    assert MatrixPinv(True) != MatrixPinv(False)


def test_shapes():
    x = at.matrix("x")
    f = arignote.function([x], [inv(x).shape, pinv(x).shape, det(x).shape])
    got = f(np.eye(3))
    assert [list(s) for s in got] == [[3, 3], [3, 3], []]
    assert pinv(at.matrix(shape=(2, None))).type.shape == (None, 2)
    y = at.matrix("y")
    np.testing.assert_array_equal(arignote.function([y], pinv(y).shape)(np.ones((2, 5))), [5, 2])


def test_batched(rng):
    a = general(rng, 3, batch=(2, 4))
    close(run(inv, a), np.linalg.inv(a), "float64", [a])
    close(run(det, a), np.linalg.det(a), "float64", [a])
    sign, logabsdet = run(lambda x: list(slogdet(x)), a)
    expected_sign, expected_log = np.linalg.slogdet(a)
    np.testing.assert_array_equal(sign, expected_sign)
    close(logabsdet, expected_log, "float64", [a])
    b = rng.normal(size=(3, 4, 2))
    close(run(pinv, b), np.linalg.pinv(b), "float64", [b])
    check_grad(det, [a[0]], rng)
    check_grad(lambda x: slogdet(x)[1], [a[0]], rng)
