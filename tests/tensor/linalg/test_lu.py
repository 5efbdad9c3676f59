"""lu, lu_factor and pivot_to_permutation against SciPy; derivatives; batches."""

import pickle

import numpy as np
import pytest
import scipy.linalg

import arignote
import arignote.tensor as at
from arignote.tensor.linalg import LU, LUFactor, PivotToPermutations, lu, lu_factor, pivot_to_permutation
from tests.tensor.linalg.helpers import FLOATS, batched, check_grad, close, general, numeric_rop, run

N = 5


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("options", [{}, {"p_indices": True}, {"permute_l": True}])
def test_lu_values(rng, dtype, options):
    a = general(rng, N, dtype)
    got = run(lambda x: lu(x, **options), a)
    expected = scipy.linalg.lu(a.astype("float64"), **options)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        if e.dtype.kind == "i":
            assert g.dtype == "int32"
            np.testing.assert_array_equal(g, e)
        else:
            assert g.dtype == dtype
            close(g, e, dtype, [a])


def test_lu_reconstructs(rng):
    a = general(rng, N)
    p, lower, upper = run(lu, a)
    np.testing.assert_allclose(p @ lower @ upper, a, atol=1e-12)
    perm, lower, upper = run(lambda x: lu(x, p_indices=True), a)
    np.testing.assert_allclose(lower[perm] @ upper, a, atol=1e-12)


def test_lu_dtypes():
    x = at.matrix("x", dtype="int16")
    p, lower, upper = lu(x)
    assert (p.dtype, lower.dtype, upper.dtype) == ("float32", "float32", "float32")
    assert lu(at.matrix("y"), p_indices=True)[0].dtype == "int32"


def test_lu_errors():
    with pytest.raises(ValueError, match="only one of"):
        lu(at.matrix(), permute_l=True, p_indices=True)
    with pytest.raises(ValueError, match="square"):
        lu(at.matrix(shape=(2, 3)))
    with pytest.raises(TypeError, match="at least 2 dimensions"):
        lu_factor(at.vector())


@pytest.mark.parametrize("options", [{}, {"p_indices": True}, {"permute_l": True}])
def test_lu_gradient(rng, options):
    def build(x):
        *_, lower, upper = lu(x, **options)
        return lower * 2.0 + upper  # both factors reach the cost
    check_grad(build, [general(rng, 4)], rng)
    check_grad(lambda x: lu(x, **options)[-1], [general(rng, 4)], rng)   # U alone
    check_grad(lambda x: lu(x, **options)[-2], [general(rng, 4)], rng)   # L alone


def test_lu_forward_mode(rng):
    numeric_rop(lambda x: (lambda p, lower, upper: lower + upper)(*lu(x)), [general(rng, 4)], rng)


@pytest.mark.parametrize("dtype", FLOATS)
def test_lu_factor_values(rng, dtype):
    a = general(rng, N, dtype)
    factors, pivots = run(lu_factor, a)
    expected_factors, expected_pivots = scipy.linalg.lu_factor(a.astype("float64"))
    assert factors.dtype == dtype and pivots.dtype == "int32"
    np.testing.assert_array_equal(pivots, expected_pivots)
    close(factors, expected_factors, dtype, [a])


@pytest.mark.filterwarnings("ignore:Diagonal number:scipy.linalg.LinAlgWarning")
def test_lu_factor_of_a_singular_matrix_has_factors():
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    factors, pivots = run(lu_factor, singular)
    expected, expected_pivots = scipy.linalg.lu_factor(singular)
    np.testing.assert_allclose(factors, expected)
    np.testing.assert_array_equal(pivots, expected_pivots)


def test_lu_factor_gradient_and_forward_mode(rng):
    check_grad(lambda x: lu_factor(x)[0], [general(rng, 4)], rng)
    numeric_rop(lambda x: lu_factor(x)[0], [general(rng, 4)], rng)


@pytest.mark.parametrize("inverse", [True, False])
def test_pivot_to_permutation(rng, inverse):
    a = general(rng, 6) + rng.permutation(np.eye(6)) * 20  # pivoting that moves rows
    factors, pivots = scipy.linalg.lu_factor(a)
    perm = run(lambda p: pivot_to_permutation(p, inverse=inverse), pivots)
    assert perm.dtype == "int64"
    lower = np.tril(factors, -1) + np.eye(6)
    upper = np.triu(factors)
    if inverse:
        np.testing.assert_allclose(a[perm], lower @ upper, atol=1e-12)
    else:
        np.testing.assert_allclose(a, (lower @ upper)[perm], atol=1e-12)


def test_ops_are_values_and_pickle():
    for op in (LU(), LU(p_indices=True), LU(permute_l=True), LUFactor(), PivotToPermutations(inverse=False)):
        assert pickle.loads(pickle.dumps(op)) == op
    assert LU(permute_l=True).gufunc_signature == "(m,m)->(m,m),(m,m)"
    assert LU(p_indices=True).gufunc_signature == "(m,m)->(m),(m,m),(m,m)"
    assert LUFactor().gufunc_signature == "(m,m)->(m,m),(m)"


def test_shapes():
    x = at.matrix("x")
    p, _, upper = lu(x, p_indices=True)
    f = arignote.function([x], [p.shape, upper.shape, lu_factor(x)[1].shape])
    shapes = f(np.eye(3))
    assert [list(s) for s in shapes] == [[3], [3, 3], [3]]
    assert lu_factor(at.matrix(shape=(4, None)))[1].type.shape == (4,)


def test_batched(rng):
    a = general(rng, 4, batch=(3,))
    for g, e in zip(run(lu, a), batched(scipy.linalg.lu, a)):
        close(g, e, "float64", [a])
    factors, pivots = run(lu_factor, a)
    expected_factors, expected_pivots = batched(scipy.linalg.lu_factor, a)
    np.testing.assert_array_equal(pivots, expected_pivots)
    close(factors, expected_factors, "float64", [a])
    np.testing.assert_array_equal(run(lambda p: pivot_to_permutation(p, inverse=True), pivots),
                                  batched(lambda p: run(lambda q: pivot_to_permutation(q, inverse=True), p),
                                          pivots))
    check_grad(lambda x: lu(x, p_indices=True)[1], [a], rng)
    check_grad(lambda x: lu_factor(x)[0], [a], rng)
