"""Densities of the continuous distributions of ``at.random``: the normal family and the
distributions on a half-line or an interval (gamma, beta, and their relatives).

Each rule is written to stay accurate where the naive formula is not: tails in log space
(``log_ndtr`` rather than ``log(ndtr)``), ``log1p``/``expm1``/``log1mexp`` near 0,
``gammaln`` for normalising constants, the complementary function (``gammaincc``,
``betainc`` with swapped arguments) for an upper tail, ``-inf`` outside the support.
Parameter checks raise at run time (see :class:`~arignote.logprob.basic.ParameterChecks`).
The heavy-tailed location-scale families are in :mod:`arignote.logprob.continuous_more`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import arignote.tensor as at
from arignote.logprob.basic import ParameterChecks, icdf_rules, logcdf_rules, logp_rules
from arignote.tensor.random.basic import (
    BetaRV,
    ExponentialRV,
    GammaRV,
    LogNormalRV,
    NormalRV,
    StandardNormalRV,
    UniformRV,
)
from arignote.tensor.random.continuous import (
    ChiSquareRV,
    GenGammaRV,
    HalfNormalRV,
    InvGammaRV,
    RayleighRV,
    TriangularRV,
    TruncExponentialRV,
    WaldRV,
    WeibullRV,
)

# Python floats: weak constants keep a float32 density float32 (a NumPy float64 would not)
_LOG_SQRT_2PI = float(0.5 * np.log(2.0 * np.pi))
_LOG_2PI = math.log(2.0 * math.pi)
_LOG_2 = math.log(2.0)
_LOG_SQRT_2_OVER_PI = 0.5 * math.log(2.0 / math.pi)
_SQRT_2 = math.sqrt(2.0)
_NEG_INF = -math.inf


def require_all(checks: ParameterChecks, expr: Any, *conditions: tuple[Any, str]) -> Any:
    """``expr`` after every ``(condition, "what")`` check (see :meth:`ParameterChecks.require`)."""
    for condition, what in conditions:
        expr = checks.require(expr, condition, what)
    return expr


def log_from_lower_or_upper(lower: Any, upper: Any) -> Any:
    """``log(P)`` from the lower probability ``P`` and its complement ``Q = 1 - P``, each
    computed directly: ``log(P)`` while ``P < 1/2``, ``log1p(-Q)`` above, where ``1 - Q`` would
    lose the digits of a small ``Q`` (the upper tail of a CDF)."""
    return at.switch(lower < 0.5, at.log(lower), at.log1p(-upper))


def log_gammainc(k: Any, y: Any) -> Any:
    """``log P(k, y)`` (regularised lower incomplete gamma), accurate in both tails."""
    return log_from_lower_or_upper(at.gammainc(k, y), at.gammaincc(k, y))


def gammaincinv_both(k: Any, q: Any) -> Any:
    """``P(k, .)^-1(q)``; above 1/2 through ``Q^-1(1 - q)``, ``1 - q`` being exact there, so a
    quantile near 1 keeps the digits of ``1 - q``."""
    return at.switch(q < 0.5, at.gammaincinv(k, q), at.gammainccinv(k, 1.0 - q))


# --- normal -------------------------------------------------------------------------------

@logp_rules.register(NormalRV)
def _normal_logp(value: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    z = (value - loc) / scale
    return checks.require(-0.5 * z * z - at.log(scale) - _LOG_SQRT_2PI, scale > 0, "scale > 0")


@logcdf_rules.register(NormalRV)
def _normal_logcdf(value: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    return checks.require(at.log_ndtr((value - loc) / scale), scale > 0, "scale > 0")


@icdf_rules.register(NormalRV)
def _normal_icdf(q: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    return checks.require(loc + scale * at.ndtri(q), scale > 0, "scale > 0")


@logp_rules.register(StandardNormalRV)
def _standard_normal_logp(value: Any, checks: ParameterChecks) -> Any:
    return -0.5 * value * value - _LOG_SQRT_2PI


@logcdf_rules.register(StandardNormalRV)
def _standard_normal_logcdf(value: Any, checks: ParameterChecks) -> Any:
    return at.log_ndtr(value)


@icdf_rules.register(StandardNormalRV)
def _standard_normal_icdf(q: Any, checks: ParameterChecks) -> Any:
    return at.ndtri(q)


# --- lognormal: exp of a normal ---------------------------------------------------------------

@logp_rules.register(LogNormalRV)
def _lognormal_logp(value: Any, mean: Any, sigma: Any, checks: ParameterChecks) -> Any:
    # the switch keeps log(value <= 0) out of the result (it is taken, then discarded)
    log_x = at.log(value)
    z = (log_x - mean) / sigma
    out = at.switch(value > 0, -0.5 * z * z - at.log(sigma) - _LOG_SQRT_2PI - log_x, _NEG_INF)
    return checks.require(out, sigma > 0, "sigma > 0")


@logcdf_rules.register(LogNormalRV)
def _lognormal_logcdf(value: Any, mean: Any, sigma: Any, checks: ParameterChecks) -> Any:
    out = at.switch(value > 0, at.log_ndtr((at.log(value) - mean) / sigma), _NEG_INF)
    return checks.require(out, sigma > 0, "sigma > 0")


@icdf_rules.register(LogNormalRV)
def _lognormal_icdf(q: Any, mean: Any, sigma: Any, checks: ParameterChecks) -> Any:
    return checks.require(at.exp(mean + sigma * at.ndtri(q)), sigma > 0, "sigma > 0")


# --- halfnormal: |normal| on [loc, inf) -------------------------------------------------------

@logp_rules.register(HalfNormalRV)
def _halfnormal_logp(value: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    z = (value - loc) / scale
    out = at.switch(z >= 0, _LOG_SQRT_2_OVER_PI - at.log(scale) - 0.5 * z * z, _NEG_INF)
    return checks.require(out, scale > 0, "scale > 0")


@logcdf_rules.register(HalfNormalRV)
def _halfnormal_logcdf(value: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    # F = erf(z / sqrt 2): erf keeps a small F exact, erfc the distance of a large F to 1
    u = (value - loc) / (scale * _SQRT_2)
    body = at.switch(u < 0.5, at.log(at.erf(u)), at.log1p(-at.erfc(u)))
    return checks.require(at.switch(u > 0, body, _NEG_INF), scale > 0, "scale > 0")


@icdf_rules.register(HalfNormalRV)
def _halfnormal_icdf(q: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    # erfinv(q), not ndtri((1 + q) / 2): 1 + q would drop the digits of a small q
    return checks.require(loc + scale * _SQRT_2 * at.erfinv(q), scale > 0, "scale > 0")


# --- wald (inverse Gaussian) ------------------------------------------------------------------

@logp_rules.register(WaldRV)
def _wald_logp(value: Any, mean: Any, scale: Any, checks: ParameterChecks) -> Any:
    x = at.switch(value > 0, value, 1.0)  # a positive stand-in: no log(0) even in a discarded branch
    body = (0.5 * (at.log(scale) - _LOG_2PI - 3.0 * at.log(x))
            - scale * at.sqr(x - mean) / (2.0 * mean * mean * x))
    out = at.switch(value > 0, body, _NEG_INF)
    return require_all(checks, out, (mean > 0, "mean > 0"), (scale > 0, "scale > 0"))


@logcdf_rules.register(WaldRV)
def _wald_logcdf(value: Any, mean: Any, scale: Any, checks: ParameterChecks) -> Any:
    # F = ndtr(a) + exp(2 scale / mean) ndtr(b): both terms positive, summed in log space (the
    # exponential factor overflows for a large scale / mean while the product does not)
    x = at.switch(value > 0, value, 1.0)
    r = at.sqrt(scale / x)
    a = r * (x / mean - 1.0)
    b = -r * (x / mean + 1.0)
    body = at.logaddexp(at.log_ndtr(a), 2.0 * scale / mean + at.log_ndtr(b))
    out = at.switch(value > 0, body, _NEG_INF)
    return require_all(checks, out, (mean > 0, "mean > 0"), (scale > 0, "scale > 0"))


# --- uniform, triangular ----------------------------------------------------------------------

@logp_rules.register(UniformRV)
def _uniform_logp(value: Any, low: Any, high: Any, checks: ParameterChecks) -> Any:
    out = at.switch((value >= low) & (value <= high), -at.log(high - low), _NEG_INF)
    return checks.require(out, low < high, "low < high")


@logcdf_rules.register(UniformRV)
def _uniform_logcdf(value: Any, low: Any, high: Any, checks: ParameterChecks) -> Any:
    inside = at.log(value - low) - at.log(high - low)
    out = at.switch(value <= low, _NEG_INF, at.switch(value >= high, 0.0, inside))
    return checks.require(out, low < high, "low < high")


@icdf_rules.register(UniformRV)
def _uniform_icdf(q: Any, low: Any, high: Any, checks: ParameterChecks) -> Any:
    return checks.require(low + q * (high - low), low < high, "low < high")


def _triangular_checks(checks: ParameterChecks, expr: Any, left: Any, mode: Any, right: Any) -> Any:
    return require_all(checks, expr, (left <= mode, "left <= mode"), (mode <= right, "mode <= right"),
                       (left < right, "left < right"))


@logp_rules.register(TriangularRV)
def _triangular_logp(value: Any, left: Any, mode: Any, right: Any, checks: ParameterChecks) -> Any:
    log_peak = _LOG_2 - at.log(right - left)  # the density at the mode
    rising = log_peak + at.log(value - left) - at.log(mode - left)
    falling = log_peak + at.log(right - value) - at.log(right - mode)
    # at the mode itself the peak, so that mode == left or mode == right divides nothing by 0
    inside = at.switch(value < mode, rising, at.switch(value > mode, falling, log_peak))
    out = at.switch((value >= left) & (value <= right), inside, _NEG_INF)
    return _triangular_checks(checks, out, left, mode, right)


@logcdf_rules.register(TriangularRV)
def _triangular_logcdf(value: Any, left: Any, mode: Any, right: Any, checks: ParameterChecks) -> Any:
    width, a, b = right - left, right - value, right - mode
    rising = 2.0 * at.log(value - left) - at.log(width) - at.log(mode - left)
    # above the mode F = 1 - a^2 / (width b) = (b (x - left) + a (x - mode)) / (width b): the
    # first form near 1, the second (two non-negative terms, no cancellation) below 1/2, where
    # the first would cancel (mode = left: F is small just above the mode)
    upper = at.sqr(a) / (width * b)
    low_part = at.log(b * (value - left) + a * (value - mode)) - at.log(width) - at.log(b)
    falling = at.switch(upper < 0.5, at.log1p(-upper), low_part)
    inside = at.switch(value <= mode, rising, falling)
    out = at.switch(value <= left, _NEG_INF, at.switch(value >= right, 0.0, inside))
    return _triangular_checks(checks, out, left, mode, right)


@icdf_rules.register(TriangularRV)
def _triangular_icdf(q: Any, left: Any, mode: Any, right: Any, checks: ParameterChecks) -> Any:
    width = right - left
    rising = left + at.sqrt(q * width * (mode - left))
    falling = right - at.sqrt((1.0 - q) * width * (right - mode))
    out = at.switch(q * width < mode - left, rising, falling)
    return _triangular_checks(checks, out, left, mode, right)


# --- exponential, truncated exponential, rayleigh, weibull ------------------------------------

@logp_rules.register(ExponentialRV)
def _exponential_logp(value: Any, scale: Any, checks: ParameterChecks) -> Any:
    out = at.switch(value >= 0, -value / scale - at.log(scale), _NEG_INF)
    return checks.require(out, scale > 0, "scale > 0")


@logcdf_rules.register(ExponentialRV)
def _exponential_logcdf(value: Any, scale: Any, checks: ParameterChecks) -> Any:
    # log(1 - exp(-y)): log1mexp is exact for a small y, where 1 - exp(-y) cancels
    out = at.switch(value > 0, at.log1mexp(-value / scale), _NEG_INF)
    return checks.require(out, scale > 0, "scale > 0")


@icdf_rules.register(ExponentialRV)
def _exponential_icdf(q: Any, scale: Any, checks: ParameterChecks) -> Any:
    return checks.require(-scale * at.log1p(-q), scale > 0, "scale > 0")


def _truncexpon_checks(checks: ParameterChecks, expr: Any, b: Any, scale: Any) -> Any:
    return require_all(checks, expr, (b > 0, "b > 0"), (scale > 0, "scale > 0"))


@logp_rules.register(TruncExponentialRV)
def _truncexpon_logp(value: Any, b: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    y = (value - loc) / scale
    # the normaliser 1 - exp(-b) as log1mexp(-b): exact for a short interval (small b)
    body = -y - at.log1mexp(-b) - at.log(scale)
    return _truncexpon_checks(checks, at.switch((y >= 0) & (y <= b), body, _NEG_INF), b, scale)


@logcdf_rules.register(TruncExponentialRV)
def _truncexpon_logcdf(value: Any, b: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    y = (value - loc) / scale
    # F = (1 - e^-y) / (1 - e^-b), and 1 - F = e^-y (1 - e^-(b - y)) / (1 - e^-b), each factor
    # by expm1 / log1mexp: the complement keeps its digits near the upper end, where the
    # difference of the two logs of F would cancel
    lower = at.log1mexp(-y) - at.log1mexp(-b)
    upper = at.exp(-y) * at.expm1(y - b) / at.expm1(-b)
    body = at.switch(lower < -_LOG_2, lower, at.log1p(-upper))
    out = at.switch(y <= 0, _NEG_INF, at.switch(y >= b, 0.0, body))
    return _truncexpon_checks(checks, out, b, scale)


@icdf_rules.register(TruncExponentialRV)
def _truncexpon_icdf(q: Any, b: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    # below the median from F; above it from s = 1 - q (exact there): e^-y = e^-b + s (1 - e^-b),
    # so that q = 1 gives y = b exactly even where 1 - e^-b rounds to 1
    below = -at.log1p(q * at.expm1(-b))
    above = -at.log(at.exp(-b) - (1.0 - q) * at.expm1(-b))
    return _truncexpon_checks(checks, loc + scale * at.switch(q < 0.5, below, above), b, scale)


@logp_rules.register(RayleighRV)
def _rayleigh_logp(value: Any, scale: Any, checks: ParameterChecks) -> Any:
    z = value / scale
    out = at.switch(value >= 0, at.log(z) - at.log(scale) - 0.5 * z * z, _NEG_INF)
    return checks.require(out, scale > 0, "scale > 0")


@logcdf_rules.register(RayleighRV)
def _rayleigh_logcdf(value: Any, scale: Any, checks: ParameterChecks) -> Any:
    z = value / scale
    out = at.switch(value > 0, at.log1mexp(-0.5 * z * z), _NEG_INF)
    return checks.require(out, scale > 0, "scale > 0")


@icdf_rules.register(RayleighRV)
def _rayleigh_icdf(q: Any, scale: Any, checks: ParameterChecks) -> Any:
    return checks.require(scale * at.sqrt(-2.0 * at.log1p(-q)), scale > 0, "scale > 0")


@logp_rules.register(WeibullRV)
def _weibull_logp(value: Any, shape: Any, checks: ParameterChecks) -> Any:
    # xlogy: (shape - 1) log x is 0 at x = 0 when shape = 1 (the density there is 1)
    x = at.switch(value >= 0, value, 0.0)
    body = at.log(shape) + at.xlogy(shape - 1.0, x) - x ** shape
    return checks.require(at.switch(value >= 0, body, _NEG_INF), shape > 0, "shape > 0")


@logcdf_rules.register(WeibullRV)
def _weibull_logcdf(value: Any, shape: Any, checks: ParameterChecks) -> Any:
    x = at.switch(value > 0, value, 1.0)
    out = at.switch(value > 0, at.log1mexp(-(x ** shape)), _NEG_INF)
    return checks.require(out, shape > 0, "shape > 0")


@icdf_rules.register(WeibullRV)
def _weibull_icdf(q: Any, shape: Any, checks: ParameterChecks) -> Any:
    return checks.require((-at.log1p(-q)) ** (1.0 / shape), shape > 0, "shape > 0")


# --- gamma family: gamma, chisquare, invgamma, gengamma ---------------------------------------

def _gamma_logp_std(value: Any, k: Any, scale: Any, log_scale: Any) -> Any:
    """The gamma(k, scale) log-density of ``value`` (no checks); ``log_scale`` is passed so a
    constant scale gives a Python float (``at.log(2.0)`` would be a float64 tensor)."""
    x = at.switch(value >= 0, value, 0.0)
    body = at.xlogy(k - 1.0, x) - x / scale - at.gammaln(k) - k * log_scale
    return at.switch(value >= 0, body, _NEG_INF)


def _gamma_logcdf_std(value: Any, k: Any, scale: Any) -> Any:
    x = at.switch(value > 0, value, 1.0)
    return at.switch(value > 0, log_gammainc(k, x / scale), _NEG_INF)


def _gamma_checks(checks: ParameterChecks, expr: Any, shape: Any, scale: Any) -> Any:
    return require_all(checks, expr, (shape > 0, "shape > 0"), (scale > 0, "scale > 0"))


@logp_rules.register(GammaRV)
def _gamma_logp(value: Any, shape: Any, scale: Any, checks: ParameterChecks) -> Any:
    return _gamma_checks(checks, _gamma_logp_std(value, shape, scale, at.log(scale)), shape, scale)


@logcdf_rules.register(GammaRV)
def _gamma_logcdf(value: Any, shape: Any, scale: Any, checks: ParameterChecks) -> Any:
    return _gamma_checks(checks, _gamma_logcdf_std(value, shape, scale), shape, scale)


@icdf_rules.register(GammaRV)
def _gamma_icdf(q: Any, shape: Any, scale: Any, checks: ParameterChecks) -> Any:
    return _gamma_checks(checks, scale * gammaincinv_both(shape, q), shape, scale)


@logp_rules.register(ChiSquareRV)
def _chisquare_logp(value: Any, df: Any, checks: ParameterChecks) -> Any:
    return checks.require(_gamma_logp_std(value, 0.5 * df, 2.0, _LOG_2), df > 0, "df > 0")


@logcdf_rules.register(ChiSquareRV)
def _chisquare_logcdf(value: Any, df: Any, checks: ParameterChecks) -> Any:
    return checks.require(_gamma_logcdf_std(value, 0.5 * df, 2.0), df > 0, "df > 0")


@icdf_rules.register(ChiSquareRV)
def _chisquare_icdf(q: Any, df: Any, checks: ParameterChecks) -> Any:
    return checks.require(2.0 * gammaincinv_both(0.5 * df, q), df > 0, "df > 0")


@logp_rules.register(InvGammaRV)
def _invgamma_logp(value: Any, shape: Any, scale: Any, checks: ParameterChecks) -> Any:
    # the density tends to 0 at 0 (exp(-scale / x) wins over x^-(shape + 1)): -inf there
    x = at.switch(value > 0, value, 1.0)
    body = shape * at.log(scale) - at.gammaln(shape) - (shape + 1.0) * at.log(x) - scale / x
    return _gamma_checks(checks, at.switch(value > 0, body, _NEG_INF), shape, scale)


@logcdf_rules.register(InvGammaRV)
def _invgamma_logcdf(value: Any, shape: Any, scale: Any, checks: ParameterChecks) -> Any:
    # P(X <= x) = P(1 / X >= 1 / x) = Q(shape, scale / x): the roles of the two tails swap
    x = at.switch(value > 0, value, 1.0)
    y = scale / x
    body = log_from_lower_or_upper(at.gammaincc(shape, y), at.gammainc(shape, y))
    return _gamma_checks(checks, at.switch(value > 0, body, _NEG_INF), shape, scale)


@icdf_rules.register(InvGammaRV)
def _invgamma_icdf(q: Any, shape: Any, scale: Any, checks: ParameterChecks) -> Any:
    # Q^-1(q) = P^-1(1 - q), each used where its argument is exact
    g = at.switch(q < 0.5, at.gammainccinv(shape, q), at.gammaincinv(shape, 1.0 - q))
    return _gamma_checks(checks, scale / g, shape, scale)


def _gengamma_checks(checks: ParameterChecks, expr: Any, alpha: Any, p: Any, lambd: Any) -> Any:
    return require_all(checks, expr, (alpha > 0, "alpha > 0"), (p > 0, "p > 0"), (lambd > 0, "lambd > 0"))


@logp_rules.register(GenGammaRV)
def _gengamma_logp(value: Any, alpha: Any, p: Any, lambd: Any, checks: ParameterChecks) -> Any:
    # y = x / lambd; (y^p) is gamma(alpha / p, 1): density p y^(alpha - 1) exp(-y^p) / Gamma(alpha / p)
    y = at.switch(value >= 0, value, 0.0) / lambd
    body = at.log(p) + at.xlogy(alpha - 1.0, y) - y ** p - at.gammaln(alpha / p) - at.log(lambd)
    return _gengamma_checks(checks, at.switch(value >= 0, body, _NEG_INF), alpha, p, lambd)


@logcdf_rules.register(GenGammaRV)
def _gengamma_logcdf(value: Any, alpha: Any, p: Any, lambd: Any, checks: ParameterChecks) -> Any:
    y = at.switch(value > 0, value, 1.0) / lambd
    out = at.switch(value > 0, log_gammainc(alpha / p, y ** p), _NEG_INF)
    return _gengamma_checks(checks, out, alpha, p, lambd)


@icdf_rules.register(GenGammaRV)
def _gengamma_icdf(q: Any, alpha: Any, p: Any, lambd: Any, checks: ParameterChecks) -> Any:
    out = lambd * gammaincinv_both(alpha / p, q) ** (1.0 / p)
    return _gengamma_checks(checks, out, alpha, p, lambd)


# --- beta ---------------------------------------------------------------------------------

def _times_log(c: Any, log_x: Any) -> Any:
    """``c * log_x``, 0 where ``c == 0`` (a density's ``0 * log 0`` is 0).  The logarithm is
    passed as written (``log(x)``, ``log1p(-x)``) so that the stabilize rules see it: for a
    value ``sigmoid(u)`` (a beta on the log-odds scale) they become ``-softplus(-u)`` and
    ``-softplus(u)``, finite where ``sigmoid(u)`` rounds to 0 or 1."""
    return at.switch(at.eq(c, 0), 0.0, c * log_x)


def _beta_checks(checks: ParameterChecks, expr: Any, alpha: Any, beta: Any) -> Any:
    return require_all(checks, expr, (alpha > 0, "alpha > 0"), (beta > 0, "beta > 0"))


@logp_rules.register(BetaRV)
def _beta_logp(value: Any, alpha: Any, beta: Any, checks: ParameterChecks) -> Any:
    inside = (value >= 0) & (value <= 1)
    log_beta = at.gammaln(alpha) + at.gammaln(beta) - at.gammaln(alpha + beta)
    # the logarithms are NaN outside [0, 1], where the switch takes -inf instead
    body = _times_log(alpha - 1.0, at.log(value)) + _times_log(beta - 1.0, at.log1p(-value)) - log_beta
    return _beta_checks(checks, at.switch(inside, body, _NEG_INF), alpha, beta)


@logcdf_rules.register(BetaRV)
def _beta_logcdf(value: Any, alpha: Any, beta: Any, checks: ParameterChecks) -> Any:
    # the upper tail by I_x(a, b) = 1 - I_{1-x}(b, a), but only for x >= 1/2, where 1 - x is
    # exact: below, 1 - x can round to 1 (x = 1e-20) and the complement to 0 while P < 1
    x = at.switch((value > 0) & (value < 1), value, 0.5)
    lower = at.betainc(alpha, beta, x)
    body = at.switch((lower < 0.5) | (x < 0.5), at.log(lower), at.log1p(-at.betainc(beta, alpha, 1.0 - x)))
    out = at.switch(value <= 0, _NEG_INF, at.switch(value >= 1, 0.0, body))
    return _beta_checks(checks, out, alpha, beta)


@icdf_rules.register(BetaRV)
def _beta_icdf(q: Any, alpha: Any, beta: Any, checks: ParameterChecks) -> Any:
    return _beta_checks(checks, at.betaincinv(alpha, beta, q), alpha, beta)
