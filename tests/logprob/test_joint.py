"""conditional_logp / joint_logp of graphs of random variables against scipy.stats sums."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st

import arignote
import arignote.tensor as at
from arignote.gradient import verify_grad
from arignote.logprob import NotMeasurable, conditional_logp, joint_logp

SIGMA = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])  # eight schools' standard errors
Y = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])


def _eight_schools():
    mu = at.random.normal(0.0, 5.0)
    tau = at.random.halfcauchy(0.0, 5.0)
    theta = at.random.normal(mu, tau, size=8)  # centred
    y = at.random.normal(theta, SIGMA)
    return mu, tau, theta, y


def _reference(mu, tau, theta):
    return (st.norm(0, 5).logpdf(mu) + st.halfcauchy(0, 5).logpdf(tau)
            + st.norm(mu, tau).logpdf(theta).sum() + st.norm(theta, SIGMA).logpdf(Y).sum())


def test_eight_schools_joint_density_against_scipy():
    mu, tau, theta, y = _eight_schools()
    mu_v, tau_v, theta_v = at.dscalar("mu_v"), at.dscalar("tau_v"), at.dvector("theta_v")
    terms = conditional_logp({mu: mu_v, tau: tau_v, theta: theta_v, y: Y})
    assert list(terms)[:3] == [mu_v, tau_v, theta_v]  # keyed by the values, in order
    total = joint_logp({mu: mu_v, tau: tau_v, theta: theta_v, y: Y})
    f = arignote.function([mu_v, tau_v, theta_v], [total, *arignote.grad(total, [mu_v, tau_v])])
    rng = np.random.default_rng(8)
    for _ in range(3):
        m, t, th = rng.normal(0, 5), abs(rng.normal(0, 5)), rng.normal(0, 10, size=8)
        got, d_mu, d_tau = f(m, t, th)
        # 19 densities of a few operations each, summed: relative error ~ 50 ulps of ~100
        np.testing.assert_allclose(got, _reference(m, t, th), rtol=1e-12)
        # derivatives in mu and tau in closed form
        np.testing.assert_allclose(d_mu, -m / 25 + ((th - m) / t ** 2).sum(), rtol=1e-12)
        expected_tau = -2 * t / (25 + t ** 2) - 8 / t + (((th - m) ** 2) / t ** 3).sum()
        np.testing.assert_allclose(d_tau, expected_tau, rtol=1e-12)
    # tau outside its support is also an invalid scale for theta: the check says so
    with pytest.raises(ValueError, match="normal: scale > 0 is required"):
        f(0.0, -1.0, np.zeros(8))


def test_joint_density_derivatives_against_finite_differences():
    mu, tau, theta, y = _eight_schools()
    rng = np.random.default_rng(3)

    def density(m, t, th):
        return joint_logp({mu: m, tau: t, theta: th, y: Y})
    verify_grad(density, [np.array(1.5), np.array(3.0), rng.normal(size=8)], rng=rng)


def test_unvalued_random_variables_and_non_draws_are_refused():
    mu, tau, theta, y = _eight_schools()
    with pytest.raises(ValueError, match=r"depends on the random variable .*\(halfcauchy\), which has"):
        conditional_logp({mu: 0.0, theta: np.zeros(8), y: Y})
    with pytest.raises(NotMeasurable, match=r"cannot derive the density .* not a measurable operation"):
        conditional_logp({at.exp(mu) + mu: 1.0})  # two random inputs
    with pytest.raises(TypeError, match="non-empty mapping"):
        conditional_logp({})
    shared_value = at.dscalar("v")
    with pytest.raises(ValueError, match="given to two random variables"):
        conditional_logp({mu: shared_value, tau: shared_value})


def test_a_single_variable_and_discrete_values():
    p = at.random.beta(2.0, 3.0)
    k = at.random.binomial(10, p, size=5)
    counts = np.array([3, 4, 2, 5, 3])
    p_v = at.dscalar("p_v")
    total = joint_logp({p: p_v, k: counts})
    got = arignote.function([p_v], total)(0.35)
    expected = st.beta(2, 3).logpdf(0.35) + st.binom(10, 0.35).logpmf(counts).sum()
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    alone = joint_logp({p: 0.35})
    np.testing.assert_allclose(alone.eval(), st.beta(2, 3).logpdf(0.35), rtol=1e-13)


def _density_nodes(total):
    """The nodes of ``total``'s graph other than those that stack values and parameters."""
    from arignote.graph.traversal import ancestors
    from arignote.tensor.dimshuffle import DimShuffle
    from arignote.tensor.join import Join
    owners = {v.owner for v in ancestors([total]) if v.owner is not None}
    return [n for n in owners if not isinstance(n.op, (Join, DimShuffle))
            and type(n.op).__name__ != "MakeVector"]


def _loop_model_graph_size(n):
    # a model written as a Python loop of scalar draws: one density of the stacked values, so
    # the graph does not grow with n (beyond the stacking) and the sum is not a chain of adds
    rng = np.random.default_rng(5)
    mu = at.random.normal(0.0, 3.0)
    sigmas = rng.uniform(0.5, 2.0, size=n)
    xs = [at.random.normal(mu, s) for s in sigmas]
    ks = [at.random.poisson(2.0 + i % 3) for i in range(n)]
    mu_v = at.dscalar("mu")
    x_vs = [at.dscalar(f"x{i}") for i in range(n)]
    counts = rng.poisson(2.0, size=n)
    total = joint_logp({mu: mu_v, **dict(zip(xs, x_vs)), **dict(zip(ks, counts))})
    sizes = len(_density_nodes(total))
    values = rng.normal(size=n)
    f = arignote.function([mu_v, *x_vs], [total, arignote.grad(total, mu_v)])
    got, d_mu = f(0.7, *values)
    lam = 2.0 + np.arange(n) % 3
    expected = (st.norm(0, 3).logpdf(0.7) + st.norm(0.7, sigmas).logpdf(values).sum()
                + st.poisson(lam).logpmf(counts).sum())
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    np.testing.assert_allclose(d_mu, -0.7 / 9 + ((values - 0.7) / sigmas ** 2).sum(), rtol=1e-12)
    return sizes


def test_sums_of_scalar_draws_vectorise():
    # a model written as a Python loop of scalar draws gets one density of the stacked values:
    # the graph does not grow with the number of draws (beyond the stacking)
    assert _loop_model_graph_size(3) == _loop_model_graph_size(40)
