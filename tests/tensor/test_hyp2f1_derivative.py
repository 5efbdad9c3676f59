"""Derivatives of hyp2f1 with respect to a, b and c (arignote.scalar.hyp2f1_derivative).

The reference is Euler's integral, for c > b > 0 and z < 1,

    2F1(a, b; c; z) = 1 / B(b, c-b) int_0^1 t^(b-1) (1-t)^(c-b-1) (1-zt)^(-a) dt,

differentiated under the integral sign:

    d/da: the integrand times -log(1 - zt),
    d/db: times log t - log(1-t) - psi(b) + psi(c-b),
    d/dc: times log(1-t) + psi(c) - psi(c-b),

each evaluated by ``scipy.integrate.quad`` with QUADPACK's rule for the algebraic (and
logarithmic) end-point weights t^(b-1) (1-t)^(c-b-1) [log t or log(1-t)].  It shares no
code with the series, covers z < -1 (where the implementation uses Pfaff's transformation)
and needs no mpmath.  quad is asked for 1e-13 relative per piece; the pieces of d/db and
d/dc can cancel, by up to about ten times at these points, so the reference is good to
about 1e-12: rtol 5e-12.  (Against 30-digit mpmath, differentiating ``mpmath.hyp2f1``, over
a grid of a, b in [-2, 7], c in [0.7, 10], z in [-50, 1] and polynomials at z = 1.5, the
implementation is within 1e-12 except where the series' terms cancel, up to 1.5e-11 there.)
"""

import numpy as np
import pytest
import scipy.special as sps
from scipy.integrate import quad

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad
from arignote.scalar.hyp2f1_derivative import MAX_TERMS, hyp2f1_grad

_Q = {"epsabs": 0, "epsrel": 1e-13, "limit": 500}
# the derivative ops run in NumPy, which JAX refuses (tested below): under --mode JAX the
# tests that name no mode use PY
MODE = "PY" if arignote.config.mode == "JAX" else None


def reference(a: float, b: float, c: float, z: float, wrt: int) -> float:
    """d/da, d/db or d/dc of 2F1(a, b; c; z) by Euler's integral (c > b > 0, z < 1)."""
    assert c > b > 0 and z < 1
    wvar = (b - 1, c - b - 1)

    def f(t: float) -> float:
        return float(np.exp(-a * np.log1p(-z * t)))

    def piece(g, weight: str = "alg") -> float:
        return quad(g, 0, 1, weight=weight, wvar=wvar, **_Q)[0]

    scale = np.exp(-sps.betaln(b, c - b))
    if wrt == 0:
        return scale * piece(lambda t: -np.log1p(-z * t) * f(t))
    if wrt == 1:
        return scale * (piece(f, "alg-loga") - piece(f, "alg-logb") +
                        (sps.psi(c - b) - sps.psi(b)) * piece(f))
    return scale * (piece(f, "alg-logb") + (sps.psi(c) - sps.psi(c - b)) * piece(f))


# a non-positive integer a (a polynomial in z whose a-derivative is still a series), negative
# and positive parameters, z from -20 (Pfaff's series at 20/21) to 0.95
POINTS = [(1.5, 0.5, 2.0, 0.5), (-2.0, 1.5, 3.5, 0.8), (-2.0, 1.5, 3.5, -7.0), (-1.3, 0.7, 1.9, 0.95),
          (2.5, 2.0, 6.0, -0.7), (0.3, 0.3, 0.9, -20.0), (4.0, 1.2, 2.0, 0.3), (1.0, 2.5, 3.0, -1.0),
          (-0.5, 3.0, 10.0, 0.9), (7.0, 0.5, 9.5, -3.0), (0.5, 1.0, 1.5, 1e-3)]


@pytest.mark.parametrize(("a", "b", "c", "z"), POINTS)
@pytest.mark.parametrize("wrt", [0, 1, 2])
def test_against_euler_integral(a, b, c, z, wrt):
    np.testing.assert_allclose(hyp2f1_grad(a, b, c, z, wrt), reference(a, b, c, z, wrt), rtol=5e-12)


def test_symmetric_in_a_and_b():
    # 2F1 is symmetric in a and b, so d/da at (a, b) is d/db at (b, a): the swap for a
    # polynomial b goes through this, and Euler's integral above needs b > 0
    a, b, c = np.array([-3.0, 0.4, 2.0]), np.array([1.5, -2.0, -1.0]), np.array([2.5, 3.5, 4.5])
    for z in (-4.0, 0.6):
        np.testing.assert_allclose(hyp2f1_grad(a, b, c, z, 0), hyp2f1_grad(b, a, c, z, 1), rtol=1e-14)


def test_against_finite_differences_of_scipy():
    # a second reference over random points: a five-point central difference of scipy's
    # hyp2f1, step h = 1e-3: truncation h^4 |f^(5)| / 30 and rounding ~ 1e-15 |f| / h, both
    # below 1e-9 of the derivative's size here (the parameters keep f smooth and O(1))
    rng = np.random.default_rng(17)
    n = 200
    a, b = rng.uniform(-1.5, 2.5, n), rng.uniform(-1.5, 2.5, n)
    c = rng.uniform(1.0, 4.0, n)
    z = rng.uniform(-3.0, 0.8, n)
    h = 1e-3
    for wrt in range(3):
        def f(d, wrt=wrt):
            args = [a, b, c, z]
            args[wrt] = args[wrt] + d
            return sps.hyp2f1(*args)

        want = (-f(2 * h) + 8 * f(h) - 8 * f(-h) + f(-2 * h)) / (12 * h)
        got = hyp2f1_grad(a, b, c, z, wrt)
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9 * np.abs(sps.hyp2f1(a, b, c, z)).max())


def test_gauss_sum_at_one():
    # at z = 1 (c > a + b) 2F1 = Gamma(c) Gamma(c-a-b) / (Gamma(c-a) Gamma(c-b)); its logarithmic
    # derivatives are digamma differences
    a, b, c = np.array([0.5, -2.0, 1.5]), np.array([1.5, 0.7, -0.3]), np.array([3.0, 1.0, 2.5])
    f1 = sps.gamma(c) * sps.gamma(c - a - b) / (sps.gamma(c - a) * sps.gamma(c - b))
    np.testing.assert_allclose(hyp2f1_grad(a, b, c, 1.0, 0), f1 * (sps.psi(c - a) - sps.psi(c - a - b)),
                               rtol=1e-13)
    np.testing.assert_allclose(hyp2f1_grad(a, b, c, 1.0, 1), f1 * (sps.psi(c - b) - sps.psi(c - a - b)),
                               rtol=1e-13)
    np.testing.assert_allclose(hyp2f1_grad(a, b, c, 1.0, 2),
                               f1 * (sps.psi(c) + sps.psi(c - a - b) - sps.psi(c - a) - sps.psi(c - b)),
                               rtol=1e-13)
    # where Gamma(c - a) has a pole the sum is 0 but its a-derivative is not: c - a = -1 gives
    # d/da (1 / Gamma(c - a)) = -(-1)^1 1! = 1, so d/da = Gamma(c) Gamma(c - a - b) / Gamma(c - b)
    got = hyp2f1_grad(2.5, -3.0, 1.5, 1.0, 0)
    np.testing.assert_allclose(got, sps.gamma(1.5) * sps.gamma(2.0) / sps.gamma(4.5), rtol=1e-14)


def test_polynomial_beyond_one():
    # a = -2: 2F1 = sum_(n <= 2) (-2)_n (b)_n / ((c)_n n!) z^n for every z, so d/db and d/dc are
    # finite sums (by (b)_n' = (b)_n sum_(k < n) 1 / (b + k)); d/da needs the divergent tail: NaN
    b, c = 1.5, 3.5
    for z in (1.5, 4.0, -30.0):
        coef = [1.0, -2 * b / c * z, b * (b + 1) / (c * (c + 1)) * z ** 2]
        db = coef[1] / b + coef[2] * (1 / b + 1 / (b + 1))
        dc = -coef[1] / c - coef[2] * (1 / c + 1 / (c + 1))
        np.testing.assert_allclose(hyp2f1_grad(-2.0, b, c, z, 1), db, rtol=1e-14)
        np.testing.assert_allclose(hyp2f1_grad(-2.0, b, c, z, 2), dc, rtol=1e-13)
        # and with the integer in b (the same polynomial)
        np.testing.assert_allclose(hyp2f1_grad(b, -2.0, c, z, 0), db, rtol=1e-14)
    assert np.isnan(hyp2f1_grad(-2.0, b, c, 1.5, 0))


def test_where_there_is_no_value():
    nan = np.nan
    #          z > 1     c = -2    z = 1, c <= a+b   NaN    inf     too close to 1
    a = np.array([0.5, 0.5, 1.0, nan, 0.5, 0.5])
    b = np.array([0.5, 0.5, 1.0, 1.0, 0.5, 0.5])
    c = np.array([1.5, -2.0, 1.5, 2.0, 1.5, 1.5])
    z = np.array([1.5, 0.5, 1.0, 0.5, np.inf, 1 - 1e-6])
    for wrt in range(3):
        assert np.isnan(hyp2f1_grad(a, b, c, z, wrt)).all()
        assert hyp2f1_grad(0.5, 1.5, 2.0, 0.0, wrt) == 0.0
    with pytest.raises(ValueError, match="wrt must be 0"):
        hyp2f1_grad(1.0, 1.0, 2.0, 0.5, 3)
    assert MAX_TERMS >= 10_000


def test_float32_keeps_its_dtype():
    a, z = at.fvector("a"), at.fvector("z")
    g = arignote.grad(at.hyp2f1(a, a, 3.0, z).sum(), a)
    assert g.dtype == "float32"


@pytest.mark.parametrize("mode", ["py", "FAST_RUN"])
def test_grad_through_graph(mode):
    a, b, c, z = (at.dvector(n) for n in "abcz")
    av, bv, cv, zv = (np.array(v) for v in zip(*POINTS[:5]))
    y = 3 * at.hyp2f1(a, b, c, z)
    grads = arignote.grad(y.sum(), [a, b, c, z])
    got = arignote.function([a, b, c, z], grads, mode=mode)(av, bv, cv, zv)
    for wrt in range(3):
        want = [3 * reference(*p, wrt) for p in zip(av, bv, cv, zv)]
        np.testing.assert_allclose(got[wrt], want, rtol=5e-12)
    np.testing.assert_allclose(got[3], 3 * av * bv / cv * sps.hyp2f1(av + 1, bv + 1, cv + 1, zv), rtol=1e-13)


def test_forward_mode():
    from arignote.autodiff import Rop

    a, b, c, z, t = (at.dvector(n) for n in "abczt")
    av, bv, cv, zv = np.array([1.5, -2.0]), np.array([0.5, 1.5]), np.array([2.0, 3.5]), np.array([0.5, -7.0])
    tv = np.array([1.0, -2.0])
    tangent = Rop(at.hyp2f1(a, b, c, z), [a, b, c], [t, 2 * t, -t])
    got = tangent.eval({a: av, b: bv, c: cv, z: zv, t: tv}, mode=MODE)
    want = tv * (hyp2f1_grad(av, bv, cv, zv, 0) + 2 * hyp2f1_grad(av, bv, cv, zv, 1) -
                 hyp2f1_grad(av, bv, cv, zv, 2))
    np.testing.assert_allclose(got, want, rtol=1e-14)


def test_verify_grad_in_all_arguments():
    rng = np.random.default_rng(9)
    point = [np.array([0.6, 1.3, -0.4]), np.array([1.2, 0.5, 2.0]), np.array([2.5, 3.0, 4.0]),
             np.array([0.3, -0.6, -2.0])]
    verify_grad(at.hyp2f1, point, rng=rng, mode=MODE)


def test_jax_refuses_by_name():
    pytest.importorskip("jax")
    from arignote.backend.jax.plan import JaxCompileError

    a, b, c, z = (at.dvector(n) for n in "abcz")
    for wrt, name in ((a, "a"), (b, "b"), (c, "c")):
        g = arignote.grad(at.hyp2f1(a, b, c, z).sum(), wrt)
        with pytest.raises(JaxCompileError, match=f"no derivative of hyp2f1 with respect to {name}"):
            arignote.function([a, b, c, z], g, mode="JAX")
