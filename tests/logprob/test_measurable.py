"""Densities of elementwise transforms of random variables, derived by conditional_logp.

References are scipy.stats densities of the transformed distribution (lognormal for exp of a
normal, logit-normal by its formula, chi-square for the square of a standard normal...).  The
derived graphs are a handful of elementwise operations on top of the base density, each within
a few ulps, so float64 results agree to ~1e-12 relative; values of order 1 in log space give
absolute agreement of the same order.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import scipy.special as sp
import scipy.stats as st

import arignote
import arignote.tensor as at
from arignote.logprob import NotMeasurable, conditional_logp, joint_logp

RTOL = 1e-11
MODES = [None, "PY", pytest.param("JAX", marks=pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="JAX is not installed"))]


def _density(var, value_type=at.dvector, mode=None):
    """The compiled term of ``var``'s density at a value."""
    v = value_type("v")
    return arignote.function([v], conditional_logp({var: v})[v], mode=mode)


@pytest.mark.parametrize("mode", MODES)
def test_affine_transforms_of_a_normal(mode):
    rng = np.random.default_rng(1)
    z = at.random.normal(0.5, 2.0, size=5)
    v = rng.normal(size=5) * 4
    loc, scale = 1.5, -3.0  # a negative scale reflects: |scale| in the Jacobian
    cases = {
        "loc + scale * z": (loc + scale * z, st.norm(loc + scale * 0.5, abs(scale) * 2.0)),
        "z * scale - loc": (z * scale - loc, st.norm(0.5 * scale - loc, abs(scale) * 2.0)),
        "(z - loc) / scale": ((z - loc) / scale, st.norm((0.5 - loc) / scale, 2.0 / abs(scale))),
        "loc - z": (loc - z, st.norm(loc - 0.5, 2.0)),
        "-z": (-z, st.norm(-0.5, 2.0)),
    }
    for name, (var, ref) in cases.items():
        got = _density(var, mode=mode)(v)
        np.testing.assert_allclose(got, ref.logpdf(v), rtol=RTOL, err_msg=name)


def test_reciprocal_and_division_by_a_random_variable():
    # y = 2 / x with x ~ gamma(3, scale 1/2): x = 2 / y, density p_x(2/y) 2 / y^2
    x = at.random.gamma(3.0, scale=0.5, size=4)
    v = np.array([0.3, 1.0, 2.5, 9.0])
    expected = st.gamma(3.0, scale=0.5).logpdf(2.0 / v) + np.log(2.0) - 2 * np.log(v)
    np.testing.assert_allclose(_density(2.0 / x)(v), expected, rtol=RTOL)
    np.testing.assert_allclose(_density(at.reciprocal(x))(v), st.invgamma(3.0, scale=2.0).logpdf(v),
                               rtol=RTOL)


def test_vector_parameters_broadcast_with_the_random_variable():
    rng = np.random.default_rng(2)
    z = at.random.normal(0.0, 1.0, size=(3, 4))
    loc = rng.normal(size=4)
    scale = rng.uniform(0.5, 2.0, size=(3, 1))
    v = rng.normal(size=(3, 4))
    got = _density(loc + scale * z, at.dmatrix)(v)
    np.testing.assert_allclose(got, st.norm(loc, scale).logpdf(v), rtol=RTOL)


def test_shift_of_a_discrete_variable_and_refused_scaling():
    k = at.random.poisson(3.0, size=4)
    counts = np.array([2, 3, 5, 9])
    np.testing.assert_allclose(_density(k + 2, at.lvector)(counts), st.poisson(3.0, loc=2).logpmf(counts),
                               rtol=RTOL)
    with pytest.raises(NotMeasurable, match="not a measurable operation"):
        conditional_logp({2 * k: counts})


@pytest.mark.parametrize("mode", MODES)
def test_exp_log_sigmoid_logit(mode):
    v_pos = np.array([1e-3, 0.4, 1.0, 7.5, 300.0])
    x = at.random.normal(0.3, 1.2, size=5)
    np.testing.assert_allclose(_density(at.exp(x), mode=mode)(v_pos),
                               st.lognorm(1.2, scale=np.exp(0.3)).logpdf(v_pos), rtol=RTOL)
    # log of a gamma draw: y = log g, density p_g(e^y) e^y
    g = at.random.gamma(2.5, scale=2.0, size=5)
    v = np.array([-4.0, -0.5, 0.0, 1.2, 3.0])
    np.testing.assert_allclose(_density(at.log(g), mode=mode)(v),
                               st.gamma(2.5, scale=2.0).logpdf(np.exp(v)) + v, rtol=RTOL)
    # the logit-normal: y = sigmoid(x), x = logit(y), dx/dy = 1 / (y (1 - y))
    u = np.array([1e-6, 0.1, 0.5, 0.9, 1 - 1e-9])
    expected = st.norm(0.3, 1.2).logpdf(sp.logit(u)) - np.log(u) - np.log1p(-u)
    np.testing.assert_allclose(_density(at.sigmoid(x), mode=mode)(u), expected, rtol=1e-9)
    # logit of a beta draw: p = sigmoid(y), log dp/dy = log sigmoid(y) + log sigmoid(-y)
    b = at.random.beta(2.0, 3.0, size=5)
    expected = st.beta(2.0, 3.0).logpdf(sp.expit(v)) + np.log(sp.expit(v)) + np.log(sp.expit(-v))
    np.testing.assert_allclose(_density(at.special.logit(b), mode=mode)(v), expected, rtol=RTOL)


def test_values_outside_the_image_have_zero_density():
    x = at.random.normal(0.0, 1.0, size=3)
    outside = np.array([-1.0, 0.0, -np.inf])
    np.testing.assert_array_equal(_density(at.exp(x))(outside), -np.inf)
    np.testing.assert_array_equal(_density(at.sigmoid(x))(np.array([0.0, 1.0, 2.0])), -np.inf)
    np.testing.assert_array_equal(_density(x ** 2)(np.array([-1.0, -4.0, 0.0])), [-np.inf, -np.inf, np.inf])
    # an odd power takes every real value; at 0 the density is unbounded (the root's slope)
    assert _density(x ** 3)(np.array([0.0, 1.0, 2.0]))[0] == np.inf


def test_stable_at_extreme_values():
    # the derived forms stay finite far in the tails where naive ones overflow or lose all digits:
    # log of a gamma at y = -700 needs exp(y) ~ 1e-304 (finite), logit of a beta at y = +-700
    # needs log sigmoid(+-700), which as log(1 / (1 + exp(700))) overflows
    b = at.random.beta(2.0, 3.0, size=2)
    v = np.array([-700.0, 700.0])
    got = _density(at.special.logit(b))(v)
    # log p = log B(2,3)^-1 + 2 log sigmoid(y) + 3 log sigmoid(-y) (the Jacobian included)
    log_sig = -np.logaddexp(0, -v)
    log_sig_neg = -np.logaddexp(0, v)
    expected = -sp.betaln(2, 3) + 2 * log_sig + 3 * log_sig_neg
    np.testing.assert_allclose(got, expected, rtol=1e-13)
    x = at.random.normal(0.0, 1.0, size=2)
    tiny = np.array([1e-300, 1e300])
    expected = st.lognorm(1.0).logpdf(tiny)
    np.testing.assert_allclose(_density(at.exp(x))(tiny), expected, rtol=1e-13)


def test_powers():
    x = at.random.normal(0.0, 1.0, size=4)
    v = np.array([0.01, 0.5, 2.0, 9.0])
    # the square of a standard normal is chi-square with one degree of freedom (both roots)
    np.testing.assert_allclose(_density(x ** 2)(v), st.chi2(1).logpdf(v), rtol=RTOL)
    # an odd power is a bijection of the line
    w = np.array([-8.0, -0.1, 0.3, 27.0])
    root = np.cbrt(w)
    expected = st.norm().logpdf(root) - np.log(3.0) - (2.0 / 3.0) * np.log(np.abs(w))
    np.testing.assert_allclose(_density(x ** 3)(w), expected, rtol=RTOL)
    # the square root of a gamma draw (power 1/2 of a positive variable)
    g = at.random.gamma(2.0, scale=1.5, size=4)
    expected = st.gamma(2.0, scale=1.5).logpdf(v ** 2) + np.log(2 * v)
    np.testing.assert_allclose(_density(g ** 0.5)(v), expected, rtol=RTOL)
    # an exponential of base 2: y = 2^x, x = log2(y)
    expected = st.norm().logpdf(np.log2(v)) - np.log(v) - np.log(np.log(2.0))
    np.testing.assert_allclose(_density(2.0 ** x)(v), expected, rtol=RTOL)


def test_dimshuffle_of_the_random_variable():
    rng = np.random.default_rng(3)
    z = at.random.normal(0.0, 1.0, size=(2, 3))
    v = rng.normal(size=(3, 1, 2))
    got = _density(z.dimshuffle(1, "x", 0) * 2.0 + 1.0, at.dtensor3)(v)
    np.testing.assert_allclose(got, st.norm(1.0, 2.0).logpdf(v), rtol=RTOL)
    assert got.shape == v.shape


def test_eight_schools_non_centred_with_theta_valued_and_its_gradient():
    sigma = np.array([15.0, 10, 16, 11, 9, 11, 10, 18])
    y_obs = np.array([28.0, 8, -3, 7, -1, 1, 18, 12])
    mu = at.random.normal(0.0, 10.0)
    tau = at.random.halfcauchy(0.0, 5.0)
    theta = mu + tau * at.random.normal(0.0, 1.0, size=8)
    y = at.random.normal(theta, sigma)
    mu_v, tau_v, theta_v = at.dscalar("mu"), at.dscalar("tau"), at.dvector("theta")
    total = joint_logp({mu: mu_v, tau: tau_v, theta: theta_v, y: y_obs})
    f = arignote.function([mu_v, tau_v, theta_v], [total, *arignote.grad(total, [mu_v, tau_v, theta_v])])
    rng = np.random.default_rng(4)
    m, t, th = 1.3, 2.1, rng.normal(2.0, 4.0, size=8)

    def reference(m, t, th):
        return (st.norm(0, 10).logpdf(m) + st.halfcauchy(0, 5).logpdf(t)
                + st.norm(m, t).logpdf(th).sum() + st.norm(th, sigma).logpdf(y_obs).sum())
    value, d_mu, d_tau, d_theta = f(m, t, th)
    np.testing.assert_allclose(value, reference(m, t, th), rtol=1e-12)
    # central differences with h = 1e-6: truncation ~h^2 |f'''| and rounding ~1e-16 |f| / h, both
    # below 1e-7 for these O(10) log-densities
    h = 1e-6
    fd_mu = (reference(m + h, t, th) - reference(m - h, t, th)) / (2 * h)
    fd_tau = (reference(m, t + h, th) - reference(m, t - h, th)) / (2 * h)
    np.testing.assert_allclose(d_mu, fd_mu, rtol=1e-6)
    np.testing.assert_allclose(d_tau, fd_tau, rtol=1e-6)
    for i in range(8):
        step = np.zeros(8)
        step[i] = h
        fd = (reference(m, t, th + step) - reference(m, t, th - step)) / (2 * h)
        np.testing.assert_allclose(d_theta[i], fd, rtol=1e-6, atol=1e-8)


def test_not_measurable_names_the_node_and_the_line():
    x = at.random.normal(0.0, 1.0, size=3)
    y = at.random.normal(0.0, 1.0, size=3)
    both = x + y  # the line the error must name
    with pytest.raises(NotMeasurable, match=r"test_measurable\.py:\d+") as info:
        conditional_logp({both: np.zeros(3)})
    assert "random inputs are" in str(info.value)
    # a draw broadcast by the operation is replicated: no density of the output's shape
    scalar = at.random.normal(0.0, 1.0)
    with pytest.raises(NotMeasurable, match="not a measurable operation"):
        conditional_logp({scalar + at.zeros(3): np.zeros(3)})
    with pytest.raises(NotMeasurable, match="not a measurable operation"):
        conditional_logp({at.tanh(x): np.zeros(3)})
    with pytest.raises(ValueError, match="number of dimensions"):
        conditional_logp({x + 1.0: 0.0})


def test_float32_values_keep_their_dtype():
    zero, one = at.constant(0.0, dtype="float32"), at.constant(1.0, dtype="float32")
    x = at.random.normal(zero, one, size=3, dtype="float32")
    v = at.fvector("v")
    term = conditional_logp({at.exp(x) * 2.0 + 1.0: v})[v]
    assert term.type.dtype == "float32"
    values = np.array([1.5, 2.0, 9.0], dtype="float32")
    got = arignote.function([v], term)(values)
    expected = st.lognorm(1.0, loc=1.0, scale=2.0).logpdf(values.astype(float))
    # a dozen float32 operations: relative error of a few 1e-7 on terms of order 1
    np.testing.assert_allclose(got, expected, rtol=2e-6, atol=2e-6)


def test_dimshuffle_of_a_multivariate_draw_keeps_its_batch_axes():
    rng = np.random.default_rng(6)
    cov = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 1.5]])
    mean = rng.normal(size=(2, 3))
    x = at.random.multivariate_normal(mean, cov)  # batch (2,), core (3,)
    v = rng.normal(size=(2, 1, 3))
    got = _density(x.dimshuffle(0, "x", 1), at.dtensor3)(v)
    expected = np.array([st.multivariate_normal(mean[i], cov).logpdf(v[i, 0]) for i in range(2)])
    assert got.shape == (2, 1)
    np.testing.assert_allclose(got[:, 0], expected, rtol=1e-12)
    # moving the core axis in front of a batch axis leaves no term layout to follow
    with pytest.raises(NotMeasurable, match="not a measurable operation"):
        conditional_logp({x.T: np.zeros((3, 2))})
