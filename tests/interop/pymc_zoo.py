"""Eight PyMC models, written the way PyMC's users write them, shared by the interop tests and
``benchmarks/pymc_models.py``.

Each builder takes a ``scale``: ``"test"`` keeps the data small (the tests compile every model
twice), ``"bench"`` uses sizes of real analyses.  Data are synthetic with fixed seeds.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt

#: the sizes of each model's data, by scale
SIZES = {
    "test": {"groups": 12, "obs": 120, "features": 3, "gp_points": 40, "mixture_obs": 150,
             "walk_steps": 60, "mv_dim": 3, "mv_obs": 100, "kalman_steps": 50},
    "bench": {"groups": 85, "obs": 900, "features": 10, "gp_points": 200, "mixture_obs": 1000,
              "walk_steps": 500, "mv_dim": 5, "mv_obs": 500, "kalman_steps": 300},
}


def eight_schools(scale: str = "test") -> pm.Model:
    """Non-centred eight schools (Rubin's data)."""
    y = np.array([28.0, 8, -3, 7, -1, 1, 18, 12])
    sigma = np.array([15.0, 10, 16, 11, 9, 11, 10, 18])
    with pm.Model() as model:
        mu = pm.Normal("mu", 0, 5)
        tau = pm.HalfCauchy("tau", 5)
        z = pm.Normal("z", 0, 1, shape=8)
        pm.Normal("y", mu + tau * z, sigma, observed=y)
    return model


def hierarchical_regression(scale: str = "test") -> pm.Model:
    """Varying intercepts by group, a common slope (radon-like)."""
    size = SIZES[scale]
    rng = np.random.default_rng(1)
    groups, n = size["groups"], size["obs"]
    group = rng.integers(0, groups, n)
    x = rng.normal(size=n)
    y = rng.normal(size=groups)[group] + 0.5 * x + rng.normal(0, 0.3, n)
    with pm.Model() as model:
        mu_a = pm.Normal("mu_a", 0, 10)
        sigma_a = pm.HalfNormal("sigma_a", 5)
        a = pm.Normal("a", mu_a, sigma_a, shape=groups)
        b = pm.Normal("b", 0, 10)
        sigma_y = pm.HalfNormal("sigma_y", 5)
        pm.Normal("y", a[group] + b * x, sigma_y, observed=y)
    return model


def logistic_regression(scale: str = "test") -> pm.Model:
    """Bernoulli outcomes with a logit link on a design matrix."""
    size = SIZES[scale]
    rng = np.random.default_rng(2)
    n, k = size["obs"], size["features"]
    X = rng.normal(size=(n, k))
    y = rng.random(n) < 1 / (1 + np.exp(-X @ rng.normal(size=k)))
    with pm.Model() as model:
        beta = pm.Normal("beta", 0, 2, shape=k)
        alpha = pm.Normal("alpha", 0, 2)
        pm.Bernoulli("y", logit_p=alpha + pt.dot(X, beta), observed=y.astype("int64"))
    return model


def gp_marginal(scale: str = "test") -> pm.Model:
    """A Gaussian-process marginal likelihood (squared-exponential kernel plus noise)."""
    n = SIZES[scale]["gp_points"]
    rng = np.random.default_rng(3)
    X = np.sort(rng.uniform(0, 10, n))[:, None]
    y = np.sin(X[:, 0]) + rng.normal(0, 0.2, n)
    with pm.Model() as model:
        ell = pm.Gamma("ell", 2, 1)
        eta = pm.HalfNormal("eta", 2)
        sigma = pm.HalfNormal("sigma", 1)
        gp = pm.gp.Marginal(cov_func=eta**2 * pm.gp.cov.ExpQuad(1, ell))
        gp.marginal_likelihood("y", X=X, y=y, sigma=sigma)
    return model


def normal_mixture(scale: str = "test") -> pm.Model:
    """A 3-component normal mixture with Dirichlet weights and ordered means."""
    n = SIZES[scale]["mixture_obs"] // 3
    rng = np.random.default_rng(4)
    y = np.concatenate([rng.normal(-3, 1, n), rng.normal(0, 0.5, n), rng.normal(4, 1.5, n)])
    with pm.Model() as model:
        w = pm.Dirichlet("w", np.ones(3))
        mu = pm.Normal("mu", 0, 5, shape=3, transform=pm.distributions.transforms.ordered,
                       initval=[-1.0, 0.0, 1.0])
        sd = pm.HalfNormal("sd", 2, shape=3)
        pm.NormalMixture("y", w=w, mu=mu, sigma=sd, observed=y)
    return model


def gaussian_random_walk(scale: str = "test") -> pm.Model:
    """A latent Gaussian random walk observed with noise."""
    steps = SIZES[scale]["walk_steps"]
    rng = np.random.default_rng(5)
    y = np.cumsum(rng.normal(size=steps)) + rng.normal(0, 0.5, steps)
    with pm.Model() as model:
        s = pm.HalfNormal("s", 1)
        x = pm.GaussianRandomWalk("x", sigma=s, init_dist=pm.Normal.dist(0, 5), steps=steps - 1)
        pm.Normal("y", x, 0.5, observed=y)
    return model


def lkj_mvnormal(scale: str = "test") -> pm.Model:
    """A multivariate normal with an LKJ Cholesky covariance prior."""
    size = SIZES[scale]
    dim, n = size["mv_dim"], size["mv_obs"]
    rng = np.random.default_rng(6)
    corr = 0.3 * np.ones((dim, dim)) + 0.7 * np.eye(dim)
    y = rng.multivariate_normal(np.zeros(dim), corr, size=n)
    with pm.Model() as model:
        chol, _, _ = pm.LKJCholeskyCov("chol", n=dim, eta=2.0,
                                       sd_dist=pm.Exponential.dist(1.0, shape=dim))
        mu = pm.Normal("mu", 0, 2, shape=dim)
        pm.MvNormal("y", mu, chol=chol, observed=y)
    return model


def kalman_scan(scale: str = "test") -> pm.Model:
    """A local-level state-space model: its Kalman-filter likelihood written with ``scan``."""
    steps = SIZES[scale]["kalman_steps"]
    rng = np.random.default_rng(8)
    y = np.cumsum(rng.normal(size=steps)) + rng.normal(0, 0.5, steps)

    def filter_step(y_t, mean, var, q, r):  # one predict-update step and its log-likelihood
        predicted_var = var + q**2
        innovation_var = predicted_var + r**2
        gain = predicted_var / innovation_var
        loglik = -0.5 * (pt.log(2 * np.pi * innovation_var) + (y_t - mean) ** 2 / innovation_var)
        return mean + gain * (y_t - mean), (1 - gain) * predicted_var, loglik

    with pm.Model() as model:
        q = pm.HalfNormal("q", 1)
        r = pm.HalfNormal("r", 1)
        start = [pt.as_tensor(np.float64(0.0)), pt.as_tensor(np.float64(1.0)), None]
        _, _, loglik = pytensor.scan(filter_step, sequences=[pt.as_tensor(y)], outputs_info=start,
                                     non_sequences=[q, r], return_updates=False)
        pm.Potential("loglik", loglik.sum())
    return model


MODELS: dict[str, Callable[[str], pm.Model]] = {
    f.__name__: f for f in (eight_schools, hierarchical_regression, logistic_regression, gp_marginal,
                            normal_mixture, gaussian_random_walk, lkj_mvnormal, kalman_scan)}
