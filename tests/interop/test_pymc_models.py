"""PyMC models compiled through arignote's PyTensor mode give PyMC's log-density, gradient,
draws and samples.

The eight models of ``pymc_zoo`` (those of issue 18) are compiled with
``mode=arignote.interop.pytensor.mode()`` and with a reference mode: PyTensor's Python linker
with C disabled (PyTensor's default backend computes the same formulas; the reference only
spares the suite its 5-140 s cold compiles per model).

Tolerances.  Log-density and gradient: both sides evaluate the same float64 formulas (arignote
rewrites them its own way: fusion, stabilised forms), with at most a few hundred roundings on
the longest path (the 50-step Kalman filter, the 40-point Cholesky), each within 1 ulp, on
totals of order 10-10^5: 1e-10 relative, absolute floor 1e-10 for gradient entries that cancel
to near 0.  Prior draws come from the same NumPy generator calls in the same order: equal up to
the roundings of the deterministic transforms after the draw (the GP's Cholesky), 1e-10.
Samples: NUTS is a deterministic function of the seed and of the log-density and gradient
values; those agree to ~1e-13, which moves each leapfrog position by as much and flips no
accept/U-turn decision unless one falls within ~1e-12 of its threshold (probability far below
1e-9 over a short chain), so the chains agree to 1e-8 relative.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

pm = pytest.importorskip("pymc")
import pytensor  # noqa: E402
from pytensor.compile.mode import Mode  # noqa: E402

from arignote.interop.pytensor import mode  # noqa: E402
from tests.interop.pymc_zoo import MODELS  # noqa: E402

RTOL, ATOL = 1e-10, 1e-10
SAMPLE_RTOL = 1e-8


def _reference_mode() -> Mode:
    return Mode(linker="py", optimizer="fast_compile")


def _python_only():
    # Scan and OpFromGraph compile their inner functions with C otherwise
    return pytensor.config.change_flags(cxx="")


def _points(model: pm.Model, count: int = 3) -> list[dict[str, np.ndarray]]:
    start = model.initial_point()
    rng = np.random.default_rng(7)
    points = [start]
    for _ in range(count - 1):
        points.append({k: v + rng.normal(0, 0.5, size=np.shape(v)) for k, v in start.items()})
    return points


@pytest.mark.parametrize("backend", ["c", pytest.param("jax", marks=pytest.mark.skipif(
    importlib.util.find_spec("jax") is None, reason="JAX is not installed"))])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_log_density_and_gradient_match_pymc(name, backend):
    model = MODELS[name]("test")
    logp = model.compile_logp(mode=mode(backend))
    dlogp = model.compile_dlogp(mode=mode(backend))
    with _python_only():
        ref_logp = model.compile_logp(mode=_reference_mode())
        ref_dlogp = model.compile_dlogp(mode=_reference_mode())
    for point in _points(model):
        got, want = logp(point), ref_logp(point)
        assert np.isfinite(want)
        np.testing.assert_allclose(got, want, rtol=RTOL)
        np.testing.assert_allclose(dlogp(point), ref_dlogp(point), rtol=RTOL, atol=ATOL)


def _sample(model: pm.Model, compile_mode) -> dict[str, np.ndarray]:
    with model:
        trace = pm.sample(draws=15, tune=15, chains=1, cores=1, random_seed=11, progressbar=False,
                          compute_convergence_checks=False, compile_kwargs={"mode": compile_mode})
    return {k: trace.posterior[k].values for k in trace.posterior.data_vars}


@pytest.mark.filterwarnings("ignore::UserWarning")  # "tune steps too few" and the like
@pytest.mark.parametrize("name", sorted(MODELS))
def test_nuts_chain_matches_pymc(name):
    model = MODELS[name]("test")
    got = _sample(model, mode())
    with _python_only():
        want = _sample(model, _reference_mode())
    assert got.keys() == want.keys()
    for key in want:
        assert np.all(np.isfinite(got[key]))
        np.testing.assert_allclose(got[key], want[key], rtol=SAMPLE_RTOL, atol=SAMPLE_RTOL, err_msg=key)


@pytest.mark.filterwarnings("ignore:The effect of Potentials:UserWarning")
@pytest.mark.parametrize("name", sorted(MODELS))
def test_prior_predictive_draws_match_pymc(name):
    model = MODELS[name]("test")

    def draws(compile_mode):
        with model:
            idata = pm.sample_prior_predictive(draws=4, random_seed=5,
                                               compile_kwargs={"mode": compile_mode})
        groups = [idata.prior] + ([idata.prior_predictive] if "prior_predictive" in idata else [])
        return {k: g[k].values for g in groups for k in g.data_vars}

    got = draws(mode())
    with _python_only():
        want = draws(_reference_mode())
    assert got.keys() == want.keys()
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=RTOL, atol=RTOL, err_msg=key)
