"""Rules of arignote/tensor/rewrites/linalg_structure.py and linalg_inverses.py: each fires where
it should, not where it must not, and keeps the values (against the unrewritten function and
NumPy), and derivatives through the rewritten graphs agree with finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

import arignote
import arignote.tensor as at
from arignote.rewrite import RewriteCycleError
from arignote.tensor import linalg as la
from arignote.tensor.linalg.assumptions import assume
from arignote.tensor.linalg.common import apply_core
from arignote.tensor.linalg.products import KroneckerProduct
from tests.tensor.linalg.helpers import check_grad
from tests.tensor.rewrites.numerics_checks import assert_same_values, fired, fires, op_names

DTYPES = ["float64", "float32"]


def _rtol(dtype: str) -> float:
    return 2e-4 if dtype == "float32" else 1e-9


def _general(rng: np.random.Generator, n: int, dtype: str = "float64", batch: tuple[int, ...] = (),
             flip: bool = False) -> np.ndarray:
    """A well-conditioned square matrix (a negative determinant when ``flip``)."""
    x = rng.normal(size=(*batch, n, n)) + n * np.eye(n)
    if flip:
        x[..., 0, :] *= -1
    return x.astype(dtype)


def _spd(rng: np.random.Generator, n: int, dtype: str = "float64", batch: tuple[int, ...] = ()) -> np.ndarray:
    x = rng.normal(size=(*batch, n, n))
    return (x @ np.swapaxes(x, -1, -2) + n * np.eye(n)).astype(dtype)


def _matrices(dtype: str, *names: str) -> list[at.TensorVariable]:
    return [at.matrix(name, dtype=dtype) for name in names]


# --- Kronecker products: determinants --------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_det_and_slogdet_of_kron(dtype):
    rng = np.random.default_rng(0)
    a, b = _matrices(dtype, "a", "b")
    av, bv = _general(rng, 3, dtype, flip=True), _general(rng, 2, dtype, flip=True)
    want = np.linalg.slogdet(np.kron(av, bv).astype("float64"))
    out = la.det(la.kron(a, b))
    assert fires("det_of_assembled", out)
    assert "KroneckerProduct" not in op_names(out)
    got = assert_same_values([a, b], out, av, bv, rtol=_rtol(dtype))
    np.testing.assert_allclose(got, want[0] * np.exp(want[1]), rtol=_rtol(dtype))
    sign, logabs = la.slogdet(la.kron(a, b))
    assert "slogdet_of_assembled" in fired([sign, logabs])
    got_sign, got_log = arignote.function([a, b], [sign, logabs])(av, bv)
    assert got_sign.dtype == np.dtype(dtype) and got_log.dtype == np.dtype(dtype)
    np.testing.assert_allclose(got_sign, want[0])
    np.testing.assert_allclose(got_log, want[1], rtol=_rtol(dtype))


def test_det_of_kron_of_factors_not_square_stays():
    # kron of a 2 x 3 and a 3 x 2 matrix is square (and singular): det of a factor is not defined
    a, b = at.matrix("a", shape=(2, 3)), at.matrix("b", shape=(3, 2))
    assert not fires("det_of_assembled", la.det(la.kron(a, b)))
    assert not fires("log_det_of_assembled", at.log(la.det(la.kron(a, b))))
    assert not fires("det_of_assembled", la.det(at.matrix("c")))


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_det_of_kron(dtype):
    rng = np.random.default_rng(1)
    a, b = _matrices(dtype, "a", "b")
    # det(kron(a, b)) = det(a)^2 det(b)^3 > 0 with det(a) < 0: log(det(a)) would be NaN
    av, bv = _general(rng, 3, dtype, flip=True), _general(rng, 2, dtype)
    want = np.linalg.slogdet(np.kron(av, bv).astype("float64"))
    assert want[0] > 0
    for out in (at.log(la.det(la.kron(a, b))), at.log(at.abs(la.det(la.kron(a, b))))):
        assert fires("log_det_of_assembled", out)
        got = assert_same_values([a, b], out, av, bv, rtol=_rtol(dtype))
        np.testing.assert_allclose(got, want[1], rtol=_rtol(dtype))
    # a negative determinant: NaN, as log of it
    f = arignote.function([a, b], at.log(la.det(la.kron(a, b))))
    with np.errstate(invalid="ignore"):
        assert np.isnan(f(av, _general(rng, 2, dtype, flip=True)))  # det(b)^3 < 0


def test_log_det_of_kron_of_positive_definite_factors():
    a, b = at.matrix("a"), at.matrix("b")
    out = at.log(la.det(la.kron(assume(a, "pd"), assume(b, "pd"))))
    names = op_names(out)
    assert "KroneckerProduct" not in names and "Cholesky" in names  # through the factors' Cholesky
    f = arignote.function([a, b], out)
    big_a, big_b = 30 * np.eye(20), 50 * np.eye(15)  # det(kron) = 30^300 50^400: inf in float64
    np.testing.assert_allclose(f(big_a, big_b), 15 * 20 * np.log(30) + 20 * 15 * np.log(50))
    rng = np.random.default_rng(2)
    av, bv = _spd(rng, 3), _spd(rng, 2)
    np.testing.assert_allclose(assert_same_values([a, b], out, av, bv),
                               np.linalg.slogdet(np.kron(av, bv))[1])
    # and its derivative, through the rewritten graph, against finite differences (of symmetric
    # matrices: the rewritten graph reads one triangle of each, through its Cholesky factor)
    def log_det(x, y):
        sym_x, sym_y = assume((x + x.T) / 2, "pd"), assume((y + y.T) / 2, "pd")
        return at.log(la.det(la.kron(sym_x, sym_y)))
    check_grad(log_det, [av, bv], rng)


# --- Kronecker products: inverses, factors and solves ----------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_inv_of_kron(dtype):
    rng = np.random.default_rng(3)
    a, b = _matrices(dtype, "a", "b")
    av, bv = _general(rng, 3, dtype), _general(rng, 2, dtype)
    out = la.inv(la.kron(a, b))
    assert fires("factor_or_inverse_of_assembled", out)
    got = assert_same_values([a, b], out, av, bv, rtol=_rtol(dtype))
    np.testing.assert_allclose(got, np.linalg.inv(np.kron(av, bv)), rtol=_rtol(dtype), atol=_rtol(dtype))
    check_grad(lambda x, y: la.inv(la.kron(x, y)), [_general(rng, 2), _general(rng, 2)], rng)


def test_inv_of_stacked_kron():
    rng = np.random.default_rng(4)
    a, b = at.tensor3("a"), at.matrix("b")
    out = la.inv(apply_core(KroneckerProduct(), a, b))  # a stack of Kronecker products
    assert fires("factor_or_inverse_of_assembled", out)
    av, bv = _general(rng, 2, batch=(3,)), _general(rng, 3)
    got = assert_same_values([a, b], out, av, bv)
    np.testing.assert_allclose(got, np.stack([np.linalg.inv(np.kron(x, bv)) for x in av]), atol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("lower", [True, False])
def test_cholesky_of_kron(dtype, lower):
    rng = np.random.default_rng(5)
    a, b = _matrices(dtype, "a", "b")
    out = la.cholesky(la.kron(assume(a, "pd"), assume(b, "sym")), lower=lower)
    assert fires("factor_or_inverse_of_assembled", out)
    av, bv = _spd(rng, 3, dtype), _spd(rng, 2, dtype)
    got = assert_same_values([a, b], out, av, bv, rtol=_rtol(dtype))
    np.testing.assert_allclose(got, scipy.linalg.cholesky(np.kron(av, bv), lower=lower),
                               rtol=_rtol(dtype), atol=_rtol(dtype))


def test_cholesky_of_kron_needs_symmetric_and_one_definite_factor():
    a, b = at.matrix("a"), at.matrix("b")
    assert not fires("factor_or_inverse_of_assembled", la.cholesky(la.kron(a, b)))
    # two negative definite factors make a positive definite product, but have no factor
    both_symmetric = la.kron(assume(a, "sym"), assume(b, "sym"))
    assert not fires("factor_or_inverse_of_assembled", la.cholesky(both_symmetric))
    assert not fires("factor_or_inverse_of_assembled", la.cholesky(la.kron(assume(a, "pd"), b)))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("b_rank", [1, 2])
def test_solve_of_kron(dtype, b_rank):
    rng = np.random.default_rng(6)
    a, b = _matrices(dtype, "a", "b")
    y = at.tensor("y", dtype=dtype, shape=(None,) * b_rank)
    out = la.solve(la.kron(a, b), y)
    assert fires("solve_with_assembled", out)
    assert "KroneckerProduct" not in op_names(out)
    av, bv = _general(rng, 3, dtype), _general(rng, 4, dtype)
    yv = rng.normal(size=(12, 2)[:b_rank]).astype(dtype)
    got = assert_same_values([a, b, y], out, av, bv, yv, rtol=_rtol(dtype))
    want = np.linalg.solve(np.kron(av, bv), yv)
    np.testing.assert_allclose(got, want, rtol=_rtol(dtype), atol=_rtol(dtype))


@pytest.mark.parametrize("b_ndim", [1, 2])
def test_solve_of_kron_batched(b_ndim):
    rng = np.random.default_rng(7)
    a, b, y, ys = at.matrix("a"), at.matrix("b"), at.tensor3("y"), at.matrix("ys")
    out = la.solve(la.kron(a, b), y, b_ndim=b_ndim)
    assert fires("solve_with_assembled", out)
    av, bv = _general(rng, 2), _general(rng, 3)
    yv = rng.normal(size=(4, 5, 6) if b_ndim == 1 else (4, 6, 5))
    got = assert_same_values([a, b, y], out, av, bv, yv)
    k = np.kron(av, bv)
    want = np.linalg.solve(k, yv[..., None])[..., 0] if b_ndim == 1 else np.linalg.solve(k, yv)
    np.testing.assert_allclose(got, want, atol=1e-12)
    # a stack of Kronecker products, with matrices on the right
    stack = at.tensor3("s")
    rhs = ys if b_ndim == 1 else y  # one vector (matrix) per Kronecker product
    out = la.solve(apply_core(KroneckerProduct(), stack, b), rhs, b_ndim=b_ndim)
    assert fires("solve_with_assembled", out)
    sv = _general(rng, 2, batch=(4,))
    yv = yv[:, 0] if b_ndim == 1 else yv
    got = assert_same_values([stack, b, rhs], out, sv, bv, yv)
    ks = np.stack([np.kron(s, bv) for s in sv])
    want = np.linalg.solve(ks, yv[..., None])[..., 0] if b_ndim == 1 else np.linalg.solve(ks, yv)
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_solve_of_kron_reading_a_triangle():
    rng = np.random.default_rng(8)
    a, b, y = at.matrix("a"), at.matrix("b"), at.vector("y")
    out = la.solve(la.kron(assume(a, "pd"), assume(b, "pd")), y, assume_a="pos")
    assert fires("solve_with_assembled", out)
    av, bv, yv = _spd(rng, 3), _spd(rng, 2), rng.normal(size=6)
    np.testing.assert_allclose(assert_same_values([a, b, y], out, av, bv, yv),
                               np.linalg.solve(np.kron(av, bv), yv))
    # the triangle read of a product of matrices not known to be symmetric is not the factors'
    assert not fires("solve_with_assembled", la.solve(la.kron(a, b), y, assume_a="sym"))
    assert not fires("solve_with_assembled", la.solve(la.kron(a, b), y, assume_a="tridiagonal"))


def test_solve_of_kron_gradient():
    rng = np.random.default_rng(9)
    check_grad(lambda x, y, v: la.solve(la.kron(x, y), v),
               [_general(rng, 2), _general(rng, 3), rng.normal(size=6)], rng)


# --- block-diagonal matrices -------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_det_slogdet_and_log_det_of_block_diag(dtype):
    rng = np.random.default_rng(10)
    a, b, c = _matrices(dtype, "a", "b", "c")
    vals = [_general(rng, 3, dtype, flip=True), _general(rng, 2, dtype, flip=True), _general(rng, 1, dtype)]
    whole = scipy.linalg.block_diag(*vals).astype("float64")
    want = np.linalg.slogdet(whole)
    x = la.block_diag(a, b, c)
    out = la.det(x)
    assert fires("det_of_assembled", out)
    np.testing.assert_allclose(assert_same_values([a, b, c], out, *vals, rtol=_rtol(dtype)),
                               want[0] * np.exp(want[1]), rtol=_rtol(dtype))
    sign, logabs = la.slogdet(x)
    assert "slogdet_of_assembled" in fired([sign, logabs])
    got = arignote.function([a, b, c], [sign, logabs])(*vals)
    np.testing.assert_allclose(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1], rtol=_rtol(dtype))
    for out in (at.log(la.det(x)), at.log(at.abs(la.det(x)))):
        assert fires("log_det_of_assembled", out)
        got = assert_same_values([a, b, c], out, *vals, rtol=_rtol(dtype))
        np.testing.assert_allclose(got, want[1], rtol=_rtol(dtype))
    check_grad(lambda p, q: at.log(at.abs(la.det(la.block_diag(p, q)))),
               [_general(rng, 2, flip=True), _general(rng, 3)], rng)


def test_block_diag_of_blocks_not_square_stays():
    a, b = at.matrix("a", shape=(1, 2)), at.matrix("b", shape=(2, 1))
    x = la.block_diag(a, b)  # 3 x 3, singular
    assert not fires("det_of_assembled", la.det(x))
    assert not fires("factor_or_inverse_of_assembled", la.inv(x))
    assert not fires("solve_with_assembled", la.solve(x, at.vector("y")))


@pytest.mark.parametrize("dtype", DTYPES)
def test_inv_and_cholesky_of_block_diag(dtype):
    rng = np.random.default_rng(11)
    a, b = at.tensor3("a", dtype=dtype), at.matrix("b", dtype=dtype)
    av, bv = _spd(rng, 3, dtype, batch=(2,)), _spd(rng, 2, dtype)
    for build, fn in ((la.inv, np.linalg.inv), (la.cholesky, np.linalg.cholesky)):
        out = build(la.block_diag(a, b))
        assert fires("factor_or_inverse_of_assembled", out)
        got = assert_same_values([a, b], out, av, bv, rtol=_rtol(dtype))
        want = np.stack([fn(scipy.linalg.block_diag(x, bv)) for x in av])
        np.testing.assert_allclose(got, want, rtol=_rtol(dtype), atol=_rtol(dtype))
    check_grad(lambda p, q: la.inv(la.block_diag(p, q)), [_general(rng, 2), _general(rng, 1)], rng)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("b_rank", [1, 2, 3])
def test_solve_of_block_diag(dtype, b_rank):
    rng = np.random.default_rng(12)
    a, b = _matrices(dtype, "a", "b")
    y = at.tensor("y", dtype=dtype, shape=(None,) * b_rank)
    b_ndim = min(b_rank, 2)
    out = la.solve(la.block_diag(a, b), y, b_ndim=b_ndim)
    assert fires("solve_with_assembled", out)
    assert "BlockDiagonal" not in op_names(out)
    av, bv = _general(rng, 3, dtype), _general(rng, 2, dtype)
    yv = rng.normal(size={1: (5,), 2: (5, 2), 3: (4, 5, 2)}[b_rank]).astype(dtype)
    got = assert_same_values([a, b, y], out, av, bv, yv, rtol=_rtol(dtype))
    np.testing.assert_allclose(got, np.linalg.solve(scipy.linalg.block_diag(av, bv), yv),
                               rtol=_rtol(dtype), atol=_rtol(dtype))


def test_solve_of_stacked_block_diag():
    rng = np.random.default_rng(13)
    a, b, y = at.tensor3("a"), at.tensor3("b"), at.matrix("y")
    out = la.solve(la.block_diag(a, b), y, b_ndim=1)
    assert fires("solve_with_assembled", out)
    av, bv, yv = _general(rng, 2, batch=(3,)), _general(rng, 3, batch=(3,)), rng.normal(size=(3, 5))
    want = np.stack([np.linalg.solve(scipy.linalg.block_diag(p, q), v) for p, q, v in zip(av, bv, yv)])
    np.testing.assert_allclose(assert_same_values([a, b, y], out, av, bv, yv), want)
    # blocks of different batch shapes: the pieces could not be joined
    assert not fires("solve_with_assembled", la.solve(la.block_diag(a, at.matrix("c")), y, b_ndim=1))
    check_grad(lambda p, q, v: la.solve(la.block_diag(p, q), v),
               [_general(rng, 2), _general(rng, 2), rng.normal(size=4)], rng)


# --- Gram matrices of triangular factors -------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_det_of_cholesky_gram_matrix(dtype):
    rng = np.random.default_rng(14)
    a = at.matrix("a", dtype=dtype)
    factor = la.cholesky(a)
    av = _spd(rng, 4, dtype)
    want = np.linalg.slogdet(av.astype("float64"))
    for gram in (factor @ factor.T, factor.T @ factor):
        out = la.det(gram)
        assert fires("det_of_assembled", out)
        got = assert_same_values([a], out, av, rtol=_rtol(dtype))
        if gram.owner.inputs[0] is factor:  # l @ l.T is a
            np.testing.assert_allclose(got, np.exp(want[1]), rtol=_rtol(dtype))
        log_det = at.log(la.det(gram))
        assert fires("log_det_of_assembled", log_det)
        assert "Det" not in op_names(log_det)
        sign, logabs = la.slogdet(gram)
        assert "slogdet_of_assembled" in fired([sign, logabs])
    got = assert_same_values([a], at.log(la.det(factor @ factor.T)), av, rtol=_rtol(dtype))
    np.testing.assert_allclose(got, want[1], rtol=_rtol(dtype))
    check_grad(lambda x: at.log(la.det(la.cholesky(x) @ la.cholesky(x).T)), [_spd(rng, 3)], rng)


def test_det_of_gram_matrix_of_triangular_factors():
    rng = np.random.default_rng(15)
    x = at.tensor3("x")
    lower = assume(x, "lower", "positive_diagonal")
    out = at.log(la.det(lower @ la.common.mT(lower)))  # a stack: matmul
    assert fires("log_det_of_assembled", out)
    xv = np.tril(rng.uniform(0.5, 2, size=(2, 3, 3)))
    np.testing.assert_allclose(assert_same_values([x], out, xv),
                               np.linalg.slogdet(xv @ np.swapaxes(xv, -1, -2))[1])
    # a triangle of a matrix not known to be square: x x.T is singular for a 3 x 2 x
    m = at.matrix("m")
    assert not fires("det_of_assembled", la.det(at.tril(m) @ at.tril(m).T))
    assert not fires("det_of_assembled", la.det(m @ m.T))
    square = at.matrix("s", shape=(3, 3))
    sign, logabs = la.slogdet(at.triu(square).T @ at.triu(square))
    # (the full pipeline moves the transpose into triu's elementwise form first: the rule alone)
    assert fires("slogdet_of_assembled", logabs)
    sv = rng.normal(size=(3, 3))
    got = arignote.function([square], [sign, logabs])(sv)
    want = np.linalg.slogdet(np.triu(sv).T @ np.triu(sv))
    np.testing.assert_allclose(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1])


# --- inverses and transposes ------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("b_rank", [1, 2])
def test_solve_of_identity_times_b_is_a_solve(dtype, b_rank):
    rng = np.random.default_rng(16)
    a = at.matrix("a", dtype=dtype)
    y = at.tensor("y", dtype=dtype, shape=(None,) * b_rank)
    inverse = la.solve(a, at.eye(a.shape[0], dtype=dtype))
    out = inverse @ y
    assert "solve_from_inv_product" in fired(out)
    names = op_names(out)
    assert names.count("Solve") == 1 and "Eye" not in names
    av, yv = _general(rng, 4, dtype), rng.normal(size=(4, 3)[:b_rank]).astype(dtype)
    got = assert_same_values([a, y], out, av, yv, rtol=_rtol(dtype))
    np.testing.assert_allclose(got, np.linalg.solve(av, yv), rtol=_rtol(dtype), atol=_rtol(dtype))


def test_solve_of_identity_of_another_dtype_or_constant():
    rng = np.random.default_rng(17)
    a, y = at.matrix("a", dtype="float32"), at.vector("y", dtype="float32")
    out = la.solve(a, at.eye(a.shape[0])) @ y  # a float64 identity: a float64 result
    assert out.dtype == "float64" and "solve_from_inv_product" in fired(out)
    av, yv = _general(rng, 3, "float32"), rng.normal(size=3).astype("float32")
    np.testing.assert_allclose(assert_same_values([a, y], out, av, yv), np.linalg.solve(av, yv), rtol=1e-5)
    s = at.matrix("s", shape=(3, 3))
    assert "solve_from_inv_product" in fired(la.solve(s, np.eye(3)) @ y)  # a constant identity
    b = at.matrix("b")
    assert "solve_from_inv_product" in fired(la.solve(b, at.identity_like(b)) @ y)


def test_solve_of_other_right_hand_sides_stays():
    a, y = at.matrix("a"), at.vector("y")
    n = a.shape[0]
    for left in (la.solve(a, at.eye(n, n, 1)), la.solve(a, 2 * at.eye(n)), la.solve(a, at.eye(n, n + 1)),
                 la.solve(a, at.eye(n), assume_a="pos"), la.solve(a, np.ones((3, 3)))):
        assert not fires("solve_from_inv_product", left @ y)


@pytest.mark.parametrize("dtype", DTYPES)
def test_product_of_inverses(dtype):
    rng = np.random.default_rng(18)
    a, b = _matrices(dtype, "a", "b")
    out = la.inv(a) @ la.inv(b)
    assert fires("inv_of_product_from_inverses", out)
    assert op_names(out).count("MatrixInverse") == 1
    av, bv = _general(rng, 3, dtype), _general(rng, 3, dtype)
    got = assert_same_values([a, b], out, av, bv, rtol=_rtol(dtype))
    want = np.linalg.inv(av) @ np.linalg.inv(bv)
    np.testing.assert_allclose(got, want, rtol=_rtol(dtype), atol=_rtol(dtype))
    sa, sb = at.tensor3("sa", dtype=dtype), at.tensor3("sb", dtype=dtype)
    stacked = la.inv(sa) @ la.inv(sb)
    assert fires("inv_of_product_from_inverses", stacked)
    sav, sbv = _general(rng, 3, dtype, batch=(2,)), _general(rng, 3, dtype, batch=(2,))
    got = assert_same_values([sa, sb], stacked, sav, sbv, rtol=_rtol(dtype))
    want = np.linalg.inv(sav) @ np.linalg.inv(sbv)
    np.testing.assert_allclose(got, want, rtol=_rtol(dtype), atol=_rtol(dtype))
    check_grad(lambda x, y: la.inv(x) @ la.inv(y), [_general(rng, 3), _general(rng, 3)], rng)


def test_product_of_inverses_of_integers_or_with_another_matrix_stays():
    a, b = at.matrix("a", dtype="int64"), at.matrix("b")
    assert not fires("inv_of_product_from_inverses", la.inv(a) @ la.inv(a))
    assert not fires("inv_of_product_from_inverses", la.inv(b) @ b)


@pytest.mark.parametrize("dtype", DTYPES)
def test_transposed_inverse_times_b_is_a_solve(dtype):
    rng = np.random.default_rng(19)
    a, y = at.matrix("a", dtype=dtype), at.vector("y", dtype=dtype)
    stack, ys = at.tensor3("s", dtype=dtype), at.tensor3("ys", dtype=dtype)
    av, yv = _general(rng, 4, dtype), rng.normal(size=4).astype(dtype)
    for out, ins, vals, want in (
            (la.inv(a).T @ y, [a, y], [av, yv], np.linalg.solve(av.T, yv)),
            (la.common.mT(la.inv(stack)) @ ys, [stack, ys], [_general(rng, 3, dtype, batch=(2,)),
                                                          rng.normal(size=(2, 3, 2)).astype(dtype)], None),
            (la.common.mT(la.solve(a, at.eye(a.shape[0], dtype=dtype))) @ y, [a, y], [av, yv],
             np.linalg.solve(av.T, yv))):
        assert "solve_from_inv_product" in fired(out)
        assert "MatrixInverse" not in op_names(out) and "Eye" not in op_names(out)
        got = assert_same_values(ins, out, *vals, rtol=_rtol(dtype))
        if want is None:
            want = np.linalg.solve(np.swapaxes(vals[0], -1, -2), vals[1])
        np.testing.assert_allclose(got, want, rtol=_rtol(dtype), atol=_rtol(dtype))


def test_transpose_of_inverse_alone():
    rng = np.random.default_rng(24)
    a = at.matrix("a")
    out = la.inv(a).T
    assert "transpose_of_inverse" in fired(out)
    names = op_names(out)
    assert names.index("Transpose") < names.index("MatrixInverse")  # inv(a.T)
    av = _general(rng, 3)
    np.testing.assert_allclose(assert_same_values([a], out, av), np.linalg.inv(av).T)
    stack = at.tensor3("s")
    out = la.common.mT(la.solve(stack, at.eye(stack.shape[-1])))
    assert fires("transpose_of_inverse", out)
    sv = _general(rng, 3, batch=(2,))
    np.testing.assert_allclose(assert_same_values([stack], out, sv), np.swapaxes(np.linalg.inv(sv), -1, -2))


def test_transposed_inverse_used_elsewhere_stays():
    # the derivative of inv(a) reads inv(a).T: one inverse serves both
    rng = np.random.default_rng(20)
    a, c = at.matrix("a"), at.matrix("c")
    inverse = la.inv(a)
    g = arignote.grad(at.sum(inverse * c), a)
    assert "transpose_of_inverse" not in fired([inverse, g])
    assert op_names([inverse, g]).count("MatrixInverse") == 1
    assert "transpose_of_inverse" not in fired([inverse, inverse.T @ at.vector("y")])
    check_grad(lambda x, w: at.sum(la.inv(x).T * w), [_general(rng, 3), rng.normal(size=(3, 3))], rng)


def test_transpose_of_symmetric():
    rng = np.random.default_rng(21)
    a, y = at.matrix("a"), at.vector("y")
    sym = assume(a, "sym")
    assert fires("transpose_of_symmetric", sym.T)
    out = la.inv(sym.T) @ y
    assert "transpose_of_symmetric" in fired(out)
    names = op_names(out)
    assert "Transpose" not in names and "DimShuffle" not in names
    av = _spd(rng, 3)
    yv = np.arange(3.0)
    np.testing.assert_allclose(assert_same_values([a, y], out, av, yv), np.linalg.solve(av, yv))
    x = at.matrix("x")
    gram = x @ x.T  # symmetric, derived
    assert fires("transpose_of_symmetric", gram.T)
    assert not fires("transpose_of_symmetric", a.T)
    assert not fires("transpose_of_symmetric", at.tril(a).T)
    stack = assume(at.tensor3("s"), "sym")
    assert fires("transpose_of_symmetric", la.common.mT(stack))
    assert not fires("transpose_of_symmetric", at.transpose(stack, (1, 0, 2)))  # not the matrix axes
    assert not fires("transpose_of_symmetric", at.transpose(stack))  # all axes reversed
    # no cycle with the canonical transpose rules (x.T.T -> x), the inverse rules included
    for graph in (sym.T.T, la.inv(sym).T, la.inv(sym.T).T @ y, (gram.T @ gram).T):
        try:
            fired(graph)
        except RewriteCycleError as exc:  # pragma: no cover - the failure to report
            pytest.fail(str(exc))


# --- the diagonal of a product -----------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES + ["int32"])
def test_diagonal_of_product(dtype):
    rng = np.random.default_rng(22)
    a, b = _matrices(dtype, "a", "b")
    out = at.diagonal(a @ b)
    assert fires("diagonal_of_product", out)
    assert "Dot" not in op_names(out)
    for shapes in (((4, 3), (3, 4)), ((3, 5), (5, 4)), ((4, 2), (2, 3))):  # square, and not
        av = rng.normal(size=shapes[0]) * 3
        bv = rng.normal(size=shapes[1]) * 3
        av, bv = av.astype(dtype), bv.astype(dtype)
        got = assert_same_values([a, b], out, av, bv, rtol=_rtol(dtype))
        np.testing.assert_allclose(got, np.diagonal(av @ bv), rtol=_rtol(dtype))
    assert not fires("diagonal_of_product", at.diagonal(a @ b, 1))
    assert not fires("diagonal_of_product", at.diagonal(a + b))


def test_diagonal_of_batched_product():
    rng = np.random.default_rng(23)
    a, b = at.tensor3("a"), at.tensor3("b")
    out = la.common.diag_part(a @ b)
    assert fires("diagonal_of_product", out)
    av, bv = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 4, 3))
    got = assert_same_values([a, b], out, av, bv)
    np.testing.assert_allclose(got, np.diagonal(av @ bv, 0, -2, -1))
    assert not fires("diagonal_of_product", at.diagonal(a @ b, 0, 0, 1))  # not the matrix axes
    check_grad(lambda x, y: la.common.diag_part(x @ y), [av, bv], rng)
    trace = la.trace(at.matrix("m") @ at.matrix("n"))  # trace of a product: the diagonal first
    m, n = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    got = arignote.function(list(trace.owner.inputs[0].owner.inputs[0].owner.inputs), trace)(m, n)
    np.testing.assert_allclose(got, np.trace(m @ n))
