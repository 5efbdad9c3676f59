"""Log-densities of the multivariate distributions of ``at.random``: ``multivariate_normal``,
``dirichlet`` and ``multinomial`` (``logp`` only: their CDFs have no closed form).

A draw's last axis (its core) is summed over: the log-density of a value of shape
``(*batch, k)`` has shape ``batch``, with the parameters' batch axes broadcast against it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import arignote.tensor as at
from arignote.logprob.basic import ParameterChecks, logp_rules
from arignote.logprob.discrete import in_support, is_integer
from arignote.tensor.linalg import cholesky, solve_triangular
from arignote.tensor.random.multivariate import DirichletRV, MultinomialRV, MvNormalRV

_LOG_2PI = float(np.log(2.0 * np.pi))


def _last_length(x: Any) -> Any:
    return at.shape(x)[-1]


def _simplex_tolerance(x: Any) -> float:
    # sqrt(eps) of the value's dtype: a point of the simplex rounded to that dtype (or cast
    # down to it) sums to 1 within k * eps, far inside; a point off the simplex does not
    dtype = x.type.numpy_dtype if x.type.numpy_dtype.kind == "f" else np.dtype("float64")
    return float(np.sqrt(np.finfo(dtype).eps))


# --- multivariate normal ------------------------------------------------------------------

@logp_rules.register(MvNormalRV)
def _mvnormal_logp(value: Any, mean: Any, cov: Any, checks: ParameterChecks) -> Any:
    # cov = L L^T: the quadratic form is |L^-1 (x - mean)|^2 by a triangular solve (no inverse
    # of cov, whose error grows with its condition number squared) and log det cov is
    # 2 sum log diag L.  A cov that is not positive definite gives a factor of NaNs.
    factor = cholesky(cov, lower=True)
    z = solve_triangular(factor, value - mean, lower=True, b_ndim=1)
    log_diagonal = at.log(at.diagonal(factor, axis1=-2, axis2=-1))
    k = at.cast(_last_length(value), value.dtype if value.dtype.startswith("float") else "float64")
    out = -0.5 * at.sum(z * z, axis=-1) - at.sum(log_diagonal, axis=-1) - 0.5 * _LOG_2PI * k
    return checks.require(out, at.all(at.isfinite(log_diagonal)), "cov positive definite")


# --- dirichlet ----------------------------------------------------------------------------

@logp_rules.register(DirichletRV)
def _dirichlet_logp(value: Any, alphas: Any, checks: ParameterChecks) -> Any:
    # sum (a_i - 1) log x_i + log Gamma(sum a) - sum log Gamma(a_i); xlogy0 makes x_i = 0 with
    # a_i = 1 contribute 0 (the density's edge there is finite)
    log_norm = at.gammaln(at.sum(alphas, axis=-1)) - at.sum(at.gammaln(alphas), axis=-1)
    out = at.sum(at.xlogy0(alphas - 1.0, value), axis=-1) + log_norm
    simplex = at.and_(at.all(at.ge(value, 0), axis=-1),
                      at.le(at.abs(at.sum(value, axis=-1) - 1.0), _simplex_tolerance(value)))
    return checks.require(in_support(out, simplex), at.gt(alphas, 0), "alphas > 0")


# --- multinomial --------------------------------------------------------------------------

@logp_rules.register(MultinomialRV)
def _multinomial_logp(value: Any, n: Any, p: Any, checks: ParameterChecks) -> Any:
    # log n! - sum log x_i! + sum x_i log p_i; counts that are negative, not whole or not
    # summing to n are off the support (xlogy0: a zero count of a zero probability adds 0)
    counts = at.maximum(value, 0)
    out = (at.gammaln(n + 1.0) - at.sum(at.gammaln(counts + 1.0), axis=-1)
           + at.sum(at.xlogy0(counts, p), axis=-1))
    support = at.and_(at.all(at.and_(at.ge(value, 0), is_integer(value)), axis=-1),
                      at.eq(at.sum(value, axis=-1), n))
    out = in_support(out, support)
    out = checks.require(out, at.and_(at.ge(n, 0), is_integer(n)), "n a non-negative integer")
    out = checks.require(out, at.ge(p, 0), "p >= 0")
    # the op's own tolerance for a vector of probabilities summing to 1
    size = at.cast(_last_length(p), "float64")
    return checks.require(out, at.le(at.abs(at.sum(p, axis=-1) - 1.0), 1e-6 * size),
                          "p summing to 1 along its last axis")

