"""Densities of the discrete distributions of ``at.random``.

Every ``logp`` is ``-inf`` off the support, non-integer values included (a count of 2.5 has
probability 0); ``logcdf`` reads a non-integer value as its floor (``P(X <= 2.5) = P(X <= 2)``),
is ``-inf`` below the support and ``0`` above it.  ``icdf(q)`` is the smallest support value
``k`` with ``P(X <= k) >= q`` (so ``icdf(0)`` is the support's smallest value, where SciPy's
``ppf(0)`` gives one less), NaN for ``q`` outside [0, 1]; it is returned as a float (NaN is a
possible answer), as SciPy's ``ppf``.

Stable forms: ``xlogy0``/``xlog1py`` so that ``0 * log(0)`` is 0 at the support's edges
(``p = 0`` or ``1``), ``gammaln`` for the binomial coefficients, and the CDFs through the
regularised incomplete beta/gamma functions, taking whichever of the CDF or the survival
function is below 1/2 so that ``log`` (or ``log1p(-sf)``) keeps its relative accuracy in both
tails; the beta-binomial and hypergeometric CDFs, which have no closed form here, are the
``logsumexp`` of the log-pmf over the support up to the value.  ``icdf`` exists where it has a
closed form (bernoulli, geometric, categorical, integers).  Arguments that are invalid off the
support are replaced by safe ones before a special function sees them, so that a ``switch``
never selects around a NaN in a derivative.
"""

from __future__ import annotations

from typing import Any

import arignote.tensor as at
from arignote.logprob.basic import ParameterChecks, icdf_rules, logcdf_rules, logp_rules
from arignote.tensor.random.basic import BernoulliRV, BinomialRV, CategoricalRV, IntegersRV, PoissonRV
from arignote.tensor.random.discrete import BetaBinomialRV, GeometricRV, HyperGeometricRV, NegBinomialRV

NEG_INF = float("-inf")
NAN = float("nan")


def is_integer(value: Any) -> Any:
    """True where ``value`` is a whole number (always, for an integer dtype)."""
    value = at.as_tensor_variable(value)
    if value.type.numpy_dtype.kind in "biu":
        return at.ones_like(value, dtype="bool")
    return at.eq(at.floor(value), value)


def in_support(expr: Any, condition: Any) -> Any:
    """``expr`` where ``condition`` holds, ``-inf`` elsewhere."""
    return at.switch(condition, expr, NEG_INF)


def log_choose(n: Any, k: Any) -> Any:
    """``log C(n, k)`` for ``0 <= k <= n`` (by ``gammaln``: its absolute error is a few ulps
    of ``gammaln(n + 1)``, i.e. grows like ``n log n``)."""
    return at.gammaln(n + 1.0) - at.gammaln(k + 1.0) - at.gammaln(n - k + 1.0)


def log_cdf_from_pair(cdf: Any, sf: Any) -> Any:
    """``log(cdf)`` where it is small, ``log1p(-sf)`` where the CDF is near 1: both computed
    directly (not as ``1 - other``), so each tail keeps its relative accuracy."""
    return at.switch(at.lt(sf, 0.5), at.log1p(-sf), at.log(cdf))


def check_quantile(result: Any, q: Any) -> Any:
    """NaN for ``q`` outside [0, 1]."""
    return at.switch(at.and_(at.ge(q, 0), at.le(q, 1)), result, NAN)


def _probability(checks: ParameterChecks, expr: Any, p: Any) -> Any:
    return checks.require(expr, at.and_(at.ge(p, 0), at.le(p, 1)), "0 <= p <= 1")


# --- bernoulli ----------------------------------------------------------------------------

@logp_rules.register(BernoulliRV)
def _bernoulli_logp(value: Any, p: Any, checks: ParameterChecks) -> Any:
    out = at.switch(at.eq(value, 1), at.log(p), at.switch(at.eq(value, 0), at.log1p(-p), NEG_INF))
    return _probability(checks, out, p)


@logcdf_rules.register(BernoulliRV)
def _bernoulli_logcdf(value: Any, p: Any, checks: ParameterChecks) -> Any:
    out = at.switch(at.lt(value, 0), NEG_INF, at.switch(at.lt(value, 1), at.log1p(-p), 0.0))
    return _probability(checks, out, p)


@icdf_rules.register(BernoulliRV)
def _bernoulli_icdf(q: Any, p: Any, checks: ParameterChecks) -> Any:
    out = at.switch(at.le(q, 1.0 - p), 0.0, 1.0)
    return _probability(checks, check_quantile(out, q), p)


# --- binomial -----------------------------------------------------------------------------

def _binomial_checks(checks: ParameterChecks, expr: Any, n: Any, p: Any) -> Any:
    expr = checks.require(expr, at.and_(at.ge(n, 0), is_integer(n)), "n a non-negative integer")
    return _probability(checks, expr, p)


@logp_rules.register(BinomialRV)
def _binomial_logp(value: Any, n: Any, p: Any, checks: ParameterChecks) -> Any:
    support = at.and_(at.and_(at.ge(value, 0), at.le(value, n)), is_integer(value))
    k = at.clip(value, 0, n)
    out = log_choose(n, k) + at.xlogy0(k, p) + at.special.xlog1py(n - k, -p)
    return _binomial_checks(checks, in_support(out, support), n, p)


@logcdf_rules.register(BinomialRV)
def _binomial_logcdf(value: Any, n: Any, p: Any, checks: ParameterChecks) -> Any:
    # P(X <= k) = I_{1-p}(n - k, k + 1) = 1 - I_p(k + 1, n - k), for 0 <= k < n
    k = at.clip(at.floor(value), 0, at.maximum(n - 1, 0))
    cdf = at.betainc(n - k, k + 1.0, 1.0 - p)
    sf = at.betainc(k + 1.0, n - k, p)
    out = at.switch(at.lt(value, 0), NEG_INF, at.switch(at.ge(value, n), 0.0, log_cdf_from_pair(cdf, sf)))
    return _binomial_checks(checks, out, n, p)


# --- poisson ------------------------------------------------------------------------------

def _poisson_checks(checks: ParameterChecks, expr: Any, lam: Any) -> Any:
    return checks.require(expr, at.ge(lam, 0), "lam >= 0")


@logp_rules.register(PoissonRV)
def _poisson_logp(value: Any, lam: Any, checks: ParameterChecks) -> Any:
    support = at.and_(at.ge(value, 0), is_integer(value))
    k = at.maximum(value, 0)
    out = at.xlogy0(k, lam) - lam - at.gammaln(k + 1.0)
    return _poisson_checks(checks, in_support(out, support), lam)


@logcdf_rules.register(PoissonRV)
def _poisson_logcdf(value: Any, lam: Any, checks: ParameterChecks) -> Any:
    # P(X <= k) = Q(k + 1, lam) (upper regularised incomplete gamma), 1 - P(k + 1, lam)
    k = at.maximum(at.floor(value), 0)
    out = log_cdf_from_pair(at.gammaincc(k + 1.0, lam), at.gammainc(k + 1.0, lam))
    return _poisson_checks(checks, at.switch(at.lt(value, 0), NEG_INF, out), lam)


# --- geometric (trials up to and including the first success: 1, 2, ...) ------------------

def _success_probability(checks: ParameterChecks, expr: Any, p: Any) -> Any:
    return checks.require(expr, at.and_(at.gt(p, 0), at.le(p, 1)), "0 < p <= 1")


@logp_rules.register(GeometricRV)
def _geometric_logp(value: Any, p: Any, checks: ParameterChecks) -> Any:
    support = at.and_(at.ge(value, 1), is_integer(value))
    k = at.maximum(value, 1)
    out = at.special.xlog1py(k - 1.0, -p) + at.log(p)
    return _success_probability(checks, in_support(out, support), p)


@logcdf_rules.register(GeometricRV)
def _geometric_logcdf(value: Any, p: Any, checks: ParameterChecks) -> Any:
    # 1 - (1 - p)^k, in logs: log1mexp(k log1p(-p)) is accurate for both tails
    k = at.maximum(at.floor(value), 1)
    out = at.switch(at.lt(value, 1), NEG_INF, at.log1mexp(k * at.log1p(-p)))
    return _success_probability(checks, out, p)


@icdf_rules.register(GeometricRV)
def _geometric_icdf(q: Any, p: Any, checks: ParameterChecks) -> Any:
    # k = ceil(log(1 - q) / log(1 - p)); the division rounds, so a k one too large (the CDF
    # at k - 1 already reaches q) is corrected
    k = at.maximum(at.ceil(at.log1p(-q) / at.log1p(-p)), 1.0)
    below = at.maximum(k - 1.0, 1.0)
    cdf_below = -at.expm1(below * at.log1p(-p))
    k = at.switch(at.and_(at.gt(k, 1), at.ge(cdf_below, q)), below, k)
    return _success_probability(checks, check_quantile(k, q), p)


# --- negative binomial (NumPy's: failures before the n-th success) -------------------------

def _nbinom_checks(checks: ParameterChecks, expr: Any, n: Any, p: Any) -> Any:
    return _success_probability(checks, checks.require(expr, at.gt(n, 0), "n > 0"), p)


@logp_rules.register(NegBinomialRV)
def _nbinom_logp(value: Any, n: Any, p: Any, checks: ParameterChecks) -> Any:
    support = at.and_(at.ge(value, 0), is_integer(value))
    k = at.maximum(value, 0)
    coefficient = at.gammaln(k + n) - at.gammaln(n) - at.gammaln(k + 1.0)
    out = coefficient + n * at.log(p) + at.special.xlog1py(k, -p)
    return _nbinom_checks(checks, in_support(out, support), n, p)


@logcdf_rules.register(NegBinomialRV)
def _nbinom_logcdf(value: Any, n: Any, p: Any, checks: ParameterChecks) -> Any:
    # P(X <= k) = I_p(n, k + 1) = 1 - I_{1-p}(k + 1, n)
    k = at.maximum(at.floor(value), 0)
    out = log_cdf_from_pair(at.betainc(n, k + 1.0, p), at.betainc(k + 1.0, n, 1.0 - p))
    return _nbinom_checks(checks, at.switch(at.lt(value, 0), NEG_INF, out), n, p)


# --- by summation (no closed-form CDF) ----------------------------------------------------

def logcdf_by_summation(value: Any, log_pmf: Any, low: Any, high: Any) -> Any:
    """``log P(X <= value)`` as the ``logsumexp`` of ``log_pmf(j)`` over the support values
    ``low <= j <= value`` (``log_pmf`` receives ``j`` on a new last axis, and must expand the
    parameters the same way).  Its cost grows with the largest value; JAX refuses it (the
    number of terms is known only at run time)."""
    k = at.floor(value)
    top = at.clip(k, low, high)  # at least one term (j = low) per element: no empty logsumexp
    j = at.arange(at.cast(at.max(top), "int64") + 1)
    terms = log_pmf(j)
    kept = at.and_(at.ge(j, at.expand_dims(at.as_tensor_variable(low), -1)),
                   at.le(j, at.expand_dims(top, -1)))
    out = at.logsumexp(at.switch(kept, terms, NEG_INF), axis=-1)
    # above the support the CDF is exactly 1, not the rounded sum
    return at.switch(at.lt(k, low), NEG_INF, at.switch(at.ge(k, high), 0.0, out))


def _last(x: Any) -> Any:
    return at.expand_dims(at.as_tensor_variable(x), -1)


# --- beta-binomial ------------------------------------------------------------------------

def _betabinom_log_pmf(k: Any, n: Any, a: Any, b: Any) -> Any:
    return log_choose(n, k) + at.special.betaln(k + a, n - k + b) - at.special.betaln(a, b)


def _betabinom_checks(checks: ParameterChecks, expr: Any, n: Any, a: Any, b: Any) -> Any:
    expr = checks.require(expr, at.and_(at.ge(n, 0), is_integer(n)), "n a non-negative integer")
    expr = checks.require(expr, at.gt(a, 0), "a > 0")
    return checks.require(expr, at.gt(b, 0), "b > 0")


@logp_rules.register(BetaBinomialRV)
def _betabinom_logp(value: Any, n: Any, a: Any, b: Any, checks: ParameterChecks) -> Any:
    support = at.and_(at.and_(at.ge(value, 0), at.le(value, n)), is_integer(value))
    out = in_support(_betabinom_log_pmf(at.clip(value, 0, n), n, a, b), support)
    return _betabinom_checks(checks, out, n, a, b)


@logcdf_rules.register(BetaBinomialRV)
def _betabinom_logcdf(value: Any, n: Any, a: Any, b: Any, checks: ParameterChecks) -> Any:
    out = logcdf_by_summation(value, lambda j: _betabinom_log_pmf(at.minimum(j, _last(n)), _last(n),
                                                                  _last(a), _last(b)), 0, n)
    return _betabinom_checks(checks, out, n, a, b)


# --- hypergeometric -----------------------------------------------------------------------

def _hypergeometric_log_pmf(k: Any, ngood: Any, nbad: Any, nsample: Any) -> Any:
    return log_choose(ngood, k) + log_choose(nbad, nsample - k) - log_choose(ngood + nbad, nsample)


def _hypergeometric_support(ngood: Any, nbad: Any, nsample: Any) -> tuple[Any, Any]:
    low = at.maximum(nsample - nbad, 0)
    return low, at.maximum(at.minimum(nsample, ngood), low)


def _hypergeometric_checks(checks: ParameterChecks, expr: Any, ngood: Any, nbad: Any, nsample: Any) -> Any:
    for name, x in (("ngood", ngood), ("nbad", nbad), ("nsample", nsample)):
        expr = checks.require(expr, at.and_(at.ge(x, 0), is_integer(x)), f"{name} a non-negative integer")
    return checks.require(expr, at.le(nsample, ngood + nbad), "nsample <= ngood + nbad")


@logp_rules.register(HyperGeometricRV)
def _hypergeometric_logp(value: Any, ngood: Any, nbad: Any, nsample: Any, checks: ParameterChecks) -> Any:
    low, high = _hypergeometric_support(ngood, nbad, nsample)
    support = at.and_(at.and_(at.ge(value, low), at.le(value, high)), is_integer(value))
    out = in_support(_hypergeometric_log_pmf(at.clip(value, low, high), ngood, nbad, nsample), support)
    return _hypergeometric_checks(checks, out, ngood, nbad, nsample)


@logcdf_rules.register(HyperGeometricRV)
def _hypergeometric_logcdf(value: Any, ngood: Any, nbad: Any, nsample: Any, checks: ParameterChecks) -> Any:
    low, high = _hypergeometric_support(ngood, nbad, nsample)
    params = [_last(ngood), _last(nbad), _last(nsample)]
    out = logcdf_by_summation(
        value, lambda j: _hypergeometric_log_pmf(at.clip(j, _last(low), _last(high)), *params), low, high)
    return _hypergeometric_checks(checks, out, ngood, nbad, nsample)


# --- categorical --------------------------------------------------------------------------

def _categorical_checks(checks: ParameterChecks, expr: Any, p: Any) -> Any:
    # the tolerance of the op's own check: a float32 vector of K probabilities summing to 1
    # is off by at most K * 6e-8, well inside it
    size = at.cast(at.shape(p)[-1], "float64")
    expr = checks.require(expr, at.ge(p, 0), "p >= 0")
    return checks.require(expr, at.le(at.abs(at.sum(p, axis=-1) - 1.0), 1e-6 * size),
                          "p summing to 1 along its last axis")


def _outcomes(p: Any) -> Any:
    return at.arange(at.shape(p)[-1])


@logp_rules.register(CategoricalRV)
def _categorical_logp(value: Any, p: Any, checks: ParameterChecks) -> Any:
    # the probability of the outcome equal to value (0 when none is: off the support, a
    # non-integer value included), by a mask rather than an index so that any value is safe
    chosen = at.eq(at.expand_dims(value, -1), _outcomes(p))
    out = at.log(at.sum(at.switch(chosen, p, 0.0), axis=-1))
    return _categorical_checks(checks, out, p)


@logcdf_rules.register(CategoricalRV)
def _categorical_logcdf(value: Any, p: Any, checks: ParameterChecks) -> Any:
    last = at.cast(at.shape(p)[-1] - 1, "float64")
    below = at.le(_outcomes(p), at.expand_dims(value, -1))
    out = at.log(at.sum(at.switch(below, p, 0.0), axis=-1))
    # at and above the last outcome the CDF is exactly 1 (not the rounded sum)
    return _categorical_checks(checks, at.switch(at.ge(value, last), 0.0, out), p)


@icdf_rules.register(CategoricalRV)
def _categorical_icdf(q: Any, p: Any, checks: ParameterChecks) -> Any:
    # the number of outcomes whose CDF is below q; capped at the last outcome, which a q near
    # 1 could pass when the rounded cumulative sum ends a little under 1
    last = at.shape(p)[-1] - 1
    below = at.sum(at.lt(at.cumsum(p, axis=-1), at.expand_dims(q, -1)), axis=-1)
    out = at.cast(at.minimum(below, last), "float64") + at.zeros_like(q)
    return _categorical_checks(checks, check_quantile(out, q), p)


# --- integers (uniform on low, ..., high - 1) ---------------------------------------------

def _integers_checks(checks: ParameterChecks, expr: Any, low: Any, high: Any) -> Any:
    expr = checks.require(expr, at.and_(is_integer(low), is_integer(high)), "integer low and high")
    return checks.require(expr, at.lt(low, high), "low < high")


@logp_rules.register(IntegersRV)
def _integers_logp(value: Any, low: Any, high: Any, checks: ParameterChecks) -> Any:
    support = at.and_(at.and_(at.ge(value, low), at.lt(value, high)), is_integer(value))
    out = in_support(-at.log(high - low), support)
    return _integers_checks(checks, out, low, high)


@logcdf_rules.register(IntegersRV)
def _integers_logcdf(value: Any, low: Any, high: Any, checks: ParameterChecks) -> Any:
    inside = at.log(at.floor(value) - low + 1.0) - at.log(high - low)
    out = at.switch(at.lt(value, low), NEG_INF, at.switch(at.ge(value, high - 1), 0.0, inside))
    return _integers_checks(checks, out, low, high)


@icdf_rules.register(IntegersRV)
def _integers_icdf(q: Any, low: Any, high: Any, checks: ParameterChecks) -> Any:
    # the smallest k with (k - low + 1) / (high - low) >= q
    out = at.maximum(low + at.ceil(q * (high - low)) - 1.0, low)
    return _integers_checks(checks, check_quantile(out, q), low, high)
