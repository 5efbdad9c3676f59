"""logp / logcdf / icdf of the distributions of :mod:`arignote.logprob.continuous_more`
(Cauchy, half-Cauchy, Student's t, Laplace, logistic, Gumbel, Pareto, von Mises) against
scipy.stats, with the checks of tests/logprob/test_continuous.py (random draws, far tails,
support ends; float32; broadcasting; finite-difference derivatives; parameter checks), and
tails where scipy itself loses digits against their asymptotic expansions."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st
from scipy.special import gammaln

import arignote
import arignote.tensor as at
from arignote.logprob import icdf, logcdf, logp
from tests.logprob.test_continuous import (
    CLOSED,
    INVERSE,
    SPECIAL,
    Case,
    check_against_scipy,
    check_broadcasting,
    check_derivatives,
    check_float32,
    check_invalid_parameters,
    refused_on_jax,
    run_case_tests,
)

R = at.random
#: jax.scipy.special has i0e and i1e but no ive of a tensor order (the JAX backend refuses it)
BESSEL_IVE = "Bessel functions of integer order only"


class _Pareto:
    """scipy's Pareto law, with its CDF from the Lomax law of ``x - scale`` (``x - scale`` is
    exact near the lower end, where scipy's ``1 - (x / scale)^-b`` keeps only the rounding of
    the quotient)."""

    def __init__(self, b: float, scale: float) -> None:
        self.pareto, self.lomax, self.scale = st.pareto(b, scale=scale), st.lomax(b, scale=scale), scale

    def __getattr__(self, name: str) -> object:
        return getattr(self.pareto, name)

    def logcdf(self, x: np.ndarray) -> np.ndarray:
        return self.lomax.logcdf(x - self.scale)

    def sf(self, x: np.ndarray) -> np.ndarray:
        return self.lomax.sf(x - self.scale)


class _VonMises:
    """scipy's von Mises law (``vonmises(kappa, loc=mu)`` has the support ``[mu - pi, mu + pi]``)
    moved to the draws' range ``[-pi, pi]``, where the density is ``2 pi``-periodic in x - mu."""

    def __init__(self, mu: float, kappa: float) -> None:
        self.mu, self.std = np.asarray(mu), st.vonmises(kappa)

    def support(self) -> tuple[float, float]:
        return -np.pi, np.pi

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        wrapped = np.mod(x - self.mu + np.pi, 2 * np.pi) - np.pi
        return np.where(np.abs(x) <= np.pi, self.std.logpdf(wrapped), -np.inf)

    def ppf(self, q: np.ndarray) -> np.ndarray:  # points on the circle (not a quantile)
        return np.mod(self.std.ppf(q) + self.mu + np.pi, 2 * np.pi) - np.pi

    isf = ppf  # only for values_to_check: points, not tail probabilities

    def rvs(self, size: int, random_state: np.random.Generator) -> np.ndarray:
        return random_state.uniform(-np.pi, np.pi, size=size)


def _scale_invalid(name: str, *others: float) -> list[tuple[tuple[float, ...], str]]:
    return [((*others, 0.0), f"{name}: scale > 0"), ((*others, -1.0), f"{name}: scale > 0")]


CASES = {
    "cauchy": Case(R.cauchy, st.cauchy, [(1.0, 2.0), (-1e3, 1e-4)],
                   extra=lambda m, s: [m, m - 1e-9 * s, m + 1e12 * s], invalid=_scale_invalid("cauchy", 0.0)),
    "halfcauchy": Case(R.halfcauchy, st.halfcauchy, [(1.0, 2.0), (0.0, 1e-4)],
                       extra=lambda m, s: [m + 1e-9 * s, m + 1e12 * s],
                       invalid=_scale_invalid("halfcauchy", 0.0)),
    "t": Case(R.t, st.t, [(3.5, 1.0, 2.0), (1.0, 0.0, 1.0), (0.3, -2.0, 0.5), (200.0, 0.0, 3.0)],
              (CLOSED, SPECIAL, INVERSE), extra=lambda nu, m, s: [m, m + 1e6 * s],
              invalid=[((0.0, 0.0, 1.0), "t: df > 0"), ((1.0, 0.0, 0.0), "t: scale > 0")],
              jax_refuses={"icdf": "no betaincinv", "dlogcdf": "no derivative of betainc"}),
    "laplace": Case(R.laplace, st.laplace, [(1.0, 2.0), (-5.0, 1e-3)],
                    extra=lambda m, s: [m, m + 1e-12 * s, m - 700 * s, m + 700 * s],
                    invalid=_scale_invalid("laplace", 0.0)),
    "logistic": Case(R.logistic, st.logistic, [(1.0, 2.0), (30.0, 1e-3)],
                     extra=lambda m, s: [m, m - 700 * s, m + 700 * s],
                     invalid=_scale_invalid("logistic", 0.0)),
    "gumbel": Case(R.gumbel, st.gumbel_r, [(1.0, 2.0), (-4.0, 10.0)],
                   extra=lambda m, s: [m, m - 5 * s, m + 700 * s], invalid=_scale_invalid("gumbel", 0.0)),
    "pareto": Case(R.pareto, _Pareto, [(2.5, 2.0), (0.1, 1e-3), (50.0, 1.0)],
                   extra=lambda b, s: [s * (1 + 1e-12), s * 1e5],
                   invalid=[((0.0, 1.0), "pareto: b > 0"), ((1.0, 0.0), "pareto: scale > 0")]),
    "vonmises": Case(R.vonmises, _VonMises, [(0.7, 2.0), (-2.5, 0.0), (3.0, 800.0), (0.0, 1e-6)],
                     (CLOSED, None, None), extra=lambda mu, k: [mu, -np.pi, np.pi, 4.0, -3.5],
                     invalid=[((0.0, -1.0), "vonmises: kappa >= 0")],
                     jax_refuses={"logp": BESSEL_IVE, "dlogp": BESSEL_IVE}),
}


@pytest.mark.parametrize(("name", "params"), run_case_tests(CASES))
def test_against_scipy_tails_and_support_ends_included(name, params):
    check_against_scipy(CASES[name], params)


@pytest.mark.parametrize("name", [n for n in CASES if n != "vonmises"])
def test_float32_stays_float32(name):
    check_float32(CASES[name])


def test_vonmises_float32_stays_float32():
    # not through check_float32: the reference's ppf is a point on the circle, not a quantile
    mu, kappa, v = at.fscalar("mu"), at.fscalar("kappa"), at.fvector("v")
    out = logp(R.vonmises(mu, kappa), v)
    assert out.dtype == "float32"
    if refused_on_jax(CASES["vonmises"], "logp", lambda: arignote.function([v, mu, kappa], out)):
        return
    x = np.linspace(-3.1, 3.1, 9).astype(np.float32)
    got = arignote.function([v, mu, kappa], out)(x, np.float32(0.7), np.float32(2.0))
    # a cosine and a few operations on terms of size ~kappa: 200 eps32 as in check_float32
    tol = 200 * float(np.finfo(np.float32).eps)
    np.testing.assert_allclose(got, _VonMises(np.float32(0.7), np.float32(2.0)).logpdf(x.astype(float)),
                               rtol=tol, atol=tol)


@pytest.mark.parametrize("name", list(CASES))
def test_parameters_broadcast(name):
    check_broadcasting(CASES[name])


@pytest.mark.parametrize("name", list(CASES))
def test_derivatives_against_finite_differences(name):
    check_derivatives(CASES[name])


@pytest.mark.parametrize("name", list(CASES))
def test_invalid_parameters_raise_unless_unchecked(name):
    check_invalid_parameters(CASES[name])


@pytest.mark.parametrize(("name", "params"), [("cauchy", (0.5, 2.0)), ("t", (3.5, 0.5, 2.0)),
                                             ("t", (1e4, 0.5, 2.0)), ("laplace", (0.5, 2.0))])
def test_logcdf_derivative_at_the_centre(name, params):
    """d logcdf / dx at x = loc is f(loc) / F(loc) = 2 f(loc): a branch on the sign of x - loc
    or on |x - loc| must not make it 0 or NaN there (finite differences straddle the point)."""
    case = CASES[name]
    ps, v = [at.dscalar() for _ in params], at.dvector("v")
    out = logcdf(case.rv(*ps), v)
    loc = params[-2]
    got = arignote.function([v, *ps], at.grad(at.sum(out), v))(np.array([loc]), *params)
    # a handful of operations, and betainc's derivative (a density, rounded once); for t, the
    # normaliser's gammaln((df + 1) / 2) - gammaln(df / 2) cancels two terms of size
    # gammaln(df / 2) (4e4 for df = 1e4), each rounded: 8 eps times that, relative
    rtol = 1e-12 + (8 * np.finfo(float).eps * abs(gammaln(0.5 * params[0])) if name == "t" else 0.0)
    np.testing.assert_allclose(got, 2 * case.scipy(*params).pdf(loc), rtol=rtol)


def test_heavy_tails_beyond_scipy():
    """Where scipy overflows or cancels, against the tails' leading terms."""
    v = at.dvector("v")
    z = np.array([1e160, -1e200, 1e300])
    # Cauchy: log f = -log(pi) - log(1 + z^2) = -log(pi) - 2 log|z| (z^-2 below eps); z^2 overflows
    got = arignote.function([v], logp(R.cauchy(0.0, 1.0), v))(z)
    np.testing.assert_allclose(got, -np.log(np.pi) - 2 * np.log(np.abs(z)), rtol=CLOSED)
    # Student's t, df = 3: log f ~ log c - 2 log|z| (1 + O(z^-2)), with the t's constant
    df = 3.0
    log_c = st.t(df).logpdf(1e10) + (df + 1) * np.log(1e10)  # exact to O(1e-20) at 1e10
    got = arignote.function([v], logp(R.t(df, 0.0, 1.0), v))(z)
    np.testing.assert_allclose(got, log_c - (df + 1) * np.log(np.abs(z)), rtol=CLOSED)
    # Cauchy logcdf far below: F = atan2(1, |z|) / pi = 1 / (pi |z|) (1 + O(z^-2))
    got = arignote.function([v], logcdf(R.cauchy(0.0, 1.0), v))(-np.abs(z))
    np.testing.assert_allclose(got, -np.log(np.pi * np.abs(z)), rtol=CLOSED)
    # Student's t near its centre: F(t) = 1/2 + t f(0) (1 + O(t^2)) (scipy's is 1/2 there, for
    # it computes through df / (df + t^2), which rounds to 1)
    t = np.array([-1e-9, 3e-12, 1e-9])
    for nu in (1.0, 3.5, 200.0):
        got = arignote.function([v], logcdf(R.t(nu, 0.0, 1.0), v))(t)
        np.testing.assert_allclose(got, np.log(0.5 + t * st.t(nu).pdf(0.0)), rtol=CLOSED)
    # quantiles near 1 from 1 - q: half-Cauchy tan(pi q / 2) = 1 / tan(pi (1 - q) / 2)
    # ~ 2 / (pi (1 - q)); scipy's tan(pi q / 2) keeps only the rounding of pi q / 2 near pi / 2
    q = np.array([1 - 2.0 ** -40, 1 - 2.0 ** -50])
    got = arignote.function([v], icdf(R.halfcauchy(0.0, 1.0), v))(q)
    np.testing.assert_allclose(got, 2.0 / (np.pi * (1.0 - q)), rtol=1e-12)
    # Student's t far-tail quantile: P(T < t) ~ c |t|^-df / df, so t ~ -(c / (df q))^(1/df)
    # (relative corrections O(t^-2), below 1e-40 here); scipy's ppf overflows to -inf
    q = np.array([1e-300, 1e-200])
    t_icdf = lambda: arignote.function([v], icdf(R.t(df, 0.0, 1.0), v))  # noqa: E731
    if refused_on_jax(CASES["t"], "icdf", t_icdf):
        return
    got = t_icdf()(q)
    np.testing.assert_allclose(got, -(np.exp(log_c) / (df * q)) ** (1 / df), rtol=INVERSE)
