"""The maximum and minimum of i.i.d. draws (:mod:`arignote.logprob.order_statistics`) against
the order-statistic formulas evaluated with scipy.stats, and without reference: their densities
integrate (sum, for discrete draws) to 1; derivatives against finite differences; the graphs
that are not i.i.d. along the reduced axes are refused."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate as si
import scipy.stats as st

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad
from arignote.logprob import NotMeasurable, conditional_logp

# Tolerances, float64.  The term is log n + logp + (n - 1) logcdf: three rules of a few ulps
# each (log_ndtr, log1mexp...), the last multiplied by n - 1 <= 11, on terms up to ~30: about
# 11 * 30 * 4 eps ~ 3e-13 absolute, so 1e-12 relative and absolute.  The discrete form adds
# log1mexp of n times a difference of two logcdfs (incomplete gamma, ~1e-14 relative each,
# times n <= 6 and the conditioning 1 / (1 - ratio) <= ~10): 1e-11.
CLOSED = 1e-12
DISCRETE = 1e-11
# quad's error estimate on these smooth, quickly decaying integrands is ~1e-10.
QUAD = 1e-8


def _term(rv, value):
    return conditional_logp({rv: value})[value]


def _reference(dist, v, n, is_max):
    tail = dist.logcdf(v) if is_max else dist.logsf(v)
    return np.log(n) + dist.logpdf(v) + (n - 1) * tail


@pytest.mark.parametrize("reduce", ["max", "min"])
def test_normal_extremes_against_the_formula_and_total_probability(reduce):
    mu = at.dvector("mu")
    x = at.random.normal(mu[:, None], 2.0, size=(3, 5))  # i.i.d. along axis 1, not along 0
    y = getattr(at, reduce)(x, axis=1)
    v = at.dvector("v")
    f = arignote.function([v, mu], _term(y, v))
    rng = np.random.default_rng(1)
    mus = rng.normal(0, 3, size=3)
    values = mus + rng.normal(0, 2, size=3)
    expected = _reference(st.norm(mus, 2.0), values, 5, reduce == "max")
    np.testing.assert_allclose(f(values, mus), expected, rtol=CLOSED, atol=CLOSED)
    total, _ = si.quad(lambda t: np.exp(f(np.full(3, t), mus)[0]), -np.inf, np.inf,
                       epsabs=1e-12, epsrel=1e-12)
    np.testing.assert_allclose(total, 1.0, rtol=QUAD)


def test_several_axes_all_axes_and_keepdims():
    x = at.random.exponential(1.5, size=(2, 3, 4))
    ref = st.expon(scale=1.5)
    v = at.dvector("v")
    y = at.max(x, axis=(0, 2))  # 8 draws per value
    values = np.array([0.5, 2.0, 6.0])
    np.testing.assert_allclose(_term(y, v).eval({v: values}), _reference(ref, values, 8, True),
                               rtol=CLOSED, atol=CLOSED)
    s = at.dscalar("s")
    y = at.min(x)  # all 24: the minimum of exponentials is exponential with scale 1.5 / 24
    np.testing.assert_allclose(_term(y, s).eval({s: 0.03}), st.expon(scale=1.5 / 24).logpdf(0.03),
                               rtol=CLOSED)
    m = at.dtensor3("m")
    y = at.max(x, axis=1, keepdims=True)  # through the DimShuffle that keeps the axis
    values = np.full((2, 1, 4), 1.1)
    np.testing.assert_allclose(_term(y, m).eval({m: values}), _reference(ref, values, 3, True),
                               rtol=CLOSED, atol=CLOSED)


def test_transformed_draws_and_far_tails():
    s = at.dscalar("s")
    # exp of normals: the extremes of log-normals
    x = at.exp(at.random.normal(0.5, 0.8, size=6))
    ref = st.lognorm(0.8, scale=np.exp(0.5))
    for reduce in ("max", "min"):
        f = arignote.function([s], _term(getattr(at, reduce)(x), s))
        np.testing.assert_allclose(f(2.3), _reference(ref, 2.3, 6, reduce == "max"), rtol=CLOSED)
        total, _ = si.quad(lambda t: np.exp(f(t)), 0, np.inf, epsabs=1e-12, epsrel=1e-12)
        np.testing.assert_allclose(total, 1.0, rtol=QUAD)
    # the minimum of normals far in the upper tail: (n - 1) logsf(40) ~ -3200, from the mirrored
    # lower tail (the complement of logcdf would give -inf)
    f = arignote.function([s], _term(at.min(at.random.normal(0.0, 1.0, size=4)), s))
    np.testing.assert_allclose(f(40.0), _reference(st.norm, 40.0, 4, False), rtol=CLOSED)
    assert np.isfinite(f(40.0))


@pytest.mark.parametrize("reduce", ["max", "min"])
def test_poisson_extremes_sum_to_one(reduce):
    x = at.random.poisson(3.5, size=(6, 2))
    y = getattr(at, reduce)(x, axis=0)
    k = at.lvector("k")
    f = arignote.function([k], _term(y, k))
    ks = np.arange(0, 45)
    got = np.array([f(np.array([j, j]))[0] for j in ks])
    ref = st.poisson(3.5)
    # A^6 - B^6 (A = F(k), B = F(k - 1) for the maximum, S(k - 1) and S(k) for the minimum)
    # cancels where A and B are near 1; there 1 - A and 1 - B are the accurate quantities:
    # A^6 - B^6 = expm1(6 log1p(-(1 - A))) - expm1(6 log1p(-(1 - B)))
    lower_a, lower_b = (ref.cdf(ks), ref.cdf(ks - 1)) if reduce == "max" else \
        (ref.sf(ks - 1), ref.sf(ks))
    upper_a, upper_b = (ref.sf(ks), ref.sf(ks - 1)) if reduce == "max" else \
        (ref.cdf(ks - 1), ref.cdf(ks))
    with np.errstate(divide="ignore"):  # log1p(-1) and log(0) where that form is not chosen
        direct = lower_a ** 6 - lower_b ** 6
        complement = np.expm1(6 * np.log1p(-upper_a)) - np.expm1(6 * np.log1p(-upper_b))
        expected = np.log(np.where(lower_b > 0.5, complement, direct))
    finite = expected > -600  # scipy's direct difference underflows beyond
    np.testing.assert_allclose(got[finite], expected[finite], rtol=DISCRETE, atol=DISCRETE)
    # the rest of the mass beyond 44 is below 1e-25
    np.testing.assert_allclose(np.exp(got).sum(), 1.0, rtol=1e-13)
    assert f(np.array([-1, -3]))[0] == -np.inf
    fv = arignote.function([v := at.dvector("v")], _term(y, v))
    assert np.all(fv(np.array([2.5, 0.1])) == -np.inf)  # non-integers


def test_gradients_against_finite_differences():
    rng = np.random.default_rng(4)
    values = at.constant(np.array([0.3, 1.7, -0.4]))
    verify_grad(lambda mu, sigma: _term(at.max(at.random.normal(mu, sigma, size=(3, 4)), axis=1),
                                        values).sum(),
                [np.array(0.2), np.array(1.1)], rng=rng)
    verify_grad(lambda mu, sigma: _term(at.min(at.random.logistic(mu, sigma, size=(4, 3)), axis=0),
                                        values).sum(),
                [np.array(-0.1), np.array(0.7)], rng=rng)
    verify_grad(lambda v: _term(at.max(at.random.gamma(2.0, scale=1.5, size=(3, 5)), axis=1), v).sum(),
                [np.array([0.5, 2.0, 4.0])], rng=rng)
    ks = at.constant(np.array([0, 3, 9]))
    verify_grad(lambda lam: _term(at.min(at.random.poisson(lam, size=(4, 3)), axis=0), ks).sum(),
                [np.array(2.5)], rng=rng)


def test_draws_not_identically_distributed_are_refused():
    mu = at.dvector("mu")
    x = at.random.normal(mu, 1.0, size=(2, 3))  # mu varies along axis 1
    assert _term(at.max(x, axis=0), at.dvector("v")) is not None  # along axis 0 it does not
    with pytest.raises(NotMeasurable, match=r"Max\{axis=\(1,\)\}"):
        _term(at.max(x, axis=1), at.dvector("v"))
    z = at.random.normal(0.0, 1.0, size=(2, 3))
    with pytest.raises(NotMeasurable, match="not a measurable operation"):
        _term(at.min(z + mu, axis=1), at.dvector("v"))  # a shift that varies along the axis
    one = at.random.normal(0.0, 1.0, size=(1, 3))
    with pytest.raises(NotMeasurable, match="not a measurable operation"):
        # one draw repeated along axis 0 by the addition: not independent
        _term(at.max(one + at.zeros((4, 3)), axis=0), at.dvector("v"))
    mv = at.random.multivariate_normal(np.zeros(2), np.eye(2), size=3)
    with pytest.raises(NotMeasurable, match="not a measurable operation"):
        _term(at.max(mv, axis=1), at.dvector("v"))
    with pytest.raises(NotMeasurable, match="not a measurable operation"):
        _term(at.sum(z, axis=1), at.dvector("v"))  # a sum is not an order statistic
