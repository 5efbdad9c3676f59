"""solve, solve_triangular, cho_solve, lu_solve: values against SciPy for every keyword,
failures as NaNs, errors, derivatives, shapes, batches."""

import pickle

import numpy as np
import pytest
import scipy.linalg

import arignote
import arignote.tensor as at
from arignote.tensor.linalg import (
    CholeskySolve,
    LUSolve,
    Solve,
    SolveTriangular,
    cho_solve,
    lu_factor,
    lu_solve,
    solve,
    solve_triangular,
)
from tests.tensor.linalg.helpers import (
    FLOATS,
    batched,
    check_grad,
    close,
    general,
    lower_triangular,
    numeric_rop,
    run,
    spd,
)

N = 5


def _rhs(rng, b_ndim, dtype="float64", n=N):
    return rng.normal(size=(n,) if b_ndim == 1 else (n, 3)).astype(dtype)


def _matrix_for(rng, assume_a, dtype="float64", n=N):
    if assume_a in ("pos", "positive definite", "sym", "her", "symmetric"):
        return spd(rng, n, dtype)
    if assume_a == "tridiagonal":
        return (np.triu(np.tril(general(rng, n), 1), -1)).astype(dtype)
    return general(rng, n, dtype)


# --- solve ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("b_ndim", [1, 2])
@pytest.mark.parametrize("assume_a", ["gen", "sym", "her", "pos", "tridiagonal", "banded"])
def test_solve_values(rng, assume_a, b_ndim, dtype):
    a, b = _matrix_for(rng, assume_a, dtype), _rhs(rng, b_ndim, dtype)
    got = run(lambda x, y: solve(x, y, assume_a=assume_a), a, b)
    assert got.dtype == dtype
    expected = scipy.linalg.solve(a.astype("float64"), b.astype("float64"), assume_a=assume_a)
    close(got, expected, dtype, [a])


def test_solve_long_names_are_the_short_ones():
    a, b = at.matrix("a"), at.matrix("b")
    for long, short in [("general", "gen"), ("symmetric", "sym"), ("hermitian", "her"),
                        ("positive definite", "pos"), ("Positive Definite", "pos")]:
        assert solve(a, b, assume_a=long) is solve(a, b, assume_a=short)


@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("assume_a", ["sym", "pos"])
def test_solve_reads_one_triangle(rng, assume_a, lower):
    a, b = spd(rng, N), _rhs(rng, 2)
    noise = rng.normal(size=(N, N))
    seen = np.tril(a) + np.triu(noise, 1) if lower else np.triu(a) + np.tril(noise, -1)
    got = run(lambda x, y: solve(x, y, assume_a=assume_a, lower=lower), seen, b)
    close(got, np.linalg.solve(a, b), "float64", [a])


def test_solve_tridiagonal_reads_three_diagonals(rng):
    a, b = _matrix_for(rng, "tridiagonal"), _rhs(rng, 2)
    noisy = a + np.triu(rng.normal(size=(N, N)), 2) + np.tril(rng.normal(size=(N, N)), -2)
    got = run(lambda x, y: solve(x, y, assume_a="tridiagonal"), noisy, b)
    close(got, np.linalg.solve(a, b), "float64", [a])


@pytest.mark.parametrize("assume_a", ["gen", "sym", "pos", "lower triangular", "upper triangular",
                                      "diagonal"])
@pytest.mark.parametrize("b_ndim", [1, 2])
def test_solve_transposed(rng, assume_a, b_ndim):
    a, b = _matrix_for(rng, assume_a), _rhs(rng, b_ndim)
    if "triangular" in assume_a:
        a = np.tril(a) if assume_a.startswith("lower") else np.triu(a)
    if assume_a == "diagonal":
        a = np.diag(np.diag(a))
    got = run(lambda x, y: solve(x, y, assume_a=assume_a, transposed=True), a, b)
    close(got, np.linalg.solve(a.T, b), "float64", [a])
    got = run(lambda x, y: solve(x, y, assume_a=assume_a), a, b)
    close(got, np.linalg.solve(a, b), "float64", [a])


@pytest.mark.parametrize("dtypes, expected", [(("int64", "int64"), "float64"),
                                              (("int16", "float32"), "float32"),
                                              (("float32", "float64"), "float64"),
                                              (("float32", "int32"), "float64")])
def test_solve_dtypes(rng, dtypes, expected):
    a = (general(rng, 3) * 4).round().astype(dtypes[0])
    b = (rng.normal(size=(3, 2)) * 4).round().astype(dtypes[1])
    got = run(solve, a, b)
    assert got.dtype == expected
    np.testing.assert_allclose(got, np.linalg.solve(a.astype(float), b.astype(float)), rtol=1e-5)


def test_solve_failures_give_nan():
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert np.all(np.isnan(run(solve, singular, np.ones((2, 1)))))
    assert np.all(np.isnan(run(lambda a, b: solve(a, b, assume_a="pos"), -np.eye(2), np.ones(2))))


def test_solve_errors():
    a, b = at.matrix("a"), at.matrix("b")
    with pytest.raises(TypeError, match="at least 2 dimensions"):
        solve(at.vector("v"), b)
    with pytest.raises(TypeError, match="b must be a vector"):
        Solve(b_ndim=1)(a, b)
    with pytest.raises(TypeError, match="a must be a matrix"):
        Solve()(at.tensor3("t"), b)
    with pytest.raises(ValueError, match="square"):
        solve(at.matrix(shape=(2, 3)), b)
    with pytest.raises(ValueError, match="rows"):
        solve(at.matrix(shape=(3, 3)), at.matrix(shape=(4, 2)))
    with pytest.raises(ValueError, match="Invalid assume_a: orthogonal. It must be one of"):
        solve(a, b, assume_a="orthogonal")
    with pytest.raises(ValueError, match="b_ndim"):
        solve(a, b, b_ndim=3)
    f = arignote.function([a, b], solve(a, b))
    with pytest.raises(ValueError, match="rows"):
        f(np.eye(3), np.ones((2, 2)))
    with pytest.raises(ValueError, match="square"):
        f(np.ones((3, 2)), np.ones((3, 2)))


def test_solve_shapes(rng):
    out = solve(at.matrix("a", shape=(4, None)), at.matrix("b", shape=(None, 2)))
    assert out.type.shape == (4, 2)
    assert solve(at.matrix("a"), at.vector("b")).type.shape == (None,)
    a, b = at.matrix("a"), at.matrix("b")
    f = arignote.function([a, b], solve(a, b).shape)
    np.testing.assert_array_equal(f(np.eye(3), np.ones((3, 5))), [3, 5])


@pytest.mark.parametrize("assume_a, lower", [("gen", False), ("sym", False), ("sym", True), ("pos", True),
                                             ("pos", False), ("tridiagonal", False)])
@pytest.mark.parametrize("b_ndim", [1, 2])
def test_solve_gradient(rng, assume_a, lower, b_ndim):
    # an arbitrary (not symmetric) point: the derivative is that of what the routine reads
    a = _matrix_for(rng, assume_a) + 0.3 * rng.normal(size=(N, N))
    check_grad(lambda x, y: solve(x, y, assume_a=assume_a, lower=lower), [a, _rhs(rng, b_ndim)], rng)


def test_solve_gradient_transposed_and_float32(rng):
    check_grad(lambda x, y: solve(x, y, transposed=True), [general(rng, 4), _rhs(rng, 2, n=4)], rng)
    check_grad(solve, [general(rng, 3, "float32"), _rhs(rng, 1, "float32", n=3)], rng)


@pytest.mark.parametrize("assume_a", ["gen", "sym", "tridiagonal"])
def test_solve_forward_mode(rng, assume_a):
    numeric_rop(lambda x, y: solve(x, y, assume_a=assume_a), [_matrix_for(rng, assume_a), _rhs(rng, 2)], rng)


# --- solve_triangular ---------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("trans", [0, "T", "C"])
@pytest.mark.parametrize("unit_diagonal", [False, True])
def test_solve_triangular_values(rng, dtype, lower, trans, unit_diagonal):
    a = lower_triangular(rng, N, dtype)
    a = a if lower else a.T.copy()
    b = _rhs(rng, 2, dtype)
    got = run(lambda x, y: solve_triangular(x, y, lower=lower, trans=trans, unit_diagonal=unit_diagonal),
              a, b)
    expected = scipy.linalg.solve_triangular(a.astype("float64"), b.astype("float64"), lower=lower,
                                             trans=trans, unit_diagonal=unit_diagonal)
    close(got, expected, dtype, [a])


def test_solve_triangular_trans_spellings():
    a, b = at.matrix("a"), at.matrix("b")
    for spellings in [(0, "N", False), (1, "T", True), (2, "C", 1)]:  # C: T for real matrices
        graphs = {solve_triangular(a, b, trans=t, lower=True) for t in spellings}
        assert len(graphs) == 1, spellings


def test_solve_triangular_reads_one_triangle(rng):
    a, b = lower_triangular(rng, N), _rhs(rng, 1)
    noisy = a + np.triu(rng.normal(size=(N, N)), 1)
    close(run(lambda x, y: solve_triangular(x, y, lower=True), noisy, b),
          scipy.linalg.solve_triangular(a, b, lower=True), "float64", [a])
    unit = np.tril(a, -1) + np.eye(N)
    close(run(lambda x, y: solve_triangular(x, y, lower=True, unit_diagonal=True), noisy, b),
          np.linalg.solve(unit, b), "float64", [unit])


def test_solve_triangular_zero_diagonal_gives_nan(rng):
    a = lower_triangular(rng, 3)
    a[1, 1] = 0
    assert np.all(np.isnan(run(lambda x, y: solve_triangular(x, y, lower=True), a, np.ones(3))))


def test_solve_triangular_errors():
    with pytest.raises(ValueError, match="trans"):
        solve_triangular(at.matrix(), at.matrix(), trans=3)
    with pytest.raises(TypeError, match="at least 1 dimensions"):
        solve_triangular(at.matrix(), at.scalar(), b_ndim=1)


@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("unit_diagonal", [False, True])
@pytest.mark.parametrize("trans", [0, 1])
def test_solve_triangular_gradient(rng, lower, unit_diagonal, trans):
    a = general(rng, 4)  # a full matrix: the triangle not read gets no gradient
    check_grad(lambda x, y: solve_triangular(x, y, lower=lower, unit_diagonal=unit_diagonal, trans=trans),
                [a, _rhs(rng, 2, n=4)], rng)


def test_solve_triangular_forward_mode(rng):
    numeric_rop(lambda x, y: solve_triangular(x, y, lower=True, trans=1),
                [general(rng, 4), _rhs(rng, 1, n=4)], rng)


# --- cho_solve ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("b_ndim", [1, 2])
def test_cho_solve_values(rng, dtype, lower, b_ndim):
    a, b = spd(rng, N, dtype), _rhs(rng, b_ndim, dtype)
    c = scipy.linalg.cholesky(a, lower=lower)
    noisy = c + (np.triu(rng.normal(size=(N, N)), 1) if lower else np.tril(rng.normal(size=(N, N)), -1))
    got = run(lambda x, y: cho_solve((x, lower), y), noisy.astype(dtype), b)
    close(got, np.linalg.solve(a.astype("float64"), b.astype("float64")), dtype, [a])


def test_cho_solve_with_cholesky(rng):
    a, b = spd(rng, N), _rhs(rng, 2)
    got = run(lambda x, y: cho_solve((at.linalg.cholesky(x), True), y), a, b)
    close(got, np.linalg.solve(a, b), "float64", [a])


@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("b_ndim", [1, 2])
def test_cho_solve_gradient(rng, lower, b_ndim):
    c = scipy.linalg.cholesky(spd(rng, 4), lower=lower) + 0.1 * rng.normal(size=(4, 4))
    check_grad(lambda x, y: cho_solve((x, lower), y), [c, _rhs(rng, b_ndim, n=4)], rng)


@pytest.mark.parametrize("lower", [True, False])
def test_cho_solve_forward_mode(rng, lower):
    c = scipy.linalg.cholesky(spd(rng, 4), lower=lower)
    numeric_rop(lambda x, y: cho_solve((x, lower), y), [c, _rhs(rng, 2, n=4)], rng)


# --- lu_solve ------------------------------------------------------------------------------

@pytest.mark.parametrize("trans", [0, 1])
@pytest.mark.parametrize("b_ndim", [1, 2])
@pytest.mark.parametrize("dtype", FLOATS)
def test_lu_solve_values(rng, trans, b_ndim, dtype):
    a, b = general(rng, N, dtype), _rhs(rng, b_ndim, dtype)
    got = run(lambda x, y: lu_solve(lu_factor(x), y, trans=trans), a, b)
    expected = scipy.linalg.lu_solve(scipy.linalg.lu_factor(a.astype("float64")), b.astype("float64"),
                                     trans=trans)
    close(got, expected, dtype, [a])


def test_lu_solve_given_factors(rng):
    a, b = general(rng, N), _rhs(rng, 2)
    factors, pivots = scipy.linalg.lu_factor(a)
    got = run(lambda f, p, y: lu_solve((f, p), y), factors, pivots, b)
    close(got, np.linalg.solve(a, b), "float64", [a])


@pytest.mark.parametrize("trans", [0, 1])
def test_lu_solve_gradient(rng, trans):
    check_grad(lambda x, y: lu_solve(lu_factor(x), y, trans=trans), [general(rng, 4), _rhs(rng, 2, n=4)], rng)


def test_lu_solve_is_one_getrs_node():
    factors, pivots, b = at.matrix("lu"), at.ivector("piv"), at.vector("b")
    out = lu_solve((factors, pivots), b, trans=2)  # real: the same as trans=1
    assert out.owner.op == LUSolve(trans=1, b_ndim=1)
    assert lu_solve((factors, pivots), b) is lu_solve((factors, pivots), b)
    assert LUSolve(b_ndim=1).gufunc_signature == "(m,m),(m),(m)->(m)"
    op = LUSolve(trans=1)
    assert pickle.loads(pickle.dumps(op)) == op and op != LUSolve()


@pytest.mark.parametrize("trans", [0, 1])
@pytest.mark.parametrize("b_ndim", [1, 2])
def test_lu_solve_gradient_with_respect_to_the_factors(rng, trans, b_ndim):
    # the factors as an input of their own (not through lu_factor): every entry of lu is read,
    # the strict lower triangle as L and the upper one as U
    a = general(rng, 4)
    factors, pivots = scipy.linalg.lu_factor(a)
    piv = at.constant(pivots.astype("int32"))
    check_grad(lambda f, y: lu_solve((f, piv), y, trans=trans, b_ndim=b_ndim),
               [factors, _rhs(rng, b_ndim, n=4)], rng)


@pytest.mark.parametrize("trans", [0, 1])
def test_lu_solve_forward_mode(rng, trans):
    a = general(rng, 4)
    factors, pivots = scipy.linalg.lu_factor(a)
    piv = at.constant(pivots.astype("int32"))
    numeric_rop(lambda f, y: lu_solve((f, piv), y, trans=trans), [factors, _rhs(rng, 2, n=4)], rng)
    numeric_rop(lambda x, y: lu_solve(lu_factor(x), y, trans=trans, b_ndim=1), [a, _rhs(rng, 1, n=4)], rng)


def test_lu_solve_of_a_singular_factor_gives_nan():
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    got = run(lambda x, y: lu_solve(lu_factor(x), y), singular, np.ones((2, 1)))
    assert np.isnan(got).all()


def test_lu_solve_errors(rng):
    factors, pivots = at.matrix("lu"), at.ivector("piv")
    with pytest.raises(TypeError, match="piv must be integers"):
        lu_solve((factors, at.vector("p")), at.vector("b"))
    with pytest.raises(ValueError, match="trans must be 0, 1 or 2"):
        lu_solve((factors, pivots), at.vector("b"), trans=3)
    with pytest.raises(ValueError, match="as many rows"):
        lu_solve((at.matrix("m", shape=(3, 3)), pivots), at.vector("b", shape=(4,)))
    b = at.matrix("b")
    f = arignote.function([factors, pivots, b], lu_solve((factors, pivots), b))
    with pytest.raises(ValueError, match="rows"):
        f(general(rng, 3), np.zeros(3, dtype="int32"), np.ones((4, 2)))


# --- every solver -----------------------------------------------------------------------------

def test_ops_are_values_and_pickle():
    ops = [Solve(), Solve(lower=True, b_ndim=1, assume_a="pos"),
           SolveTriangular(lower=True, unit_diagonal=True), CholeskySolve(lower=True, b_ndim=1)]
    for op in ops:
        assert pickle.loads(pickle.dumps(op)) == op and hash(pickle.loads(pickle.dumps(op))) == hash(op)
    assert Solve(assume_a="sym") != Solve()
    assert Solve(b_ndim=1).gufunc_signature == "(m,m),(m)->(m)"
    assert SolveTriangular().gufunc_signature == "(m,m),(m,n)->(m,n)"
    a, b = at.matrix("a"), at.vector("b")
    assert solve(a, b) is solve(a, b)
    out = pickle.loads(pickle.dumps(cho_solve((a, True), b)))
    assert out.owner.op == CholeskySolve(lower=True, b_ndim=1)


def test_batched(rng):
    a, b = general(rng, 4, batch=(2, 3)), rng.normal(size=(2, 3, 4, 2))
    close(run(solve, a, b), np.linalg.solve(a, b), "float64", [a])
    vectors = rng.normal(size=(3, 4))
    got = run(lambda x, y: solve(x, y, b_ndim=1), a, vectors)  # b's batch broadcasts against a's
    close(got, np.linalg.solve(a, vectors[..., None])[..., 0], "float64", [a])
    tri = np.tril(a)
    got = run(lambda x, y: solve_triangular(x, y, lower=True, trans=1), tri, b)
    close(got, np.linalg.solve(np.swapaxes(tri, -1, -2), b), "float64", [tri])
    s = spd(rng, 4, batch=(3,))
    c = np.linalg.cholesky(s)
    close(run(lambda x, y: cho_solve((x, True), y), c, b[0]), np.linalg.solve(s, b[0]), "float64", [s])
    g = a[0]
    got = run(lambda x, y: lu_solve(lu_factor(x), y, trans=1), g, b[0])
    close(got, batched(lambda m, r: scipy.linalg.lu_solve(scipy.linalg.lu_factor(m), r, trans=1), g, b[0]),
          "float64", [g])
    check_grad(lambda x, y: solve(x, y, assume_a="sym"),
               [spd(rng, 3, batch=(2,)), rng.normal(size=(2, 3, 2))], rng)
    check_grad(lambda x, y: lu_solve(lu_factor(x), y, b_ndim=1), [general(rng, 3, batch=(2,)),
                                                                   rng.normal(size=(2, 3))], rng)
