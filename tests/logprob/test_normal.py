"""logp / logcdf / icdf of the normal distribution against scipy.stats, with derivatives
against finite differences and the parameter checks (the model for the other distributions'
tests)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad
from arignote.logprob import NotMeasurable, icdf, logcdf, logp

RNG = np.random.default_rng(20261207)


def test_normal_against_scipy_tails_included():
    mu, sigma, v = at.dscalar("mu"), at.dscalar("sigma"), at.dvector("v")
    rv = at.random.normal(mu, sigma, size=6)
    f = arignote.function([v, mu, sigma], [logp(rv, v), logcdf(rv, v)])
    for loc, scale in [(0.0, 1.0), (0.5, 2.0), (-3.0, 1e-3), (1e3, 50.0)]:
        x = loc + scale * np.array([0.0, 0.3, -2.0, 8.0, -30.0, -39.0])  # far tails: log space
        got = f(x, loc, scale)
        ref = st.norm(loc, scale)
        # a few operations on values of size up to ~800: relative error a few ulps
        np.testing.assert_allclose(got[0], ref.logpdf(x), rtol=1e-13)
        np.testing.assert_allclose(got[1], ref.logcdf(x), rtol=1e-12)
    q = at.dvector("q")
    quantile = arignote.function([q, mu, sigma], icdf(rv, q))
    probabilities = np.array([1e-300, 1e-10, 0.25, 0.5, 0.9, 1 - 1e-12])
    np.testing.assert_allclose(quantile(probabilities, 0.5, 2.0), st.norm(0.5, 2.0).ppf(probabilities),
                               rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_normal_broadcasts_and_keeps_the_dtype(dtype):
    mu = at.tensor("mu", dtype=dtype, shape=(3, 1))
    sigma = at.tensor("sigma", dtype=dtype, shape=(None,))
    rv = at.random.normal(mu, sigma)
    v = at.tensor("v", dtype=dtype, shape=(3, None))
    out = logp(rv, v)
    assert out.dtype == dtype
    mv, sv = RNG.normal(size=(3, 1)).astype(dtype), RNG.uniform(0.5, 2, size=4).astype(dtype)
    x = RNG.normal(size=(3, 4)).astype(dtype)
    got = arignote.function([v, mu, sigma], out)(x, mv, sv)
    rtol = 20 * np.finfo(dtype).eps  # a handful of rounded operations
    np.testing.assert_allclose(got, st.norm(mv, sv).logpdf(x), rtol=rtol, atol=rtol)


def test_normal_derivatives_against_finite_differences():
    rv_of = lambda m, s: at.random.normal(m, s, size=4)  # noqa: E731
    point = [RNG.normal(size=4), np.array(0.3), np.array(1.7)]
    verify_grad(lambda v, m, s: logp(rv_of(m, s), v), point, rng=RNG)
    verify_grad(lambda v, m, s: logcdf(rv_of(m, s), v), point, rng=RNG)


def test_invalid_parameters_raise_naming_the_distribution_unless_unchecked():
    sigma, v = at.dscalar("sigma"), at.dscalar("v")
    rv = at.random.normal(0.0, sigma)
    checked = arignote.function([v, sigma], logp(rv, v))
    with pytest.raises(ValueError, match="normal: scale > 0 is required"):
        checked(0.0, -1.0)
    unchecked = arignote.function([v, sigma], logp(rv, v, check_parameters=False))
    assert np.isnan(unchecked(0.0, -1.0))


def test_only_random_variables_have_densities():
    x = at.dscalar("x")
    with pytest.raises(NotMeasurable, match="not the draw of a random variable"):
        logp(at.exp(x), 0.0)
    with pytest.raises(NotMeasurable, match="expected a random variable"):
        logp(1.0, 0.0)
