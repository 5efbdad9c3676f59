"""The four models of issue 17 end to end: generative graph, derived density, compiled with
its gradient, against a scipy.stats reference density (the gradient against central finite
differences of that reference) at random parameter values.

The tests compile without naming a mode, so ``pytest --mode PY`` and ``--mode JAX`` run them
on those backends (tests/conftest.py); the default is the C backend (FAST_RUN).  Sizes are
smaller than the benchmark's (benchmarks/logprob_models.py) to keep the suite fast.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import scipy.stats as st

import arignote
import arignote.tensor as at
from arignote.logprob import conditional_logp, joint_logp

SIGMA = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])  # eight schools' standard errors
Y = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])


def _central_differences(f: Callable[[list[np.ndarray]], float], point: list[np.ndarray]
                         ) -> list[np.ndarray]:
    """The gradient of ``f`` at ``point`` by central differences, one coordinate at a time."""
    grads = []
    for k, value in enumerate(point):
        value = np.asarray(value, dtype=np.float64)
        grad = np.empty(value.shape)
        for index in np.ndindex(value.shape):
            # step eps**(1/3) * scale: truncation error h^2 |f'''| / 6 and rounding error
            # eps |f| / h are then both about eps**(2/3) ~ 4e-11 (times |f'''| or |f|)
            h = 6e-6 * max(1.0, abs(value[index]))
            up, down = value.copy(), value.copy()
            up[index] += h
            down[index] -= h
            at_up = [*point[:k], up, *point[k + 1:]]
            at_down = [*point[:k], down, *point[k + 1:]]
            grad[index] = (f(at_up) - f(at_down)) / (2 * h)
        grads.append(grad)
    return grads


def _check(values: list, logp, reference: Callable[[list[np.ndarray]], float],
           points: list[list[np.ndarray]], rtol: float) -> None:
    """Compile ``logp`` and its gradient in ``values``; compare with ``reference`` at ``points``."""
    fn = arignote.function(values, [logp, *arignote.grad(logp, values)])
    for point in points:
        got, *grads = fn(*point)
        want = reference(point)
        np.testing.assert_allclose(got, want, rtol=rtol)
        # the differences' error (see _central_differences) is ~4e-11 |f| + 6e-12 |f'''|; at
        # these points |f| < 1e3 and |f'''| < 1e2 (1 + |f|) (third derivatives in the scales,
        # kept above 0.2): at most ~1e-9 (1 + |f|).  1e-7 (1 + |f|) leaves a wide margin, while
        # a wrong term (a missing Jacobian, a factor 2) is off by O(1) of the gradient
        for g, d in zip(grads, _central_differences(reference, point)):
            np.testing.assert_allclose(g, d, rtol=1e-6, atol=1e-7 * (1.0 + abs(want)))


# --- eight schools, non-centred ---------------------------------------------------------------

def _eight_schools():
    mu = at.random.normal(0.0, 10.0)
    tau = at.random.halfcauchy(0.0, 5.0)
    z = at.random.normal(0.0, 1.0, size=8)
    theta = mu + tau * z
    y = at.random.normal(theta, SIGMA)
    return mu, tau, z, theta, y


def _eight_points(rng: np.random.Generator, third: Callable[[float, float, np.ndarray], np.ndarray]
                  ) -> list[list[np.ndarray]]:
    points = []
    for _ in range(3):
        mu, tau, z = rng.normal(0, 5), rng.uniform(0.5, 10.0), rng.normal(size=8)
        points.append([np.array(mu), np.array(tau), third(mu, tau, z)])
    return points


def test_eight_schools_non_centred_with_z_valued(rng):
    mu, tau, z, _, y = _eight_schools()
    values = [at.dscalar("mu_v"), at.dscalar("tau_v"), at.dvector("z_v")]
    logp = joint_logp({mu: values[0], tau: values[1], z: values[2], y: Y})

    def reference(p):
        m, t, zz = p
        return (st.norm(0, 10).logpdf(m) + st.halfcauchy(0, 5).logpdf(t) + st.norm.logpdf(zz).sum()
                + st.norm(m + t * zz, SIGMA).logpdf(Y).sum())
    # 18 terms of a few operations each, summed to ~1e2: ~50 ulps relative
    _check(values, logp, reference, _eight_points(rng, lambda m, t, zz: zz), rtol=1e-12)
    # tau below zero is outside the half-Cauchy's support: the density is -inf, not an error
    fn = arignote.function(values, logp)
    assert fn(0.0, -1.0, np.zeros(8)) == -np.inf


def test_eight_schools_non_centred_with_theta_valued(rng):
    # the example: theta = mu + tau * z is valued, z is not; its density is z's
    # density at (theta - mu) / tau with the Jacobian 1 / tau
    mu, tau, _, theta, y = _eight_schools()
    mu_v, tau_v, theta_v = at.dscalar("mu_v"), at.dscalar("tau_v"), at.dvector("theta_v")
    terms = conditional_logp({mu: mu_v, tau: tau_v, theta: theta_v, y: Y})
    assert list(terms)[:3] == [mu_v, tau_v, theta_v]
    logp = joint_logp({mu: mu_v, tau: tau_v, theta: theta_v, y: Y})

    def reference(p):
        m, t, th = p
        return (st.norm(0, 10).logpdf(m) + st.halfcauchy(0, 5).logpdf(t)
                + (st.norm.logpdf((th - m) / t) - np.log(t)).sum() + st.norm(th, SIGMA).logpdf(Y).sum())
    points = _eight_points(rng, lambda m, t, zz: m + t * zz)
    _check([mu_v, tau_v, theta_v], logp, reference, points, rtol=1e-12)
    # the term of theta alone, elementwise
    term = arignote.function([mu_v, tau_v, theta_v], terms[theta_v])
    m, t, th = points[0]
    np.testing.assert_allclose(term(m, t, th), st.norm.logpdf((th - m) / t) - np.log(t), rtol=1e-12)


# --- hierarchical linear regression -------------------------------------------------------------

GROUPS, OBSERVATIONS = 10, 60


def _radon_data():
    data_rng = np.random.default_rng(85)
    group = np.concatenate([np.arange(GROUPS), data_rng.integers(0, GROUPS, OBSERVATIONS - GROUPS)])
    x = data_rng.integers(0, 2, OBSERVATIONS).astype(np.float64)
    y = data_rng.normal(1.5, 0.3, GROUPS)[group] - 0.6 * x + data_rng.normal(0, 0.7, OBSERVATIONS)
    return group, x, y


def test_hierarchical_linear_regression(rng):
    group, x, y_obs = _radon_data()
    mu_a = at.random.normal(0.0, 10.0)
    sigma_a = at.random.halfnormal(0.0, 5.0)
    a = at.random.normal(mu_a, sigma_a, size=GROUPS)
    b = at.random.normal(0.0, 10.0)
    sigma_y = at.random.halfnormal(0.0, 5.0)
    y = at.random.normal(a[group] + b * x, sigma_y)
    values = [at.dscalar("mu_a"), at.dscalar("sigma_a"), at.dvector("a"), at.dscalar("b"),
              at.dscalar("sigma_y")]
    logp = joint_logp(dict(zip([mu_a, sigma_a, a, b, sigma_y, y], [*values, y_obs])))

    def reference(p):
        m, sa, aa, bb, sy = p
        return (st.norm(0, 10).logpdf(m) + st.halfnorm(scale=5).logpdf(sa) + st.norm(m, sa).logpdf(aa).sum()
                + st.norm(0, 10).logpdf(bb) + st.halfnorm(scale=5).logpdf(sy)
                + st.norm(aa[group] + bb * x, sy).logpdf(y_obs).sum())
    points = [[np.array(rng.normal(1, 1)), np.array(rng.uniform(0.2, 1.0)), rng.normal(1.5, 0.5, GROUPS),
               np.array(rng.normal(-0.5, 0.3)), np.array(rng.uniform(0.4, 1.5))] for _ in range(3)]
    # ~75 terms summed to ~1e2: a few hundred ulps relative at most
    _check(values, logp, reference, points, rtol=1e-11)
    # a group scale below zero is an invalid parameter of a's normal: a clear error
    fn = arignote.function(values, logp)
    with pytest.raises(ValueError, match="normal: scale > 0 is required"), np.errstate(invalid="ignore"):
        fn(*[points[0][0], np.array(-0.5), *points[0][2:]])


# --- Gaussian-process marginal likelihood ----------------------------------------------------

GP_POINTS = 20


def test_gaussian_process_marginal_likelihood(rng):
    data_rng = np.random.default_rng(200)
    x = np.sort(data_rng.uniform(0.0, 10.0, GP_POINTS))
    y_obs = np.sin(x) + 0.3 * data_rng.normal(size=GP_POINTS)
    squared = (x[:, None] - x[None, :]) ** 2
    ls = at.random.gamma(2.0, 1.0)
    eta = at.random.halfnormal(0.0, 2.0)
    sigma = at.random.halfnormal(0.0, 1.0)
    cov = eta ** 2 * at.exp(-squared / (2.0 * ls ** 2)) + sigma ** 2 * np.eye(GP_POINTS)
    y = at.random.multivariate_normal(np.zeros(GP_POINTS), cov)
    values = [at.dscalar("ls"), at.dscalar("eta"), at.dscalar("sigma")]
    logp = joint_logp(dict(zip([ls, eta, sigma, y], [*values, y_obs])))

    def reference(p):
        ll, e, s = p
        k = e ** 2 * np.exp(-squared / (2 * ll ** 2)) + s ** 2 * np.eye(GP_POINTS)
        return (st.gamma(2.0, scale=1.0).logpdf(ll) + st.halfnorm(scale=2).logpdf(e)
                + st.halfnorm(scale=1).logpdf(s)
                + st.multivariate_normal(np.zeros(GP_POINTS), k).logpdf(y_obs))
    points = [[np.array(rng.uniform(0.5, 2.0)), np.array(rng.uniform(0.5, 2.0)),
               np.array(rng.uniform(0.3, 1.0))] for _ in range(3)]
    # cov's condition number is at most (20 * 4 + 0.09) / 0.09 ~ 1e3 here, and the Cholesky
    # solve's relative error grows with it: ~1e3 * n * eps ~ 1e-11, with margin
    _check(values, logp, reference, points, rtol=1e-9)


# --- AR(1) written with scan -------------------------------------------------------------------

AR_STEPS = 50


def test_ar1_series_written_with_scan(rng):
    data_rng = np.random.default_rng(500)
    series_obs, previous = np.empty(AR_STEPS), 0.0
    for t in range(AR_STEPS):
        previous = series_obs[t] = 0.6 * previous + 0.8 * data_rng.normal()
    rho = at.random.normal(0.0, 0.5)
    sigma = at.random.halfnormal(0.0, 1.0)

    def step(x_previous, rho, sigma):
        return at.random.normal(rho * x_previous, sigma)
    series, _ = arignote.scan(step, outputs_info=[at.as_tensor_variable(np.float64(0.0))],
                              non_sequences=[rho, sigma], n_steps=AR_STEPS)
    values = [at.dscalar("rho"), at.dscalar("sigma")]
    logp = joint_logp({rho: values[0], sigma: values[1], series: series_obs})
    shifted = np.concatenate([[0.0], series_obs[:-1]])

    def reference(p):
        r, s = p
        return (st.norm(0, 0.5).logpdf(r) + st.halfnorm(scale=1).logpdf(s)
                + st.norm(r * shifted, s).logpdf(series_obs).sum())
    points = [[np.array(rng.normal(0, 0.5)), np.array(rng.uniform(0.4, 1.5))] for _ in range(3)]
    # 52 terms summed to ~1e2: ~100 ulps relative
    _check(values, logp, reference, points, rtol=1e-11)
