"""Derivatives of the regularized incomplete gamma functions with respect to the shape k.

``d/dk P(k, x)`` and ``d/dk Q(k, x) = -d/dk P(k, x)``, computed in NumPy (float64),
vectorised over arrays, as ``P`` (or ``Q``) times the derivative of its logarithm:

* ``x < k + 1``: the power series ``P = x^k e^-x / Gamma(k+1) * S`` with
  ``S = sum_n x^n / ((k+1)...(k+n))``, so ``dP/dk = P (log x - psi(k+1) + S'/S)``;
* ``x >= k + 1``: Legendre's continued fraction ``Q = x^k e^-x / Gamma(k) * h``,
  evaluated by the modified Lentz method while carrying ``d log h / dk`` alongside,
  so ``dQ/dk = Q (log x - psi(k) + h'/h)``.

In each region the two terms of the bracket mostly share a sign, so the result has a
relative error of a few 1e-14 (more where ``P`` or ``Q`` underflows to 0, which the
result then does too).  Each sum stops once its terms fall below 1e-17 of the total,
after at most ``MAX_TERMS`` terms; an element that has not converged by then (only for
``k`` beyond about 1e6 with ``x`` near ``k``) gives NaN.  Outside the domain (``k <= 0``,
``x < 0``, NaN) the result is NaN; at ``x = 0`` and ``x = inf`` it is 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.special as sps

from arignote.scalar.parameter_derivative import parameter_derivative_op

#: the most terms either sum (series or continued fraction) takes
MAX_TERMS = 10_000
_TOL = 1e-17


def _series_dlogp(k: np.ndarray, x: np.ndarray) -> np.ndarray:
    """S'/S for the power series of P (x < k + 1); NaN where it has not converged."""
    total = np.ones_like(k)
    dtotal = np.zeros_like(k)
    term = np.ones_like(k)
    harmonic = np.zeros_like(k)  # sum_{j <= n} 1 / (k + j): d log(term_n) / dk = -harmonic
    out = np.full_like(k, np.nan)
    idx = np.arange(k.size)
    for n in range(1, MAX_TERMS + 1):
        term = term * x / (k + n)
        harmonic = harmonic + 1 / (k + n)
        total = total + term
        dtotal = dtotal - term * harmonic
        done = term * (1 + harmonic) <= _TOL * (total + np.abs(dtotal))
        if done.any():
            out[idx[done]] = dtotal[done] / total[done]
            keep = ~done
            k, x, total, dtotal, term, harmonic, idx = (
                a[keep] for a in (k, x, total, dtotal, term, harmonic, idx))
            if not idx.size:
                break
    return out


def _fraction_dlogh(k: np.ndarray, x: np.ndarray) -> np.ndarray:
    """h'/h for Legendre's continued fraction of Q (x >= k + 1), by modified Lentz with a
    forward derivative in k; NaN where it has not converged."""
    tiny = 1e-300
    b = x + 1 - k                      # db/dk = -1 at every step
    d = 1 / b
    dd = d * d                         # d(1/b)/dk = 1/b^2
    c = np.full_like(k, 1 / tiny)
    dc = np.zeros_like(k)
    dlogh = dd / d                     # h = d at the start
    out = np.full_like(k, np.nan)
    idx = np.arange(k.size)
    for i in range(1, MAX_TERMS + 1):
        an, dan = -i * (i - k), float(i)
        b = b + 2
        den = an * d + b
        dden = dan * d + an * dd - 1
        den = np.where(np.abs(den) < tiny, tiny, den)
        d = 1 / den
        dd = -dden * d * d
        cn = b + an / c
        dc = -1 + dan / c - an * dc / (c * c)
        c = np.where(np.abs(cn) < tiny, tiny, cn)
        delta = d * c
        ddelta = dd * c + d * dc
        dlogh = dlogh + ddelta / delta
        done = (np.abs(delta - 1) <= 4e-16) & (np.abs(ddelta / delta) <= 4e-16 * np.abs(dlogh))
        if done.any():
            out[idx[done]] = dlogh[done]
            keep = ~done
            k, x, b, d, dd, c, dc, dlogh, idx = (
                a[keep] for a in (k, x, b, d, dd, c, dc, dlogh, idx))
            if not idx.size:
                break
    return out


def gammainc_dk(k: Any, x: Any) -> np.ndarray:
    """d/dk of ``scipy.special.gammainc(k, x)``, elementwise (float64)."""
    k, x = np.broadcast_arrays(np.asarray(k, dtype=np.float64), np.asarray(x, dtype=np.float64))
    shape = k.shape
    k, x = k.ravel(), x.ravel()
    out = np.full(k.shape, np.nan)
    with np.errstate(all="ignore"):
        ok = (k > 0) & (x >= 0)
        edge = ok & ((x == 0) | np.isinf(x) | np.isinf(k))
        out[edge] = 0.0
        series = ok & ~edge & (x < k + 1)
        if series.any():
            ks, xs = k[series], x[series]
            out[series] = sps.gammainc(ks, xs) * (np.log(xs) - sps.psi(ks + 1) + _series_dlogp(ks, xs))
        frac = ok & ~edge & (x >= k + 1)
        if frac.any():
            kf, xf = k[frac], x[frac]
            out[frac] = -sps.gammaincc(kf, xf) * (np.log(xf) - sps.psi(kf) + _fraction_dlogh(kf, xf))
    return out.reshape(shape)


GammaIncDer = parameter_derivative_op(
    "GammaIncDer", "d/dk of the regularized lower incomplete gamma function P(k, x).",
    sps.gammainc, gammainc_dk, 2, __name__)
GammaIncCDer = parameter_derivative_op(
    "GammaIncCDer", "d/dk of the regularized upper incomplete gamma function Q(k, x) = -d/dk P(k, x).",
    sps.gammaincc, lambda k, x: -gammainc_dk(k, x), 2, __name__)


__all__ = ["MAX_TERMS", "GammaIncCDer", "GammaIncDer", "gammainc_dk"]
