"""logp of multivariate_normal, dirichlet and multinomial against scipy.stats: batches of
values and parameters broadcast, float32, values off the support, an ill-conditioned
covariance, derivatives against finite differences and the parameter checks."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad
from arignote.logprob import logp

RNG = np.random.default_rng(20261208)
EPS = np.finfo(np.float64).eps


def _covariances(batch: tuple[int, ...], n: int, condition: float = 10.0) -> np.ndarray:
    """Random symmetric positive definite matrices with eigenvalues from 1 to ``condition``."""
    q, _ = np.linalg.qr(RNG.normal(size=(*batch, n, n)))
    eigenvalues = np.geomspace(1.0, condition, n)
    return (q * eigenvalues[..., None, :]) @ np.swapaxes(q, -1, -2)


# --- multivariate normal ------------------------------------------------------------------

def test_mvnormal_batches_of_values_means_and_covariances():
    mean = at.tensor("mean", dtype="float64", shape=(1, None))
    cov, x = at.dtensor3("cov"), at.dtensor3("x")
    rv = at.random.multivariate_normal(mean, cov, size=(4, 2))
    f = arignote.function([x, mean, cov], logp(rv, x))
    mv = RNG.normal(size=(1, 3))  # broadcast over the covariances' batch
    cv = _covariances((2,), 3)
    xv = mv + 3 * RNG.normal(size=(4, 2, 3))  # out to a few standard deviations
    got = f(xv, mv, cv)
    assert got.shape == (4, 2)
    want = np.array([[st.multivariate_normal(mv[0], cv[j]).logpdf(xv[i, j]) for j in range(2)]
                     for i in range(4)])
    # Cholesky and a triangular solve of a matrix of condition 10: relative error ~ n * eps *
    # condition in the quadratic form, a few ulps in the log-determinant
    np.testing.assert_allclose(got, want, rtol=3 * 10 * 64 * EPS)


def test_mvnormal_ill_conditioned_covariance_stays_accurate():
    # cov = L L^T with L an integer unit lower-triangular matrix: cov is exact in float64,
    # log det cov = 0, and x = mean + L z (integers) has the quadratic form |z|^2 exactly.
    # The Cholesky factor is backward stable, so the solve's relative error is ~ n cond(L)
    # eps, while forming inv(cov) would lose cond(cov) = cond(L)^2 eps (all digits here).
    factor = np.array([[1, 0, 0, 0], [30, 1, 0, 0], [-20, 40, 1, 0], [10, -30, 50, 1]], dtype=float)
    cv = factor @ factor.T
    assert np.linalg.cond(cv) > 1e12
    mv = np.array([1.0, -2.0, 3.0, 0.0])
    z = RNG.integers(-3, 4, size=(5, 4)).astype(float)
    xv = mv + z @ factor.T
    mean, cov, x = at.dvector("mean"), at.dmatrix("cov"), at.dmatrix("x")
    f = arignote.function([x, mean, cov], logp(at.random.multivariate_normal(mean, cov, size=5), x))
    want = -0.5 * np.sum(z * z, axis=-1) - 2 * np.log(2 * np.pi)
    np.testing.assert_allclose(f(xv, mv, cv), want, rtol=4 * 4 * np.linalg.cond(factor) * EPS)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_mvnormal_keeps_the_dtype(dtype):
    mean = at.tensor("mean", dtype=dtype, shape=(3,))
    cov = at.tensor("cov", dtype=dtype, shape=(3, 3))
    x = at.tensor("x", dtype=dtype, shape=(5, 3))
    out = logp(at.random.multivariate_normal(mean, cov, size=5), x)
    assert out.dtype == dtype
    cv, mv = _covariances((), 3), RNG.normal(size=3)
    xv = RNG.multivariate_normal(mv, cv, size=5)
    got = arignote.function([x, mean, cov], out)(xv.astype(dtype), mv.astype(dtype), cv.astype(dtype))
    # inputs rounded to the dtype (relative eps) through a computation of condition ~10
    # and a sum of ~n terms: 10 * n * 64 eps, relative, with eps of that dtype
    ref = st.multivariate_normal(mv.astype(dtype), cv.astype(dtype)).logpdf(xv.astype(dtype))
    np.testing.assert_allclose(got, ref, rtol=3 * 10 * 64 * np.finfo(dtype).eps)


def test_mvnormal_derivatives_against_finite_differences():
    cv = _covariances((2,), 3)
    point = [RNG.normal(size=(2, 3)), RNG.normal(size=3), cv]
    verify_grad(lambda x, m, c: logp(at.random.multivariate_normal(m, c), x), point, rng=RNG)


def test_mvnormal_needs_a_positive_definite_covariance():
    cov, x = at.dmatrix("cov"), at.dvector("x")
    rv = at.random.multivariate_normal(np.zeros(2), cov)
    bad = np.array([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match="multivariate_normal: cov positive definite is required"):
        arignote.function([x, cov], logp(rv, x))(np.zeros(2), bad)
    assert np.isnan(arignote.function([x, cov], logp(rv, x, check_parameters=False))(np.zeros(2), bad))


# --- dirichlet ----------------------------------------------------------------------------

def test_dirichlet_against_scipy_and_off_the_simplex():
    alphas, x = at.dmatrix("alphas"), at.dmatrix("x")
    f = arignote.function([x, alphas], logp(at.random.dirichlet(alphas, size=6), x))
    av = np.array([[0.3, 1.0, 4.0, 50.0], [1.0, 1.0, 1.0, 1.0]])[[0, 1, 0, 1, 0, 0]]
    xv = np.array([RNG.dirichlet(a) for a in av])
    want = np.array([st.dirichlet(a).logpdf(v) for a, v in zip(av, xv)])
    # ~2k rounded terms of size up to gammaln(sum a) ~ 150: absolute 2k * 4 eps * 150
    np.testing.assert_allclose(f(xv, av)[:4], want[:4], rtol=0, atol=8 * 4 * 4 * EPS * 150)
    # off the simplex: a negative coordinate, a sum away from 1
    xv[4] = [0.5, 0.6, -0.1, 0.0]
    xv[5] = xv[5] * 1.01
    assert np.all(f(xv, av)[4:] == -np.inf)
    # an edge: x_i = 0 where a_i = 1 is inside (the density is finite there)
    edge = np.array([[0.2, 0.0, 0.3, 0.5]])
    got = arignote.function([x, alphas], logp(at.random.dirichlet(alphas), x))(edge, np.ones((1, 4)))
    np.testing.assert_allclose(got, [np.log(6.0)], rtol=4 * EPS)  # Gamma(4) on the simplex


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dirichlet_keeps_the_dtype(dtype):
    alphas = at.tensor("alphas", dtype=dtype, shape=(3,))
    x = at.tensor("x", dtype=dtype, shape=(4, 3))
    out = logp(at.random.dirichlet(alphas, size=4), x)
    assert out.dtype == dtype
    av = np.array([0.5, 2.0, 3.0], dtype=dtype)
    xv = RNG.dirichlet(av, size=4).astype(dtype)
    got = arignote.function([x, alphas], out)(xv, av)
    # ~2k terms of size up to ~5 (log x, gammaln) each a few ulps: absolute 64 eps * 5
    want = [st.dirichlet(av.astype(float)).logpdf(v / v.sum(dtype=float)) for v in xv.astype(float)]
    np.testing.assert_allclose(got, want, rtol=0, atol=64 * 5 * np.finfo(dtype).eps)


def test_dirichlet_derivatives_against_finite_differences():
    # the value moves on the simplex (y / sum y), where the density is defined
    point = [RNG.uniform(0.5, 2, size=(2, 3)), RNG.uniform(0.5, 3, size=3)]
    verify_grad(lambda y, a: logp(at.random.dirichlet(a, size=2), y / y.sum(axis=-1, keepdims=True)),
                point, rng=RNG)


def test_dirichlet_checks_alphas():
    alphas, x = at.dvector("alphas"), at.dvector("x")
    rv = at.random.dirichlet(alphas)
    with pytest.raises(ValueError, match="dirichlet: alphas > 0 is required"):
        arignote.function([x, alphas], logp(rv, x))(np.array([0.5, 0.5]), np.array([1.0, -1.0]))
    arignote.function([x, alphas], logp(rv, x, check_parameters=False))(np.array([0.5, 0.5]),
                                                                         np.array([1.0, -1.0]))


# --- multinomial --------------------------------------------------------------------------

def test_multinomial_against_scipy_with_a_batch_of_probabilities():
    n, p, x = at.lvector("n"), at.dmatrix("p"), at.dmatrix("x")
    f = arignote.function([x, n, p], logp(at.random.multinomial(n, p), x))
    pv = np.array([[0.2, 0.3, 0.5, 0.0], [0.7, 0.1, 0.1, 0.1], [0.25, 0.25, 0.25, 0.25]])
    nv = np.array([10, 1000, 0])
    xv = np.array([RNG.multinomial(k, q) for k, q in zip(nv, pv)], dtype=float)
    want = np.array([st.multinomial(k, q).logpmf(v) for k, q, v in zip(nv, pv, xv)])
    # ~2k gammaln terms of size up to gammaln(n + 1) ~ 6000 cancelling: absolute 16 k eps * it
    np.testing.assert_allclose(f(xv, nv, pv), want, rtol=0, atol=16 * 4 * EPS * 6000)
    # off the support: a count of an impossible outcome, a wrong total, a fraction, a negative
    off = np.array([[0, 5, 4, 1], [500, 500, 1, 0], [0.5, -0.5, 0, 0]], dtype=float)
    assert np.all(f(off, nv, pv) == -np.inf)


def test_multinomial_derivatives_and_checks():
    counts = at.constant(np.array([[2.0, 0.0, 3.0], [1.0, 1.0, 3.0]]))
    p = RNG.dirichlet([2.0, 2.0, 2.0])
    # unchecked: a finite-difference step takes p off the simplex by more than the check allows
    verify_grad(lambda q: logp(at.random.multinomial(5, q, size=2), counts, check_parameters=False),
                [p], rng=RNG)
    q, x = at.dvector("q"), at.dvector("x")
    rv = at.random.multinomial(5, q)
    with pytest.raises(ValueError, match="multinomial: p summing to 1 along its last axis is required"):
        arignote.function([x, q], logp(rv, x))(np.array([2.0, 3.0]), np.array([0.5, 0.6]))
    with pytest.raises(ValueError, match="multinomial: p >= 0 is required"):
        arignote.function([x, q], logp(rv, x))(np.array([2.0, 3.0]), np.array([1.5, -0.5]))
    arignote.function([x, q], logp(rv, x, check_parameters=False))(np.array([2.0, 3.0]), np.array([0.5, 0.6]))
