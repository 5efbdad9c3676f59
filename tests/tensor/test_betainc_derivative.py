"""Derivatives of betainc with respect to a and b (arignote.scalar.betainc_derivative).

The reference is the derivative of the defining integral evaluated by ``scipy.integrate.quad``
(mpmath is not a dependency).  On the smaller tail, with t = x s,

    dI/da = x^a / B(a,b) int_0^1 s^(a-1) (1-xs)^(b-1) (log x + psi(a+b) - psi(a) + log s) ds
    dI/db = x^a / B(a,b) int_0^1 s^(a-1) (1-xs)^(b-1) (log(1-xs) + psi(a+b) - psi(b)) ds

(the upper tail by I_x(a,b) = 1 - I_(1-x)(b,a)).  The weight s^(a-1) goes to QUADPACK's
algebraic-singularity rule where a < 2, and the digamma differences are integrals too
(psi(u+v) - psi(u) = int_0^1 t^(u-1) (1 - t^v) / (1 - t) dt), so the reference shares no
code with the implementation.  In the first bracket both parts are <= 0 on the lower tail,
so nothing cancels; quad is asked for 1e-13 and the rest is a handful of roundings: the
reference is good to about 1e-12, hence rtol 5e-12.  (Against 40-digit mpmath, differentiating
``mpmath.betainc``, the implementation is within 1e-12 over a grid of a, b in [0.1, 1000]
and x from 1e-6 to 1 - 1e-6, both sides of the switch point.)
"""

import numpy as np
import pytest
import scipy.special as sps
from scipy.integrate import quad

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad
from arignote.scalar.betainc_derivative import MAX_TERMS, betainc_grad

_Q = {"epsabs": 0, "epsrel": 1e-13, "limit": 500}
# the derivative ops run in NumPy, which JAX refuses (tested below): under --mode JAX the
# tests that name no mode use PY
MODE = "PY" if arignote.config.mode == "JAX" else None


def _psi_diff(u: float, v: float) -> float:
    """psi(u + v) - psi(u) as an integral (no cancellation for v << u)."""
    def f(t: float) -> float:
        return -np.expm1(v * np.log(t)) / (1 - t) if 0 < t < 1 else (v if t == 1 else 1.0)
    return quad(f, 0, 1, weight="alg", wvar=(u - 1, 0), **_Q)[0]


def _weighted(p: float, f, log_s: bool = False) -> float:
    """int_0^1 s^(p-1) [log s] f(s) ds."""
    if p < 2:
        return quad(f, 0, 1, weight="alg-loga" if log_s else "alg", wvar=(p - 1, 0), **_Q)[0]
    if log_s:
        return quad(lambda s: s ** (p - 1) * np.log(s) * f(s) if s > 0 else 0.0, 0, 1, **_Q)[0]
    return quad(lambda s: s ** (p - 1) * f(s), 0, 1, **_Q)[0]


def _lower(p: float, q: float, x: float, wrt_p: bool) -> float:
    """d/dp or d/dq of I_x(p, q) by quadrature."""
    front = np.exp(p * np.log(x) - sps.betaln(p, q))

    def g(s: float) -> float:
        return (1 - x * s) ** (q - 1)

    if wrt_p:
        c0 = np.log(x) + _psi_diff(p, q)
        return front * (c0 * _weighted(p, g) + _weighted(p, g, log_s=True))
    dq = _psi_diff(q, p)
    return front * _weighted(p, lambda s: g(s) * (np.log1p(-x * s) + dq))


def reference(a: float, b: float, x: float, wrt: int) -> float:
    if sps.betainc(a, b, x) <= 0.5:
        return _lower(a, b, x, wrt == 0)
    return -_lower(b, a, 1 - x, wrt == 1)


# small (0.1), moderate and large (1000) parameters; x near 0, near 1, and on both sides of
# the switch point (a + 1) / (a + b + 2) and of the mean a / (a + b)
POINTS = [(0.1, 0.1, 1e-4), (0.1, 0.1, 0.5), (0.1, 0.1, 0.999), (0.1, 1000.0, 1e-5),
          (0.1, 1000.0, 0.001), (0.1, 1000.0, 0.0011), (1000.0, 0.1, 0.9989), (1000.0, 0.1, 0.99991),
          (0.5, 3.0, 0.02), (0.5, 3.0, 0.3), (2.5, 2.5, 0.5), (2.5, 2.5, 0.49), (3.0, 0.7, 0.999999),
          (10.0, 150.0, 0.062), (10.0, 150.0, 0.07), (150.0, 10.0, 0.93), (1000.0, 1000.0, 0.499),
          (1000.0, 1000.0, 0.51), (1000.0, 2.5, 0.996), (7.0, 1.0, 0.8), (1.0, 1.0, 0.3)]


@pytest.mark.parametrize(("a", "b", "x"), POINTS)
@pytest.mark.parametrize("wrt", [0, 1])
def test_against_quadrature(a, b, x, wrt):
    np.testing.assert_allclose(betainc_grad(a, b, x, wrt), reference(a, b, x, wrt), rtol=5e-12, atol=0)


def test_against_finite_differences_of_log_scipy():
    # a second reference over random points: a five-point difference of log I (or log(1 - I)),
    # which varies slowly, times I; step 1e-4 max(1, p): truncation ~ h^4 |(log I)^(5)| and
    # rounding ~ 1e-16 |log I| / h, both below 1e-8 relative here
    rng = np.random.default_rng(11)
    a = np.exp(rng.uniform(np.log(0.2), np.log(200), 300))
    b = np.exp(rng.uniform(np.log(0.2), np.log(200), 300))
    x = rng.uniform(0.01, 0.99, 300)
    upper = sps.betainc(a, b, x) > 0.5
    for wrt, p in ((0, a), (1, b)):
        h = 1e-4 * np.maximum(1, p)

        def logf(dp, wrt=wrt):
            aa, bb = (a + dp, b) if wrt == 0 else (a, b + dp)
            return np.where(upper, np.log(sps.betaincc(aa, bb, x)), np.log(sps.betainc(aa, bb, x)))

        dlog = (-logf(2 * h) + 8 * logf(h) - 8 * logf(-h) + logf(-2 * h)) / (12 * h)
        want = np.where(upper, -sps.betaincc(a, b, x), sps.betainc(a, b, x)) * dlog
        got = betainc_grad(a, b, x, wrt)
        keep = want != 0
        np.testing.assert_allclose(got[keep], want[keep], rtol=1e-7)


def test_domain_edges():
    a = [-1.0, 0.0, 1.0, 1.0, 1.0, 1.0, np.nan, 2.0, np.inf, np.inf, 2.0]
    b = [1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, np.inf, 2.0]
    x = [0.5, 0.5, 0.5, -0.1, 1.1, 0.0, 0.5, 1.0, 0.5, 0.5, np.nan]
    want = [np.nan, np.nan, np.nan, np.nan, np.nan, 0.0, np.nan, 0.0, 0.0, np.nan, np.nan]
    for wrt in (0, 1):
        np.testing.assert_array_equal(betainc_grad(a, b, x, wrt), want)
    with pytest.raises(ValueError, match="wrt must be 0"):
        betainc_grad(1.0, 1.0, 0.5, 2)
    assert MAX_TERMS >= 1000
    # large parameters converge within the step limit: at the median of Beta(a, a), a = 1e5,
    # raising a moves the median (a - 1/3) / (2a - 2/3) by (a - 1/3) / (2a - 2/3)^2, so the
    # derivative is minus the density there times that shift, up to O(1/a) = 1e-5
    a5 = 1e5
    shift = (a5 - 1 / 3) / (2 * a5 - 2 / 3) ** 2
    density = np.exp((a5 - 1) * np.log(0.25) - sps.betaln(a5, a5))
    np.testing.assert_allclose(betainc_grad(a5, a5, 0.5, 0), -density * shift, rtol=1e-4)


def test_float32_keeps_its_dtype():
    a, b, x = at.fvector("a"), at.fvector("b"), at.fvector("x")
    ga, gb = arignote.grad(at.betainc(a, b, x).sum(), [a, b])
    assert ga.dtype == gb.dtype == "float32"


@pytest.mark.parametrize("mode", ["py", "FAST_RUN"])
def test_grad_through_graph(mode):
    a, b, x = at.dvector("a"), at.dvector("b"), at.dvector("x")
    av, bv, xv = np.array([0.1, 0.5, 2.5, 150.0]), np.array([1000.0, 3.0, 2.5, 10.0]), \
        np.array([0.0011, 0.3, 0.49, 0.93])
    ga, gb, gx = arignote.grad((2 * at.betainc(a, b, x)).sum(), [a, b, x])
    f = arignote.function([a, b, x], [ga, gb, gx], mode=mode)
    da, db, dx = f(av, bv, xv)
    np.testing.assert_allclose(da, [2 * reference(*p, 0) for p in zip(av, bv, xv)], rtol=5e-12)
    np.testing.assert_allclose(db, [2 * reference(*p, 1) for p in zip(av, bv, xv)], rtol=5e-12)
    density = np.exp((av - 1) * np.log(xv) + (bv - 1) * np.log1p(-xv) - sps.betaln(av, bv))
    np.testing.assert_allclose(dx, 2 * density, rtol=1e-12)


def test_grad_broadcasts_parameters_over_x():
    a, b, x = at.dscalar("a"), at.dscalar("b"), at.dvector("x")
    xv = np.array([0.1, 0.5, 0.9])
    ga, gb = arignote.grad(at.betainc(a, b, x).sum(), [a, b])
    got = arignote.function([a, b, x], [ga, gb], mode=MODE)(2.5, 4.0, xv)
    np.testing.assert_allclose(got[0], betainc_grad(2.5, 4.0, xv, 0).sum(), rtol=1e-14)
    np.testing.assert_allclose(got[1], betainc_grad(2.5, 4.0, xv, 1).sum(), rtol=1e-14)


def test_forward_mode():
    from arignote.autodiff import Rop

    a, b, x, t = at.dvector("a"), at.dvector("b"), at.dvector("x"), at.dvector("t")
    av, bv, xv, tv = np.array([1.5, 2.5]), np.array([0.7, 9.0]), np.array([0.5, 0.2]), np.array([1.0, -2.0])
    got = Rop(at.betainc(a, b, x), [a, b], [t, 3 * t]).eval({a: av, b: bv, x: xv, t: tv}, mode=MODE)
    want = tv * betainc_grad(av, bv, xv, 0) + 3 * tv * betainc_grad(av, bv, xv, 1)
    np.testing.assert_allclose(got, want, rtol=1e-14)


def test_verify_grad_in_all_arguments():
    rng = np.random.default_rng(5)
    point = [np.array([0.6, 2.0, 7.5]), np.array([3.0, 0.8, 5.0]), np.array([0.3, 0.6, 0.55])]
    verify_grad(at.betainc, point, rng=rng, mode=MODE)


def test_jax_refuses_by_name():
    pytest.importorskip("jax")
    from arignote.backend.jax.plan import JaxCompileError

    a, b, x = at.dvector("a"), at.dvector("b"), at.dvector("x")
    for wrt, name in ((a, "a"), (b, "b")):
        g = arignote.grad(at.betainc(a, b, x).sum(), wrt)
        with pytest.raises(JaxCompileError, match=f"no derivative of betainc with respect to {name}"):
            arignote.function([a, b, x], g, mode="JAX")
