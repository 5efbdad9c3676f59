"""Derivatives of gammainc / gammaincc with respect to the shape k (arignote.scalar.gammainc_derivative).

The reference is an integral evaluated by ``scipy.integrate.quad`` (mpmath is not a
dependency): ``dP/dk = (1/Gamma(k)) int_0^x t^(k-1) e^-t (log t - psi(k)) dt``, and for
the upper tail ``dQ/dk`` the same integral from x to infinity.  Integrating
``log t - psi(k)`` (rather than subtracting ``psi(k) P`` afterwards) avoids the
cancellation near ``x = k``; quad reaches about 1e-13 relative on these points.
"""

import numpy as np
import pytest
import scipy.special as sps
from scipy.integrate import quad

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad
from arignote.scalar.gammainc_derivative import MAX_TERMS, gammainc_dk

# the derivative ops run in NumPy, which JAX refuses: under --mode JAX the tests that name
# no mode use PY
MODE = "PY" if arignote.config.mode == "JAX" else None

# x << k, x ~ k, x >> k over k in [0.1, 50], x in [1e-3, 100]
POINTS = [(0.1, 1e-3), (0.1, 0.5), (0.1, 1.05), (0.1, 3.0), (0.1, 100.0), (0.7, 1e-3), (0.7, 16.0),
          (1.0, 1.0), (1.0, 2.0), (2.0, 1.0), (3.0, 5.0), (5.5, 5.5), (5.5, 6.49), (5.5, 6.51),
          (11.0, 31.0), (20.0, 25.0), (20.0, 1e-3), (20.0, 100.0), (49.5, 50.0), (50.0, 49.0),
          (50.0, 51.0), (50.0, 0.5), (50.0, 100.0), (0.3, 35.0), (2.5, 0.01)]


def _reference_dp_dk(k: float, x: float) -> float:
    """dP/dk by quadrature of the smaller tail."""
    psi = sps.psi(k)
    if sps.gammainc(k, x) <= 0.5:
        # t = u^(1/k): t^(k-1) dt = du / k, log t = log(u) / k; no singularity at 0
        def lower(u: float) -> float:
            return float(np.exp(-u ** (1 / k)) * (np.log(u) / k - psi) / k)
        val = quad(lower, 0, x ** k, epsabs=0, epsrel=1e-13, limit=400)[0]
        # divide by Gamma(k) in logs (Gamma(50) is large but val can be tiny)
        return float(np.sign(val) * np.exp(np.log(abs(val)) - sps.gammaln(k)))

    def upper(t: float) -> float:
        return float(np.exp((k - 1) * np.log(t) - t - sps.gammaln(k)) * (np.log(t) - psi))
    return -quad(upper, x, np.inf, epsabs=0, epsrel=1e-13, limit=400)[0]


@pytest.mark.parametrize(("k", "x"), POINTS)
def test_dk_against_quadrature(k, x):
    want = _reference_dp_dk(k, x)
    np.testing.assert_allclose(gammainc_dk(k, x), want, rtol=1e-11, atol=0)


def test_dk_against_finite_differences_of_log_scipy():
    # a second, independent reference over random points: a five-point difference of
    # log P (or log Q), which varies slowly in k, times P (or Q); step 1e-3 max(1, k)
    rng = np.random.default_rng(7)
    k = np.exp(rng.uniform(np.log(0.5), np.log(50), 400))
    x = np.exp(rng.uniform(np.log(1e-3), np.log(100), 400))
    h = 1e-3 * np.maximum(1, k)
    upper = sps.gammainc(k, x) > 0.5

    def logf(kk: np.ndarray) -> np.ndarray:
        return np.where(upper, np.log(sps.gammaincc(kk, x)), np.log(sps.gammainc(kk, x)))

    dlog = (-logf(k + 2 * h) + 8 * logf(k + h) - 8 * logf(k - h) + logf(k - 2 * h)) / (12 * h)
    want = np.where(upper, -sps.gammaincc(k, x), sps.gammainc(k, x)) * dlog
    got = gammainc_dk(k, x)
    keep = want != 0  # both underflow together far in the lower tail
    np.testing.assert_allclose(got[keep], want[keep], rtol=1e-7)
    assert np.all(got[~keep] == 0)


def test_domain_edges_and_dtypes():
    got = gammainc_dk([-1.0, 0.0, 1.0, 1.0, np.nan, 1.0, 2.0], [1.0, 1.0, -1.0, 0.0, 1.0, np.inf, np.nan])
    np.testing.assert_array_equal(got, [np.nan, np.nan, np.nan, 0.0, np.nan, 0.0, np.nan])
    assert MAX_TERMS >= 1000
    # large k converges within the term limit
    np.testing.assert_allclose(gammainc_dk(1e4, 1e4), -np.exp(-0.5 * np.log(2 * np.pi * 1e4)), rtol=1e-3)
    k32, x32 = at.fvector("k"), at.fvector("x")
    g = arignote.grad(at.gammainc(k32, x32).sum(), k32)
    assert g.dtype == "float32"


@pytest.mark.parametrize("mode", ["py", "FAST_RUN"])
def test_grad_through_graph(mode):
    k, x = at.dvector("k"), at.dvector("x")
    kv = np.array([0.1, 0.7, 3.0, 20.0, 50.0, 50.0])
    xv = np.array([100.0, 1e-3, 5.0, 25.0, 49.0, 0.5])
    want = np.array([_reference_dp_dk(a, b) for a, b in zip(kv, xv)])
    gp = arignote.grad(at.gammainc(k, x).sum(), k)
    gq = arignote.grad(at.gammaincc(k, x).sum(), k)
    # with respect to both arguments together
    gk, gx = arignote.grad((at.gammainc(k, x) * 2).sum(), [k, x])
    f = arignote.function([k, x], [gp, gq, gk, gx], mode=mode)
    p, q, pk, px = f(kv, xv)
    np.testing.assert_allclose(p, want, rtol=1e-11)
    np.testing.assert_allclose(q, -want, rtol=1e-11)
    np.testing.assert_allclose(pk, 2 * want, rtol=1e-11)
    np.testing.assert_allclose(px, 2 * np.exp((kv - 1) * np.log(xv) - xv - sps.gammaln(kv)), rtol=1e-12)


def test_grad_broadcasts_k_over_x():
    k, x = at.dscalar("k"), at.dvector("x")
    xv = np.array([0.5, 2.0, 9.0])
    g = arignote.grad(at.gammaincc(k, x).sum(), k).eval({k: 2.5, x: xv}, mode=MODE)
    np.testing.assert_allclose(g, -gammainc_dk(2.5, xv).sum(), rtol=1e-14)


def test_forward_mode_in_k():
    from arignote.autodiff import Rop

    k, x, t = at.dvector("k"), at.dvector("x"), at.dvector("t")
    kv, xv, tv = np.array([1.5, 2.5]), np.array([0.5, 2.0]), np.array([1.0, -2.0])
    got = Rop(at.gammainc(k, x), k, t).eval({k: kv, x: xv, t: tv}, mode=MODE)
    np.testing.assert_allclose(got, tv * gammainc_dk(kv, xv), rtol=1e-14)


def test_verify_grad_in_both_arguments():
    rng = np.random.default_rng(3)
    point = [np.array([0.6, 2.0, 7.5]), np.array([0.3, 2.5, 12.0])]
    verify_grad(at.gammainc, point, rng=rng, mode=MODE)
    verify_grad(at.gammaincc, point, rng=rng, mode=MODE)
