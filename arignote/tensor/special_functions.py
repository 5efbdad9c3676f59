"""Elementwise special functions with PyTensor's names and argument order.

Incomplete gamma and beta functions and their inverses, ``hyp2f1``,
``polygamma``, Bessel functions, Owen's T, the normal CDF family and ``x log
y``.  Each is an `Elemwise` of a scalar op of :mod:`arignote.scalar.special`
(SciPy's function), except those PyTensor writes as expressions of others:
``iv = ive * exp(|x|)``, ``kv = kve * exp(-x)``, ``gammal``/``gammau`` (the
unnormalised incomplete gamma functions) and ``chi2sf``.  ``log1pexp``
(PyTensor's other name for ``softplus``) is in :mod:`arignote.tensor.math`.
"""

from __future__ import annotations

import functools
from typing import Any

from arignote.scalar import special as ss
from arignote.tensor.math import _elemwise, exp, gamma
from arignote.tensor.math import abs as tensor_abs
from arignote.tensor.variable import TensorVariable


def _named(fn: Any, name: str) -> Any:
    fn.__name__ = name
    return fn


gammainc = _elemwise(ss.GammaInc(), "regularized lower incomplete gamma function P(k, x)")
gammaincc = _elemwise(ss.GammaIncC(), "regularized upper incomplete gamma function Q(k, x)")
gammaincinv = _elemwise(ss.GammaIncInv(), "the x with gammainc(k, x) = y")
gammainccinv = _elemwise(ss.GammaIncCInv(), "the x with gammaincc(k, x) = y")
betainc = _elemwise(ss.BetaInc(), "regularized incomplete beta function I_x(a, b)")
betaincinv = _elemwise(ss.BetaIncInv(), "the x with betainc(a, b, x) = y")
hyp2f1 = _elemwise(ss.Hyp2F1(), "Gauss's hypergeometric function 2F1(a, b; c; z)")
polygamma = _elemwise(ss.PolyGamma(), "polygamma(n, x): the n-th derivative of digamma (n an integer)")
jv = _elemwise(ss.Jv(), "Bessel function of the first kind of real order v")
j0 = _elemwise(ss.J0(), "Bessel function of the first kind of order 0")
j1 = _elemwise(ss.J1(), "Bessel function of the first kind of order 1")
i0 = _elemwise(ss.I0(), "modified Bessel function of the first kind of order 0")
i1 = _elemwise(ss.I1(), "modified Bessel function of the first kind of order 1")
ive = _elemwise(ss.Ive(), "exponentially scaled modified Bessel function of the first kind, "
                          "iv(v, x) * exp(-|x|)")
kve = _elemwise(ss.Kve(), "exponentially scaled modified Bessel function of the second kind, "
                          "kv(v, x) * exp(x)")
owens_t = _named(_elemwise(ss.OwensT(), "Owen's T function T(h, a)"), "owens_t")
ndtr = _elemwise(ss.Ndtr(), "standard normal cumulative distribution function")
log_ndtr = _named(_elemwise(ss.LogNdtr(), "log of ndtr, accurate in the lower tail"), "log_ndtr")
ndtri = _elemwise(ss.Ndtri(), "inverse of ndtr (the standard normal quantile)")
ndtri_exp = _named(_elemwise(ss.NdtriExp(), "ndtri(exp(y)), accurate for very negative y"),
                   "ndtri_exp")
xlogx = _elemwise(ss.XLogX(), "x * log(x), 0 where x == 0")
xlogy0 = _elemwise(ss.XLogY0(), "x * log(y), 0 where x == 0")
xlogy = xlogy0
_logaddexp = _elemwise(ss.LogAddExp(), "log(exp(x) + exp(y)), without overflow")


def logaddexp(*xs: Any) -> TensorVariable:
    """``log(sum(exp(x) for x in xs))`` without overflow (``np.logaddexp``, any number of terms)."""
    if not xs:
        raise TypeError("logaddexp needs at least one input")
    if len(xs) == 1:
        return _logaddexp(xs[0], float("-inf"))
    return functools.reduce(_logaddexp, xs)


def iv(v: Any, x: Any) -> TensorVariable:
    """Modified Bessel function of the first kind of real order v, as ``ive(v, x) * exp(|x|)``
    (PyTensor's form; for large x work with ``log(ive(v, x)) + |x|``)."""
    return ive(v, x) * exp(tensor_abs(x))


def kv(v: Any, x: Any) -> TensorVariable:
    """Modified Bessel function of the second kind of real order v, as ``kve(v, x) * exp(-x)``."""
    return kve(v, x) * exp(-x)


def gammal(k: Any, x: Any) -> TensorVariable:
    """Lower incomplete gamma function (unnormalised): ``gammainc(k, x) * gamma(k)``."""
    return gammainc(k, x) * gamma(k)


def gammau(k: Any, x: Any) -> TensorVariable:
    """Upper incomplete gamma function (unnormalised): ``gammaincc(k, x) * gamma(k)``."""
    return gammaincc(k, x) * gamma(k)


def chi2sf(x: Any, k: Any) -> TensorVariable:
    """Survival function of the chi-squared distribution with k degrees of freedom:
    ``gammaincc(k / 2, x / 2)``."""
    return gammaincc(k / 2, x / 2)


__all__ = ["betainc", "betaincinv", "chi2sf", "gammainc", "gammaincc", "gammainccinv", "gammaincinv",
           "gammal", "gammau", "hyp2f1", "i0", "i1", "iv", "ive", "j0", "j1", "jv", "kv", "kve",
           "log_ndtr", "logaddexp", "ndtr", "ndtri", "ndtri_exp", "owens_t", "polygamma",
           "xlogx", "xlogy", "xlogy0"]
