"""Log-densities of four statistical models: arignote beside PyMC and hand-written JAX.

Every model is written three ways, computing the same float64 log-density and its gradient
with respect to every parameter:

- arignote: the generative graph of ``at.random`` draws, its density derived by
  ``arignote.logprob.joint_logp``, then ``arignote.function(values, [logp, *grad(logp,
  values)])``; on the C backend (the default mode, FAST_RUN) and on the JAX backend
  (``mode="JAX"``);
- PyMC: the same model with ``default_transform=None`` on every variable (so that it computes
  the density of the untransformed values, as the others do), ``model.logp()`` and
  ``pytensor.grad``, compiled by PyMC's ``compile`` in one function; on PyTensor's default
  mode and on its C VM (``Mode(linker="cvm")``);
- JAX: the density written by hand with ``jax.scipy`` and ``jax.jit(jax.value_and_grad(f))``
  in float64.

Models (fixed seeds, the same data and parameter point everywhere):

- ``eight_schools``: non-centred eight schools, ``mu ~ N(0, 10)``, ``tau ~ HalfCauchy(0, 5)``,
  ``z ~ N(0, 1)`` (8), ``y ~ N(mu + tau z, sigma)`` observed (the classic data);
- ``eight_schools_theta``: the same generative graph, valued at ``theta = mu + tau z``
  instead of ``z`` (arignote derives the density of the affine transform; for PyMC and JAX
  that density is the centred model's, ``theta ~ N(mu, tau)``);
- ``radon``: hierarchical linear regression, 85 groups, 900 observations (synthetic);
- ``gp``: a Gaussian-process marginal likelihood at 200 points (squared-exponential kernel
  plus noise, ``MvNormal``);
- ``ar1``: an AR(1) series of 500 steps written with ``scan`` (PyMC: a ``CustomDist`` whose
  density PyMC derives from the scan; JAX: the vectorised density).

Figures, per model and system: compile time in a fresh process (one subprocess per
measurement) with a cold cache (empty folders) and a warm one (the folders an earlier
process filled: arignote's C cache and whole-function cache, PyTensor's ``compiledir`` and
numba cache, JAX's persistent compilation cache); and the time of one call of log-density
plus gradient, in this process, systems interleaved.  *Compile* counts everything after the
imports up to the end of the first call, minus one steady call: building the model, deriving
its density and gradient, compiling, and a first call (JAX compiles inside it).

Goals (issue 17): compile at most 1/10 of PyMC's time; each call no slower than JAX.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from bench_common import Row, Table, interleaved_calls, note_user_warnings, run_child, verdict
from optional_systems import SKIPPED, Unavailable

NAME = "logprob"
HERE = os.path.dirname(os.path.abspath(__file__))
CHILD_TIMEOUT = 900  # seconds
MODELS = ("eight_schools", "eight_schools_theta", "radon", "gp", "ar1")
TITLES = {"eight_schools": "eight schools, non-centred (z valued)",
          "eight_schools_theta": "eight schools, non-centred, theta = mu + tau z valued",
          "radon": "hierarchical linear regression, 85 groups, 900 observations",
          "gp": "Gaussian-process marginal likelihood, 200 points",
          "ar1": "AR(1) with scan, 500 steps"}
SYSTEMS = (("arignote", "C"), ("arignote", "JAX"), ("pymc", "default"), ("pymc", "cvm"), ("jax", "jit"))
LABELS = {("arignote", "C"): "arignote", ("arignote", "JAX"): "arignote, mode=JAX",
          ("pymc", "default"): "PyMC, PyTensor default mode", ("pymc", "cvm"): "PyMC, PyTensor C VM (cvm)",
          ("jax", "jit"): "JAX jit(value_and_grad)"}
ARIGNOTE_ROWS = (LABELS["arignote", "C"], LABELS["arignote", "JAX"])
PYMC_ROWS = (LABELS["pymc", "default"], LABELS["pymc", "cvm"])
JAX_ROW = LABELS["jax", "jit"]
COMPILE_REPS, QUICK_COMPILE_REPS = 3, 1
CALL_REPS, QUICK_CALL_REPS = 21, 3
BATCH_SECONDS = 0.02  # each timed sample is a batch of calls lasting about this long

# --- data and parameter points --------------------------------------------------------------

SIGMA = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])  # eight schools' standard errors
Y = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
GROUPS, OBSERVATIONS = 85, 900
GP_POINTS = 200
AR_STEPS = 500


def model_data(model: str) -> dict[str, np.ndarray]:
    """The observed data of ``model`` (fixed seeds)."""
    if model.startswith("eight_schools"):
        return {"sigma": SIGMA, "y": Y}
    if model == "radon":
        rng = np.random.default_rng(85)
        # every group has at least one observation, the rest drawn at random (as radon's
        # uneven county sizes)
        group = np.concatenate([np.arange(GROUPS), rng.integers(0, GROUPS, OBSERVATIONS - GROUPS)])
        x = rng.integers(0, 2, OBSERVATIONS).astype(np.float64)  # floor: basement or not
        a = rng.normal(1.5, 0.3, GROUPS)
        y = a[group] - 0.6 * x + rng.normal(0, 0.7, OBSERVATIONS)
        return {"group": group.astype(np.int64), "x": x, "y": y}
    if model == "gp":
        rng = np.random.default_rng(200)
        x = np.sort(rng.uniform(0.0, 10.0, GP_POINTS))
        return {"x": x, "y": np.sin(x) + 0.3 * rng.normal(size=GP_POINTS)}
    if model == "ar1":
        rng = np.random.default_rng(500)
        series, previous = np.empty(AR_STEPS), 0.0
        for t in range(AR_STEPS):
            previous = series[t] = 0.6 * previous + 0.8 * rng.normal()
        return {"y": series}
    raise ValueError(f"unknown model {model!r}; choose from {', '.join(MODELS)}")


def parameter_point(model: str) -> list[np.ndarray]:
    """The values (in each system's input order) at which the density is evaluated."""
    rng = np.random.default_rng(7)
    if model == "eight_schools":
        return [np.array(4.0), np.array(3.0), rng.normal(size=8)]
    if model == "eight_schools_theta":
        return [np.array(4.0), np.array(3.0), 4.0 + 3.0 * rng.normal(size=8)]
    if model == "radon":
        return [np.array(1.4), np.array(0.35), rng.normal(1.5, 0.3, GROUPS), np.array(-0.5), np.array(0.75)]
    if model == "gp":
        return [np.array(1.3), np.array(0.9), np.array(0.35)]
    if model == "ar1":
        return [np.array(0.5), np.array(0.9)]
    raise ValueError(f"unknown model {model!r}")


# --- arignote -------------------------------------------------------------------------------

def arignote_model(model: str) -> tuple[list[Any], Any]:
    """``(value variables, joint log-density)`` of ``model`` derived by arignote."""
    import arignote
    import arignote.tensor as at
    from arignote.logprob import joint_logp

    d = model_data(model)
    if model.startswith("eight_schools"):
        mu = at.random.normal(0.0, 10.0)
        tau = at.random.halfcauchy(0.0, 5.0)
        z = at.random.normal(0.0, 1.0, size=8)
        theta = mu + tau * z
        y = at.random.normal(theta, d["sigma"])
        valued_theta = model.endswith("theta")
        values = [at.dscalar("mu"), at.dscalar("tau"), at.dvector("theta" if valued_theta else "z")]
        third = theta if valued_theta else z
        return values, joint_logp({mu: values[0], tau: values[1], third: values[2], y: d["y"]})
    if model == "radon":
        mu_a = at.random.normal(0.0, 10.0)
        sigma_a = at.random.halfnormal(0.0, 5.0)
        a = at.random.normal(mu_a, sigma_a, size=GROUPS)
        b = at.random.normal(0.0, 10.0)
        sigma_y = at.random.halfnormal(0.0, 5.0)
        y = at.random.normal(a[d["group"]] + b * d["x"], sigma_y)
        values = [at.dscalar("mu_a"), at.dscalar("sigma_a"), at.dvector("a"), at.dscalar("b"),
                  at.dscalar("sigma_y")]
        return values, joint_logp(dict(zip([mu_a, sigma_a, a, b, sigma_y, y], [*values, d["y"]])))
    if model == "gp":
        ls = at.random.gamma(2.0, 1.0)
        eta = at.random.halfnormal(0.0, 2.0)
        sigma = at.random.halfnormal(0.0, 1.0)
        squared = (d["x"][:, None] - d["x"][None, :]) ** 2
        cov = eta ** 2 * at.exp(-squared / (2.0 * ls ** 2)) + sigma ** 2 * np.eye(GP_POINTS)
        y = at.random.multivariate_normal(np.zeros(GP_POINTS), cov)
        values = [at.dscalar("ls"), at.dscalar("eta"), at.dscalar("sigma")]
        return values, joint_logp(dict(zip([ls, eta, sigma, y], [*values, d["y"]])))
    if model == "ar1":
        rho = at.random.normal(0.0, 0.5)
        sigma = at.random.halfnormal(0.0, 1.0)
        steps = len(d["y"])

        def step(previous: Any, rho: Any, sigma: Any) -> Any:
            return at.random.normal(rho * previous, sigma)
        series, _ = arignote.scan(step, outputs_info=[at.as_tensor_variable(np.float64(0.0))],
                                  non_sequences=[rho, sigma], n_steps=steps)
        values = [at.dscalar("rho"), at.dscalar("sigma")]
        return values, joint_logp({rho: values[0], sigma: values[1], series: d["y"]})
    raise ValueError(f"unknown model {model!r}")


def arignote_runner(model: str, mode: str) -> Callable[[], list[Any]]:
    """A call of the compiled log-density and gradient of ``model`` at its parameter point."""
    import arignote

    values, logp = arignote_model(model)
    fn = arignote.function(values, [logp, *arignote.grad(logp, values)],
                           mode=None if mode == "C" else mode)
    point = parameter_point(model)
    return lambda: fn(*point)


# --- PyMC -----------------------------------------------------------------------------------

def _load_pymc() -> Any:
    if "pytensor" in SKIPPED:
        raise Unavailable("skipped (--without pytensor)")
    try:
        import pymc
    except ImportError:
        raise Unavailable("not installed") from None
    except Exception as exc:
        raise Unavailable(f"import failed: {type(exc).__name__}: {exc}") from None
    return pymc


def pymc_model(model: str) -> Any:
    """The PyMC model of ``model``, every variable untransformed."""
    pm = _load_pymc()
    import pytensor
    import pytensor.tensor as pt

    d = model_data(model)
    raw = {"default_transform": None}
    with pm.Model() as m:
        if model.startswith("eight_schools"):
            mu = pm.Normal("mu", 0.0, 10.0, **raw)
            tau = pm.HalfCauchy("tau", 5.0, **raw)
            if model.endswith("theta"):  # the density of theta = mu + tau z given mu, tau
                theta = pm.Normal("theta", mu, tau, shape=8, **raw)
            else:
                theta = mu + tau * pm.Normal("z", 0.0, 1.0, shape=8, **raw)
            pm.Normal("y", theta, d["sigma"], observed=d["y"])
        elif model == "radon":
            mu_a = pm.Normal("mu_a", 0.0, 10.0, **raw)
            sigma_a = pm.HalfNormal("sigma_a", 5.0, **raw)
            a = pm.Normal("a", mu_a, sigma_a, shape=GROUPS, **raw)
            b = pm.Normal("b", 0.0, 10.0, **raw)
            sigma_y = pm.HalfNormal("sigma_y", 5.0, **raw)
            pm.Normal("y", a[d["group"]] + b * d["x"], sigma_y, observed=d["y"])
        elif model == "gp":
            ls = pm.Gamma("ls", alpha=2.0, beta=1.0, **raw)
            eta = pm.HalfNormal("eta", 2.0, **raw)
            sigma = pm.HalfNormal("sigma", 1.0, **raw)
            squared = (d["x"][:, None] - d["x"][None, :]) ** 2
            cov = eta ** 2 * pt.exp(-squared / (2.0 * ls ** 2)) + sigma ** 2 * np.eye(GP_POINTS)
            pm.MvNormal("y", mu=np.zeros(GP_POINTS), cov=cov, observed=d["y"])
        elif model == "ar1":
            from pymc.pytensorf import collect_default_updates

            steps = len(d["y"])

            def series(rho: Any, sigma: Any, size: Any) -> Any:
                def step(previous: Any, rho: Any, sigma: Any) -> Any:
                    x = pm.Normal.dist(mu=rho * previous, sigma=sigma)
                    return x, collect_default_updates([x])
                # float64 start: PyTensor's scan refuses a step that changes the carry's dtype
                out, _ = pytensor.scan(step, outputs_info=[pt.as_tensor(np.float64(0.0))],
                                       non_sequences=[rho, sigma], n_steps=steps, strict=True)
                return out
            rho = pm.Normal("rho", 0.0, 0.5, **raw)
            sigma = pm.HalfNormal("sigma", 1.0, **raw)
            pm.CustomDist("y", rho, sigma, dist=series, observed=d["y"])
        else:
            raise ValueError(f"unknown model {model!r}")
    return m


def pymc_runner(model: str, linker: str) -> Callable[[], list[Any]]:
    """A call of PyMC's compiled log-density and gradient (one PyTensor function)."""
    pm = _load_pymc()
    import pytensor

    m = pymc_model(model)
    logp = m.logp()
    mode = None if linker == "default" else pytensor.compile.mode.Mode(linker=linker, optimizer="fast_run")
    fn = pm.pytensorf.compile(m.value_vars, [logp, *pytensor.grad(logp, m.value_vars)], mode=mode)
    point = parameter_point(model)
    return lambda: fn(*point)


# --- JAX ------------------------------------------------------------------------------------

def jax_density(model: str) -> Callable[..., Any]:
    """The log-density of ``model`` written by hand in JAX (a function of the parameter list)."""
    import jax.numpy as jnp
    from jax.scipy import linalg as jla
    from jax.scipy import stats

    d = model_data(model)
    log_two = np.log(2.0)

    def halfnormal(x: Any, scale: float) -> Any:
        return log_two + stats.norm.logpdf(x, 0.0, scale)

    def halfcauchy(x: Any, scale: float) -> Any:
        return log_two + stats.cauchy.logpdf(x, 0.0, scale)

    if model.startswith("eight_schools"):
        sigma, y = jnp.asarray(d["sigma"]), jnp.asarray(d["y"])
        centred = model.endswith("theta")

        def f(params: list[Any]) -> Any:
            mu, tau, third = params
            theta = third if centred else mu + tau * third
            prior = stats.norm.logpdf(third, mu, tau) if centred else stats.norm.logpdf(third)
            return (stats.norm.logpdf(mu, 0.0, 10.0) + halfcauchy(tau, 5.0) + prior.sum()
                    + stats.norm.logpdf(y, theta, sigma).sum())
        return f
    if model == "radon":
        group, x, y = (jnp.asarray(d[k]) for k in ("group", "x", "y"))

        def f(params: list[Any]) -> Any:
            mu_a, sigma_a, a, b, sigma_y = params
            return (stats.norm.logpdf(mu_a, 0.0, 10.0) + halfnormal(sigma_a, 5.0)
                    + stats.norm.logpdf(a, mu_a, sigma_a).sum() + stats.norm.logpdf(b, 0.0, 10.0)
                    + halfnormal(sigma_y, 5.0) + stats.norm.logpdf(y, a[group] + b * x, sigma_y).sum())
        return f
    if model == "gp":
        x, y = jnp.asarray(d["x"]), jnp.asarray(d["y"])
        squared = (x[:, None] - x[None, :]) ** 2
        eye = jnp.eye(GP_POINTS)

        def f(params: list[Any]) -> Any:
            ls, eta, sigma = params
            cov = eta ** 2 * jnp.exp(-squared / (2.0 * ls ** 2)) + sigma ** 2 * eye
            factor = jnp.linalg.cholesky(cov)
            z = jla.solve_triangular(factor, y, lower=True)
            mvn = (-0.5 * z @ z - jnp.log(jnp.diag(factor)).sum() - 0.5 * GP_POINTS * np.log(2 * np.pi))
            return (stats.gamma.logpdf(ls, 2.0) + halfnormal(eta, 2.0) + halfnormal(sigma, 1.0) + mvn)
        return f
    if model == "ar1":
        y = jnp.asarray(d["y"])
        previous = jnp.concatenate([jnp.zeros(1), y[:-1]])

        def f(params: list[Any]) -> Any:
            rho, sigma = params
            return (stats.norm.logpdf(rho, 0.0, 0.5) + halfnormal(sigma, 1.0)
                    + stats.norm.logpdf(y, rho * previous, sigma).sum())
        return f
    raise ValueError(f"unknown model {model!r}")


def _load_jax() -> Any:
    if "jax" in SKIPPED:
        raise Unavailable("skipped (--without jax)")
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    try:
        import jax
    except ImportError:
        raise Unavailable("not installed") from None
    jax.config.update("jax_enable_x64", True)
    return jax


def jax_runner(model: str) -> Callable[[], list[Any]]:
    """A call of ``jax.jit(jax.value_and_grad(density))`` at the parameter point."""
    jax = _load_jax()
    import jax.numpy as jnp

    step = jax.jit(jax.value_and_grad(jax_density(model)))
    point = [jnp.asarray(v) for v in parameter_point(model)]

    def run() -> list[Any]:
        value, grads = step(point)
        jax.block_until_ready(grads)
        return [value, *grads]
    return run


def runner(system: str, variant: str, model: str) -> Callable[[], list[Any]]:
    """The compiled log-density-and-gradient call of ``model`` in ``system``."""
    if system == "arignote":
        return arignote_runner(model, variant)
    if system == "pymc":
        return pymc_runner(model, variant)
    return jax_runner(model)


# --- compile time: one fresh process per measurement ------------------------------------------

def child(system: str, variant: str, model: str) -> None:
    """Import ``system``, build, compile and call ``model`` twice; print the times as JSON."""
    start = time.perf_counter()
    if system == "arignote":
        import arignote  # noqa: F401
        if variant == "JAX":
            _load_jax()
    elif system == "pymc":
        _load_pymc()
    else:
        _load_jax()
    imported = time.perf_counter()
    call = runner(system, variant, model)
    built = time.perf_counter()
    out = call()
    first = time.perf_counter()
    call()
    again = time.perf_counter() - first
    print(json.dumps({"import": imported - start, "compile": first - imported - again,
                      "build_and_function": built - imported, "call": again,
                      "value": float(np.asarray(out[0]))}))


def _environment(cache: str) -> dict[str, str]:
    env = dict(os.environ)
    folder = os.path.join(cache, "arignote")
    env["ARIGNOTE_FLAGS"] = f"c_cache_dir={folder}"  # the C cache and the whole-function cache
    env["ARIGNOTE_CACHE_DIR"] = folder
    # base_compiledir, not compiledir: PyTensor 3 keeps its numba cache in base_compiledir/numba,
    # which a compiledir flag alone leaves in the user's (warm) home folder
    env["PYTENSOR_FLAGS"] = f"base_compiledir={os.path.join(cache, 'pytensor')}"
    env["NUMBA_CACHE_DIR"] = os.path.join(cache, "numba")
    env["JAX_PLATFORMS"] = "cpu"
    # JAX's persistent cache, for every compilation (by default only those over a second)
    env["JAX_COMPILATION_CACHE_DIR"] = os.path.join(cache, "jax")
    env["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"
    env["JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES"] = "0"
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["OPENBLAS_NUM_THREADS"] = "1"  # spinning BLAS threads make times erratic on small machines
    env["PYTHONPATH"] = os.pathsep.join([HERE, os.path.dirname(HERE), env.get("PYTHONPATH", "")])
    return env


def _one(system: str, variant: str, model: str, cache: str) -> dict[str, float]:
    return run_child(os.path.abspath(__file__), [system, variant, model], _environment(cache), CHILD_TIMEOUT)


def _available(system: str) -> bool:
    return not ((system == "pymc" and "pytensor" in SKIPPED) or (system == "jax" and "jax" in SKIPPED))


def measure_compile(model: str, reps: int) -> dict[str, list[Row]]:
    """Cold and warm compile times of ``model`` in every system, interleaved."""
    systems = [s for s in SYSTEMS if _available(s[0])]
    rows = {state: {s: Row(LABELS[s]) for s in systems} for state in ("cold", "warm")}
    warm_dirs: dict[tuple[str, str], str] = {}
    try:
        for rep in range(reps):
            order = systems[rep % len(systems):] + systems[:rep % len(systems)]
            for key in order:
                cold, warm = rows["cold"][key], rows["warm"][key]
                if cold.missing is None:
                    folder = tempfile.mkdtemp(prefix="bench-logprob-cold-")
                    try:
                        cold.samples.append(_one(*key, model, folder)["compile"])
                    except Exception as exc:
                        cold.missing = warm.missing = f"failed: {exc}"[:110]
                    if key not in warm_dirs and cold.missing is None:
                        warm_dirs[key] = folder  # the first cold run fills the warm cache
                    else:
                        shutil.rmtree(folder, ignore_errors=True)
                if warm.missing is None and key in warm_dirs:
                    try:
                        warm.samples.append(_one(*key, model, warm_dirs[key])["compile"])
                    except Exception as exc:
                        warm.missing = f"failed: {exc}"[:110]
    finally:
        for folder in warm_dirs.values():
            shutil.rmtree(folder, ignore_errors=True)
    return {state: list(found.values()) for state, found in rows.items()}


# --- time per call ---------------------------------------------------------------------------

def _flat(result: list[Any]) -> np.ndarray:
    return np.concatenate([np.atleast_1d(np.asarray(r, dtype=np.float64)) for r in result])


def measure_calls(model: str, reps: int) -> tuple[list[Row], list[str]]:
    """Seconds per call of log-density plus gradient, each system's values checked first;
    and notes (the warnings the systems gave while compiling)."""
    rows = {s: Row(LABELS[s]) for s in SYSTEMS}
    runners: dict[tuple[str, str], Callable[[], list[Any]]] = {}
    reference: np.ndarray | None = None
    notes: list[str] = []
    for key in SYSTEMS:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                call = runner(*key, model)
                got = _flat(call())
        except Unavailable as exc:
            rows[key].missing = str(exc)
            continue
        except Exception as exc:
            rows[key].missing = f"failed: {type(exc).__name__}: {exc}"[:140]
            continue
        note_user_warnings(caught, LABELS[key], notes)
        if reference is None:
            reference = got
        elif got.shape != reference.shape or not np.allclose(got, reference, rtol=1e-8, atol=1e-10):
            err = np.max(np.abs(got - reference)) if got.shape == reference.shape else "shapes differ"
            rows[key].missing = f"computes other values than {LABELS[SYSTEMS[0]]} (max difference {err})"
            continue
        runners[key] = call
    if not runners:
        return list(rows.values()), notes
    interleaved_calls(rows, runners, reps, BATCH_SECONDS)
    return list(rows.values()), notes


# --- tables and goals ------------------------------------------------------------------------

def _compile_goals(table: Table) -> list[tuple[str, bool | None]]:
    found = []
    for mine in ARIGNOTE_ROWS:
        for other in PYMC_ROWS:
            ratio = table.ratio(mine, other)
            met = None if ratio is None else ratio <= 0.1
            shown = "-" if ratio is None else f"{ratio:.3f}"
            table.notes.append(f"goal: {mine} / {other} = {shown} (at most 0.1): {verdict(met)}")
            found.append((f"compile: {mine} vs {other}", met))
    return found


def _call_goals(table: Table) -> list[tuple[str, bool | None]]:
    found = []
    for mine in ARIGNOTE_ROWS:
        ratio = table.ratio(mine, JAX_ROW)
        met = None if ratio is None else ratio <= 1.0
        shown = "-" if ratio is None else f"{ratio:.2f}"
        table.notes.append(f"goal: {mine} / JAX = {shown} (at most 1): {verdict(met)}")
        found.append((f"call: {mine} vs JAX", met))
    return found


def run(quick: bool = False) -> list[Table]:
    """Per model: compile time cold and warm, and time per call; then the goals' summary."""
    chosen = [m for m in os.environ.get("BENCH_LOGPROB_MODELS", "").split(",") if m] or list(MODELS)
    tables, summary = [], []
    for model in chosen:
        title = TITLES[model]
        for state, rows in measure_compile(model, QUICK_COMPILE_REPS if quick else COMPILE_REPS).items():
            table = Table(f"logprob compile, fresh process, {state} cache: {title}", "s", 1.0, rows)
            table.notes += [f"{r.system}/arignote = {table.ratio(r.system):.2f}x" for r in rows
                            if r.system != "arignote" and table.ratio(r.system) is not None]
            summary += [(f"{model}, {state} {what}", met) for what, met in _compile_goals(table)]
            tables.append(table)
        calls, notes = measure_calls(model, QUICK_CALL_REPS if quick else CALL_REPS)
        table = Table(f"logprob call (log-density + gradient): {title}", "µs/call", 1e6, calls,
                      extra_header="batch", notes=notes)
        summary += [(f"{model}, {what}", met) for what, met in _call_goals(table)]
        tables.append(table)
    tables.append(_summary(summary))
    return tables


def _summary(goals: list[tuple[str, bool | None]]) -> Table:
    met = sum(1 for _, m in goals if m)
    missed = [what for what, m in goals if m is False]
    unknown = [what for what, m in goals if m is None]
    notes = [f"goals met: {met} of {len(goals)} (compile <= 1/10 of PyMC's; each call no slower than JAX)"]
    notes += [f"  NOT MET: {what}" for what in missed]
    notes += [f"  n/a (a row is missing): {what}" for what in unknown]
    return Table("logprob: which goals hold", "s", 1.0, [], notes=notes)


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--child":
    child(sys.argv[2], sys.argv[3], sys.argv[4])
