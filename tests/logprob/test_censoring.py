"""Censored (clip / maximum / minimum) and rounded (round / floor / ceil) random variables of
:mod:`arignote.logprob.censoring` against scipy.stats: the masses at the bounds are the cdf and
the survival, values inside have the density, the total probability is 1; rounded values have
the mass of their interval, far tails included; derivatives against finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate as si
import scipy.stats as st

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad
from arignote.logprob import NotMeasurable, conditional_logp
from arignote.logprob.censoring import round_half_away_density
from arignote.logprob.measurable import Derivation

RNG = np.random.default_rng(20261207)
# Tolerances, float64.  A censored term is one distribution rule (log_ndtr, gammaincc...: a few
# ulps relative, as in test_continuous.py) plus a few switches; a rounded term adds a log1mexp of
# a difference of two logcdfs, whose absolute error (~4 eps times the logcdfs, <= ~1e3 in the
# tails tested) becomes a relative error of the mass; 1e-12 relative covers the closed forms,
# 1e-10 the incomplete gamma function (Cephes' ~1e-14 relative, times the conditioning).
CLOSED = 1e-12
SPECIAL = 1e-10
# quad's own estimate of its error on these smooth integrands is ~1e-10; the interior integral
# plus two masses must give 1 within that.
QUAD = 1e-8


def _term(rv, value):
    return conditional_logp({rv: value})[value]


def _compile(rv, value, *inputs):
    return arignote.function([value, *inputs], _term(rv, value))


# --- censoring ------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(3))
def test_clip_of_a_normal_against_scipy_and_total_probability(seed):
    rng = np.random.default_rng(seed)
    mu, sigma = rng.normal(0, 2), rng.uniform(0.5, 3)
    lo, hi = np.sort(rng.normal(mu, 2 * sigma, size=2))
    mu_v, sigma_v, lo_v, hi_v = at.dscalars("mu", "sigma", "lo", "hi")
    y = at.clip(at.random.normal(mu_v, sigma_v, size=6), lo_v, hi_v)  # symbolic bounds
    v = at.dvector("v")
    f = _compile(y, v, mu_v, sigma_v, lo_v, hi_v)
    inside = np.sort(rng.uniform(lo, hi, size=3))
    values = np.array([lo, *inside, hi, hi + 1.0])
    got = f(values, mu, sigma, lo, hi)
    ref = st.norm(mu, sigma)
    np.testing.assert_allclose(got[0], ref.logcdf(lo), rtol=CLOSED)
    np.testing.assert_allclose(got[1:4], ref.logpdf(inside), rtol=CLOSED)
    np.testing.assert_allclose(got[4], ref.logsf(hi), rtol=CLOSED)
    assert got[5] == -np.inf
    assert f(np.full(6, lo - 1e-9), mu, sigma, lo, hi)[0] == -np.inf  # below the lower bound

    def density(t):
        return float(np.exp(f(np.full(6, t), mu, sigma, lo, hi)[0]))
    interior, _ = si.quad(density, lo, hi, epsabs=1e-12, epsrel=1e-12)
    total = interior + np.exp(got[0]) + np.exp(got[4])
    np.testing.assert_allclose(total, 1.0, rtol=QUAD)


def test_one_sided_censoring_either_operand_order():
    x = at.random.gamma(2.5, scale=1.5)
    ref = st.gamma(2.5, scale=1.5)
    v = at.dscalar("v")
    for y in (at.maximum(x, 1.0), at.maximum(1.0, x)):  # censored below at 1
        f = _compile(y, v)
        np.testing.assert_allclose(f(1.0), ref.logcdf(1.0), rtol=SPECIAL)
        np.testing.assert_allclose(f(2.7), ref.logpdf(2.7), rtol=CLOSED)
        assert f(0.5) == -np.inf
    for y in (at.minimum(x, 4.0), at.minimum(4.0, x)):  # censored above at 4
        f = _compile(y, v)
        np.testing.assert_allclose(f(4.0), ref.logsf(4.0), rtol=SPECIAL)
        np.testing.assert_allclose(f(0.3), ref.logpdf(0.3), rtol=CLOSED)
        assert f(4.5) == -np.inf
        mass, _ = si.quad(lambda t: np.exp(f(t)), 0, 4, epsabs=1e-12, epsrel=1e-12)
        np.testing.assert_allclose(mass + np.exp(f(4.0)), 1.0, rtol=QUAD)


def test_infinite_bounds_and_far_tails_stay_finite():
    x = at.random.normal(0.0, 1.0)
    v = at.dscalar("v")
    # at lo = -40 the mass is ~1e-350, below the smallest double: its log is still finite
    f = _compile(at.clip(x, -40.0, 40.0), v)
    np.testing.assert_allclose(f(-40.0), st.norm.logcdf(-40.0), rtol=CLOSED)
    np.testing.assert_allclose(f(40.0), st.norm.logsf(40.0), rtol=CLOSED)
    # a Student t's upper tail too (the survival mirrors the lower tail's formula)
    t = at.random.t(3.0, 1.0, 2.0)
    ft = _compile(at.minimum(t, 1e12), v)
    np.testing.assert_allclose(ft(1e12), st.t(3.0, 1.0, 2.0).logsf(1e12), rtol=CLOSED)
    # infinite bounds: never reached, the density throughout, and a finite gradient
    lo, hi = at.dscalars("lo", "hi")
    mu = at.dscalar("mu")
    y = at.clip(at.random.normal(mu, 1.0), lo, hi)
    term = _term(y, v)
    g = arignote.function([v, mu, lo, hi], [term, *arignote.grad(term, [v, mu])])
    value, d_v, d_mu = g(0.7, 0.2, -np.inf, np.inf)
    np.testing.assert_allclose(value, st.norm(0.2).logpdf(0.7), rtol=CLOSED)
    np.testing.assert_allclose([d_v, d_mu], [-0.5, 0.5], rtol=CLOSED)


def test_censored_poisson_masses_and_total():
    x = at.random.poisson(4.5, size=3)
    y = at.clip(x, 2, 7)
    v = at.lvector("v")
    f = _compile(y, v)
    ref = st.poisson(4.5)
    got = np.concatenate([f(np.array([k, k, k])) for k in range(0, 10)])[::3]
    np.testing.assert_allclose(got[2], ref.logcdf(2), rtol=SPECIAL)
    np.testing.assert_allclose(got[3:7], ref.logpmf(np.arange(3, 7)), rtol=SPECIAL)
    np.testing.assert_allclose(got[7], np.log(ref.sf(6)), rtol=SPECIAL)  # P(x >= 7)
    assert np.all(got[[0, 1, 8, 9]] == -np.inf)
    np.testing.assert_allclose(np.exp(got).sum(), 1.0, rtol=1e-13)


def test_censoring_of_transformed_and_valued_bounds():
    z = at.random.normal(0.0, 1.0)
    v = at.dscalar("v")
    # 2 z + 1 censored, and exp(z) (a log-normal) censored: through the transforms' logcdf/logsf
    f = _compile(at.clip(2.0 * z + 1.0, -1.0, 2.0), v)
    ref = st.norm(1.0, 2.0)
    np.testing.assert_allclose([f(-1.0), f(0.5), f(2.0)],
                               [ref.logcdf(-1.0), ref.logpdf(0.5), ref.logsf(2.0)], rtol=CLOSED)
    f = _compile(at.clip(at.exp(z), 0.5, 3.0), v)
    ref = st.lognorm(1.0)
    np.testing.assert_allclose([f(0.5), f(1.5), f(3.0)],
                               [ref.logcdf(0.5), ref.logpdf(1.5), ref.logsf(3.0)], rtol=CLOSED)
    # a negated draw: its upper mass is the lower tail of the draw (1e-200 here)
    f = _compile(at.minimum(-z, 30.0), v)
    np.testing.assert_allclose(f(30.0), st.norm.logcdf(-30.0), rtol=CLOSED)
    # a bound that is itself a random variable with a value
    lo = at.random.normal(0.0, 1.0)
    y = at.maximum(at.random.normal(0.0, 2.0), lo)
    lo_v = at.dscalar("lo_v")
    terms = conditional_logp({lo: lo_v, y: v})
    f2 = arignote.function([lo_v, v], terms[v])
    np.testing.assert_allclose(f2(0.3, 0.3), st.norm(0, 2).logcdf(0.3), rtol=CLOSED)
    np.testing.assert_allclose(f2(0.3, 1.1), st.norm(0, 2).logpdf(1.1), rtol=CLOSED)


def test_censoring_gradients_against_finite_differences():
    rng = np.random.default_rng(5)
    values = np.array([-1.0, 0.4, 2.0])  # at lo, inside, at hi

    verify_grad(lambda mu, sigma: _term(at.clip(at.random.normal(mu, sigma, size=3), -1.0, 2.0),
                                        at.constant(values)).sum(),
                [np.array(0.3), np.array(1.3)], rng=rng)
    # and in the value and the bound: inside only the value moves it; a value that is the
    # bound (the same variable) moves with it, through log F(lo)
    verify_grad(lambda v, lo: _term(at.maximum(at.random.logistic(0.5, 2.0, size=3), lo),
                                    at.concatenate([v, lo[None]])).sum(),
                [np.array([0.0, 1.7]), np.array(-0.2)], rng=rng)


def test_not_measurable_censoring():
    x, y = at.random.normal(0, 1), at.random.normal(0, 1)
    with pytest.raises(NotMeasurable, match="not a measurable operation"):
        conditional_logp({at.maximum(x, y): 0.0})
    with pytest.raises(NotMeasurable, match="not a measurable operation"):
        conditional_logp({at.clip(0.0, x, 1.0): 0.0})  # a random bound, the censored one fixed


# --- rounding -------------------------------------------------------------------------------

def _log_mass(ref, a, b):
    """log(F(b) - F(a)) from the lower or upper tail, in float64 with scipy."""
    with np.errstate(divide="ignore"):  # the form not chosen may be log(0)
        return _log_mass_both(ref, a, b)


def _log_mass_both(ref, a, b):
    lower = ref.logcdf(b) + np.log1p(-np.exp(ref.logcdf(a) - ref.logcdf(b)))
    upper = ref.logsf(a) + np.log1p(-np.exp(ref.logsf(b) - ref.logsf(a)))
    return np.where(ref.cdf(a) < 0.5, lower, upper)


@pytest.mark.parametrize("kind, below, above", [("round", 0.5, 0.5), ("floor", 0.0, 1.0),
                                                ("ceil", 1.0, 0.0)])
def test_rounded_normal_masses_total_and_tails(kind, below, above):
    mu, sigma = 0.3, 1.5
    x = at.random.normal(mu, sigma, size=7)
    y = getattr(at, kind)(x)
    v = at.dvector("v")
    f = _compile(y, v)
    ref = st.norm(mu, sigma)
    ks = np.arange(-14.0, 15.0)
    got = np.concatenate([f(ks[i:i + 7]) for i in range(0, 28, 7)] + [f(np.full(7, ks[-1]))[:1]])
    np.testing.assert_allclose(got, _log_mass(ref, ks - below, ks + above), rtol=CLOSED)
    # the masses of 29 integers, 9 standard deviations to each side, add up to 1 (the rest
    # is ~1e-19)
    np.testing.assert_allclose(np.exp(got).sum(), 1.0, rtol=1e-14)
    # far tails (masses ~1e-150, ~1e-450) and non-integers
    far = np.array([25.0, -40.0, 60.0, 0.5, -2.25, 1e-9, 3.0])
    out = f(far)
    np.testing.assert_allclose(out[[0, 1, 6]], _log_mass(ref, far[[0, 1, 6]] - below,
                                                         far[[0, 1, 6]] + above), rtol=CLOSED)
    assert np.isfinite(out[2]) and out[2] < -700
    assert np.all(out[3:6] == -np.inf)


def test_rounding_of_transformed_and_discrete_draws():
    v = at.dvector("v")
    # floor of an exponential: geometric on {0, 1, ...} with success probability 1 - exp(-1/2)
    f = _compile(at.floor(at.random.exponential(2.0, size=4)), v)
    ks = np.array([0.0, 1.0, 5.0, -1.0])
    expected = st.geom(1 - np.exp(-0.5), loc=-1).logpmf(ks)
    np.testing.assert_allclose(f(ks), expected, rtol=CLOSED)
    # round of exp(z): a rounded log-normal
    f = _compile(at.round(at.exp(at.random.normal(0.0, 0.5, size=2))), v)
    ref = st.lognorm(0.5)
    np.testing.assert_allclose(f(np.array([1.0, 3.0])), _log_mass(ref, np.array([0.5, 2.5]),
                                                                  np.array([1.5, 3.5])), rtol=CLOSED)
    # a discrete draw is left as it is
    k = at.lvector("k")
    f = _compile(at.round(at.random.poisson(3.0, size=3)), k)
    np.testing.assert_allclose(f(np.array([0, 2, 7])), st.poisson(3.0).logpmf([0, 2, 7]), rtol=SPECIAL)


def test_round_half_away_from_zero_pattern():
    x = at.random.normal(-0.4, 2.0, size=3)
    y = at.round(x, "half_away_from_zero")
    v = at.dvector("v")
    derivation = Derivation([y])
    term = round_half_away_density(y.owner, v, derivation)
    assert term is not None
    f = arignote.function([v], term)
    ks = np.array([-3.0, 0.0, 4.0])
    np.testing.assert_allclose(f(ks), _log_mass(st.norm(-0.4, 2.0), ks - 0.5, ks + 0.5), rtol=CLOSED)
    # through conditional_logp, by the Switch rule
    np.testing.assert_allclose(_compile(y, v)(ks), f(ks), rtol=CLOSED)
    # another switch is not this pattern
    other = at.switch(at.gt(x, 0), x, at.trunc(x))
    assert round_half_away_density(other.owner, v, Derivation([other])) is None


def test_rounding_gradients_against_finite_differences():
    rng = np.random.default_rng(9)
    ks = at.constant(np.array([-2.0, 0.0, 1.0, 9.0]))  # 9: the upper-tail form
    verify_grad(lambda mu, sigma: _term(at.round(at.random.normal(mu, sigma, size=4)), ks).sum(),
                [np.array(0.2), np.array(1.7)], rng=rng)
    positive = at.constant(np.array([1.0, 2.0, 5.0, 30.0]))  # 30: the upper tail
    verify_grad(lambda scale: _term(at.ceil(at.random.exponential(scale, size=4)), positive).sum(),
                [np.array(1.3)], rng=rng)


def test_censoring_of_a_negatively_scaled_variable():
    # y = 1 - 2 x with x ~ N(0.5, 1.5): P(y <= lo) = P(x >= (1 - lo) / 2), the survival of x
    x = at.random.normal(0.5, 1.5, size=3)
    v = at.dvector("v")
    f = arignote.function([v], _term(at.clip(1.0 - 2.0 * x, -2.0, 3.0), v))
    got = f(np.array([-2.0, 0.4, 3.0]))
    ref = st.norm(1.0 - 2.0 * 0.5, 2.0 * 1.5)
    np.testing.assert_allclose(got, [ref.logcdf(-2.0), ref.logpdf(0.4), ref.logsf(3.0)], rtol=1e-12)
    f = arignote.function([v], _term(at.clip(-2.0 * x, -2.0, 3.0), v))
    ref = st.norm(-1.0, 3.0)
    np.testing.assert_allclose(f(np.array([-2.0, 0.4, 3.0])),
                               [ref.logcdf(-2.0), ref.logpdf(0.4), ref.logsf(3.0)], rtol=1e-12)
