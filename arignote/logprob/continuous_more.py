"""Densities of the location-scale families of ``at.random`` with heavy or double tails
(Cauchy, half-Cauchy, Student's t, Laplace, logistic, Gumbel), the Pareto distribution and
the von Mises distribution on the circle.

Written as :mod:`arignote.logprob.continuous`: log-space tails, the complementary function
for an upper tail, ``-inf`` outside the support, run-time parameter checks.  A CDF near 1 is
computed from its complement (``log1p(-tail)``), and each quantile from the tail it lies in,
where ``1 - q`` is exact.
"""

from __future__ import annotations

import math
from typing import Any

import arignote.tensor as at
from arignote.logprob.basic import ParameterChecks, icdf_rules, logcdf_rules, logp_rules
from arignote.logprob.continuous import require_all
from arignote.tensor.random.continuous import (
    CauchyRV,
    GumbelRV,
    HalfCauchyRV,
    LaplaceRV,
    LogisticRV,
    ParetoRV,
    StudentTRV,
    VonMisesRV,
)

# Python floats keep a float32 density float32
_LOG_PI = math.log(math.pi)
_LOG_2 = math.log(2.0)
_LOG_2PI = math.log(2.0 * math.pi)
_LOG_2_OVER_PI = math.log(2.0 / math.pi)
_PI = math.pi
_NEG_INF = -math.inf


def log1p_square(w: Any) -> Any:
    """``log(1 + w^2)`` without overflow: ``2 log|w| + log1p(w^-2)`` for ``|w| > 1`` (``w^2``
    overflows from 1e154 in float64, 1e19 in float32).  Each branch sees only the arguments
    it is taken for, so neither its value nor its derivative is ever NaN (at w = 0, log|w|
    would be, and a discarded branch's NaN derivative still poisons the gradient)."""
    big = abs(w) > 1.0
    w_big = at.switch(big, w, 1.0)
    w_small = at.switch(big, 0.0, w)
    return at.switch(big, 2.0 * at.log(abs(w_big)) + at.log1p(1.0 / (w_big * w_big)),
                     at.log1p(w_small * w_small))


def _scale_check(checks: ParameterChecks, expr: Any, scale: Any) -> Any:
    return checks.require(expr, scale > 0, "scale > 0")


# --- cauchy, halfcauchy -------------------------------------------------------------------

@logp_rules.register(CauchyRV)
def _cauchy_logp(value: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    z = (value - loc) / scale
    return _scale_check(checks, -_LOG_PI - at.log(scale) - log1p_square(z), scale)


@logcdf_rules.register(CauchyRV)
def _cauchy_logcdf(value: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    # F = atan2(1, -z) / pi below loc, 1 - atan2(1, z) / pi above (1/2 + atan(z) / pi would
    # cancel in the lower tail); no |z|, whose derivative at z = 0 would be 0
    z = (value - loc) / scale
    below = at.log(at.arctan2(1.0, -z) / _PI)
    above = at.log1p(-at.arctan2(1.0, z) / _PI)
    return _scale_check(checks, at.switch(z < 0, below, above), scale)


@icdf_rules.register(CauchyRV)
def _cauchy_icdf(q: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    # tan(pi (q - 1/2)) = -1 / tan(pi q): from the tail q (or 1 - q, exact above 1/2) itself
    tail = at.switch(q < 0.5, q, 1.0 - q)
    magnitude = 1.0 / at.tan(_PI * tail)
    return _scale_check(checks, loc + scale * at.switch(q < 0.5, -magnitude, magnitude), scale)


@logp_rules.register(HalfCauchyRV)
def _halfcauchy_logp(value: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    z = (value - loc) / scale
    out = at.switch(z >= 0, _LOG_2_OVER_PI - at.log(scale) - log1p_square(z), _NEG_INF)
    return _scale_check(checks, out, scale)


@logcdf_rules.register(HalfCauchyRV)
def _halfcauchy_logcdf(value: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    # F = 2 atan(z) / pi; its complement 2 atan2(1, z) / pi, exact in the upper tail
    z = (value - loc) / scale
    lower = at.arctan(z) / (0.5 * _PI)
    upper = at.arctan2(1.0, z) / (0.5 * _PI)
    body = at.switch(z < 1.0, at.log(lower), at.log1p(-upper))
    return _scale_check(checks, at.switch(z > 0, body, _NEG_INF), scale)


@icdf_rules.register(HalfCauchyRV)
def _halfcauchy_icdf(q: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    # tan(pi q / 2) = 1 / tan(pi (1 - q) / 2), the latter where 1 - q is exact
    z = at.switch(q < 0.5, at.tan(0.5 * _PI * q), 1.0 / at.tan(0.5 * _PI * (1.0 - q)))
    return _scale_check(checks, loc + scale * z, scale)


# --- Student's t --------------------------------------------------------------------------

def _t_checks(checks: ParameterChecks, expr: Any, df: Any, scale: Any) -> Any:
    return require_all(checks, expr, (df > 0, "df > 0"), (scale > 0, "scale > 0"))


@logp_rules.register(StudentTRV)
def _t_logp(value: Any, df: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    w = (value - loc) / (scale * at.sqrt(df))  # z / sqrt(df): log1p(z^2 / df) = log1p(w^2)
    norm = (at.gammaln(0.5 * (df + 1.0)) - at.gammaln(0.5 * df)
            - 0.5 * (at.log(df) + _LOG_PI) - at.log(scale))
    return _t_checks(checks, norm - 0.5 * (df + 1.0) * log1p_square(w), df, scale)


#: below this |t| / sqrt(df) the t CDF is 1/2 + c w (relative error (df + 1) w^2 / 6 < 1e-11
#: for df < 1e6): betainc(1/2, ., y) has an infinite derivative in y at y = 0, and 0 * inf
#: would make the derivative at t = loc NaN
_T_CENTRE = 1e-8


def _t_tail(w: Any, df: Any) -> Any:
    """``P(T < -|t|)`` for ``w = t / sqrt(df)``: ``I_x(df/2, 1/2) / 2`` with ``x = 1 / (1 + w^2)``
    while that is below 1/4 (a tail: no cancellation, whatever df); nearer the centre
    ``1/2 - I_y(1/2, df/2) / 2`` with ``y = w^2 / (1 + w^2) = 1 - x`` computed directly (``x``
    is then near 1 for a small ``w``, and ``1 - x`` would have lost the digits of ``w^2``)."""
    w2 = w * w
    x = 1.0 / (1.0 + w2)
    y = w2 / (1.0 + w2)
    twice_tail = at.betainc(0.5 * df, 0.5, x)
    return at.switch(twice_tail < 0.5, 0.5 * twice_tail, 0.5 - 0.5 * at.betainc(0.5, 0.5 * df, y))


@logcdf_rules.register(StudentTRV)
def _t_logcdf(value: Any, df: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    w = (value - loc) / (scale * at.sqrt(df))
    centre = abs(w) < _T_CENTRE
    w_far = at.switch(centre, 1.0, w)
    tail = _t_tail(w_far, df)
    far = at.switch(w_far < 0, at.log(tail), at.log1p(-tail))
    # F = 1/2 + w Gamma((df + 1) / 2) / (sqrt(pi) Gamma(df / 2)) + O(w^3)
    slope = at.exp(at.gammaln(0.5 * (df + 1.0)) - at.gammaln(0.5 * df) - 0.5 * _LOG_PI)
    near = at.log(0.5 + slope * at.switch(centre, w, 0.0))
    return _t_checks(checks, at.switch(centre, near, far), df, scale)


@icdf_rules.register(StudentTRV)
def _t_icdf(q: Any, df: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    # the inverse of _t_tail: p = 2 min(q, 1 - q); t^2 / df = (1 - x) / x = y / (1 - y),
    # from x = I^-1(df/2, 1/2; p) in the tails and from y = I^-1(1/2, df/2; 1 - p) near the centre
    p = 2.0 * at.switch(q < 0.5, q, 1.0 - q)
    x = at.betaincinv(0.5 * df, 0.5, p)
    y = at.betaincinv(0.5, 0.5 * df, 1.0 - p)
    w2 = at.switch(p < 0.5, (1.0 - x) / x, y / (1.0 - y))
    t = at.sqrt(df * w2)
    return _t_checks(checks, loc + scale * at.switch(q < 0.5, -t, t), df, scale)


# --- laplace, logistic, gumbel ------------------------------------------------------------

@logp_rules.register(LaplaceRV)
def _laplace_logp(value: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    return _scale_check(checks, -abs(value - loc) / scale - _LOG_2 - at.log(scale), scale)


@logcdf_rules.register(LaplaceRV)
def _laplace_logcdf(value: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    # F = exp(z) / 2 below loc (exact in log space), 1 - exp(-z) / 2 above
    z = (value - loc) / scale
    z_above = at.switch(z < 0, 0.0, z)  # no exp(-z) overflow in the discarded branch, no |z|
    out = at.switch(z < 0, z - _LOG_2, at.log1p(-0.5 * at.exp(-z_above)))
    return _scale_check(checks, out, scale)


@icdf_rules.register(LaplaceRV)
def _laplace_icdf(q: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    below = at.log(2.0 * q)
    above = -at.log(2.0 - 2.0 * q)  # 2 - 2q is exact for q >= 1/2
    return _scale_check(checks, loc + scale * at.switch(q < 0.5, below, above), scale)


@logp_rules.register(LogisticRV)
def _logistic_logp(value: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    # symmetric: exp(-|z|) / (1 + exp(-|z|))^2, which never overflows
    a = abs(value - loc) / scale
    return _scale_check(checks, -a - 2.0 * at.log1pexp(-a) - at.log(scale), scale)


@logcdf_rules.register(LogisticRV)
def _logistic_logcdf(value: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    return _scale_check(checks, -at.log1pexp(-(value - loc) / scale), scale)


@icdf_rules.register(LogisticRV)
def _logistic_icdf(q: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    return _scale_check(checks, loc + scale * (at.log(q) - at.log1p(-q)), scale)


@logp_rules.register(GumbelRV)
def _gumbel_logp(value: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    z = (value - loc) / scale
    return _scale_check(checks, -z - at.exp(-z) - at.log(scale), scale)


@logcdf_rules.register(GumbelRV)
def _gumbel_logcdf(value: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    return _scale_check(checks, -at.exp(-(value - loc) / scale), scale)


@icdf_rules.register(GumbelRV)
def _gumbel_icdf(q: Any, loc: Any, scale: Any, checks: ParameterChecks) -> Any:
    # -log(q) as -log1p(q - 1) above 1/2, where q - 1 is exact
    minus_log_q = at.switch(q < 0.5, -at.log(q), -at.log1p(q - 1.0))
    return _scale_check(checks, loc - scale * at.log(minus_log_q), scale)


# --- pareto -------------------------------------------------------------------------------

def _pareto_checks(checks: ParameterChecks, expr: Any, b: Any, scale: Any) -> Any:
    return require_all(checks, expr, (b > 0, "b > 0"), (scale > 0, "scale > 0"))


@logp_rules.register(ParetoRV)
def _pareto_logp(value: Any, b: Any, scale: Any, checks: ParameterChecks) -> Any:
    d = at.switch(value >= scale, value - scale, 0.0)
    body = at.log(b) - at.log(scale) - (b + 1.0) * at.log1p(d / scale)
    return _pareto_checks(checks, at.switch(value >= scale, body, _NEG_INF), b, scale)


@logcdf_rules.register(ParetoRV)
def _pareto_logcdf(value: Any, b: Any, scale: Any, checks: ParameterChecks) -> Any:
    # F = 1 - (scale / x)^b = 1 - exp(-b log(x / scale)): log1mexp, and log(x / scale) as
    # log1p((x - scale) / scale), x - scale being exact near the lower end (where x / scale - 1
    # would keep only the rounding of the quotient)
    d = at.switch(value > scale, value - scale, scale)
    body = at.log1mexp(-b * at.log1p(d / scale))
    return _pareto_checks(checks, at.switch(value > scale, body, _NEG_INF), b, scale)


@icdf_rules.register(ParetoRV)
def _pareto_icdf(q: Any, b: Any, scale: Any, checks: ParameterChecks) -> Any:
    return _pareto_checks(checks, scale * at.exp(-at.log1p(-q) / b), b, scale)


# --- von Mises ----------------------------------------------------------------------------

@logp_rules.register(VonMisesRV)
def _vonmises_logp(value: Any, mu: Any, kappa: Any, checks: ParameterChecks) -> Any:
    # exp(kappa cos(x - mu)) / (2 pi I0(kappa)) on [-pi, pi] (the draws' range); I0 overflows
    # from kappa ~ 700, the scaled ive(0, kappa) = exp(-kappa) I0(kappa) does not
    body = kappa * (at.cos(value - mu) - 1.0) - _LOG_2PI - at.log(at.ive(0.0, kappa))
    out = at.switch((value >= -_PI) & (value <= _PI), body, _NEG_INF)
    return checks.require(out, kappa >= 0, "kappa >= 0")
