"""PyMC models compiled through arignote's PyTensor mode give PyMC's log-density and gradient.

Each model's ``compile_logp`` / ``compile_dlogp`` with ``mode=arignote.interop.pytensor.mode()``
is compared with PyMC's own (PyTensor's default backend) at the initial point and at random
points around it.  Both evaluate the same float64 formulas with different kernels (and arignote
rewrites the graph its own way), so values agree to a few ulps per operation: 1e-10 relative
on totals of order 10-1000, with an absolute floor of 1e-10 for gradient entries near 0.
"""

from __future__ import annotations

import numpy as np
import pytest

pm = pytest.importorskip("pymc")
import pytensor.tensor as pt  # noqa: E402

from arignote.interop.pytensor import mode  # noqa: E402

RTOL, ATOL = 1e-10, 1e-10


def _eight_schools() -> pm.Model:
    y = np.array([28.0, 8, -3, 7, -1, 1, 18, 12])
    sigma = np.array([15.0, 10, 16, 11, 9, 11, 10, 18])
    with pm.Model() as model:
        mu = pm.Normal("mu", 0, 5)
        tau = pm.HalfCauchy("tau", 5)
        z = pm.Normal("z", 0, 1, shape=8)
        pm.Normal("y", mu + tau * z, sigma, observed=y)
    return model


def _hierarchical_regression() -> pm.Model:
    rng = np.random.default_rng(1)
    groups, n = 12, 120
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


def _logistic_regression() -> pm.Model:
    rng = np.random.default_rng(2)
    X = rng.normal(size=(80, 3))
    y = rng.random(80) < 1 / (1 + np.exp(-X @ np.array([1.0, -2.0, 0.5])))
    with pm.Model() as model:
        beta = pm.Normal("beta", 0, 2, shape=3)
        alpha = pm.Normal("alpha", 0, 2)
        pm.Bernoulli("y", logit_p=alpha + pt.dot(X, beta), observed=y.astype("int64"))
    return model


MODELS = {"eight_schools": _eight_schools, "hierarchical_regression": _hierarchical_regression,
          "logistic_regression": _logistic_regression}


def _points(model: pm.Model, count: int = 3) -> list[dict[str, np.ndarray]]:
    start = model.initial_point()
    rng = np.random.default_rng(7)
    points = [start]
    for _ in range(count - 1):
        points.append({k: v + rng.normal(0, 0.5, size=np.shape(v)) for k, v in start.items()})
    return points


@pytest.mark.parametrize("name", sorted(MODELS))
def test_log_density_and_gradient_match_pymc(name):
    model = MODELS[name]()
    logp, dlogp = model.compile_logp(mode=mode()), model.compile_dlogp(mode=mode())
    ref_logp, ref_dlogp = model.compile_logp(), model.compile_dlogp()
    for point in _points(model):
        np.testing.assert_allclose(logp(point), ref_logp(point), rtol=RTOL)
        np.testing.assert_allclose(dlogp(point), ref_dlogp(point), rtol=RTOL, atol=ATOL)
