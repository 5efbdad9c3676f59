"""Random draws (issue 15), beside NumPy and JAX in one run.

- 1e6 normal draws pushed through an elementwise expression, ``exp(-x**2) * sin(x) + 1``
  (goal: within 1.1x of NumPy doing the same with its Generator); arignote draws with NumPy's
  Generator (the same numbers) and fuses the expression into one C loop; JAX draws with
  ``jax.random`` (other numbers: its own generator) inside ``jax.jit``.

- a Monte Carlo estimate of E[exp(-x**2)] for x ~ N(0, 1) over 1e6 draws inside a loop of
  100 steps (10,000 draws a step, the generator carried from step to step; goal: no slower
  than JAX's ``lax.scan`` with ``jax.random``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from bench_common import Row, Table
from c_backend import _goal, _measure
from optional_systems import Unavailable, load_jax

NAME = "random"
N = 1_000_000
REPS, QUICK_REPS = 11, 3
REP_SECONDS, QUICK_REP_SECONDS = 0.2, 0.02


def _arignote() -> Any:
    import arignote
    import arignote.tensor as at

    rng = arignote.shared(np.random.default_rng(0))
    x = at.random.normal(0.0, 1.0, size=(N,), rng=rng)
    f = arignote.function([], at.exp(-x ** 2) * at.sin(x) + 1.0, updates={rng: x.owner.outputs[0]},
                          trust_input=True)
    return f


def _numpy() -> Any:
    generator = np.random.default_rng(0)

    def case() -> np.ndarray:
        x = generator.normal(0.0, 1.0, size=N)
        return np.exp(-x ** 2) * np.sin(x) + 1.0
    return case


def _jax() -> Any:
    jax, jnp = load_jax()
    key = [jax.random.key(0)]

    @jax.jit
    def step(k: Any) -> Any:
        k, sub = jax.random.split(k)
        x = jax.random.normal(sub, (N,), dtype=jnp.float64)
        return k, jnp.exp(-x ** 2) * jnp.sin(x) + 1.0

    def case() -> Any:
        key[0], out = step(key[0])
        return out.block_until_ready()
    return case


def _timed_rows(makers: list[tuple[str, Any]], check: Any, quick: bool) -> list[Row]:
    """One row per system: its case built, its result checked (``check(name, value)``), then
    timed, the systems interleaved within each repetition (c_backend's ``_measure``)."""
    import timeit

    reps, seconds = (QUICK_REPS, QUICK_REP_SECONDS) if quick else (REPS, REP_SECONDS)
    rows = {name: Row(name) for name, _ in makers}
    timers = {}
    for name, make in makers:
        try:
            case = make()
            check(name, np.asarray(case()))
        except Unavailable as exc:
            rows[name].missing = str(exc)
            continue
        timer = timeit.Timer(case)
        calls, took = timer.autorange()
        timers[name] = (timer, max(1, int(calls * seconds / took)))
        rows[name].extra = f"{timers[name][1]:,}"
    _measure(rows, timers, reps)
    return list(rows.values())


def normal_expression_table(quick: bool) -> Table:
    def check(name: str, values: np.ndarray) -> None:
        # the same distribution: mean and spread of exp(-x^2) sin(x) + 1 (odd part: mean 1)
        assert values.shape == (N,) and abs(values.mean() - 1.0) < 5e-3, (name, values.mean())

    makers = [("arignote", _arignote), ("NumPy Generator", _numpy), ("JAX jit (jax.random)", _jax)]
    table = Table(f"{N:.0e} normal draws through exp(-x**2) * sin(x) + 1, float64", "ms/call", 1e3,
                  _timed_rows(makers, check, quick), extra_header="calls/rep")
    _goal(table, "within 1.1x of NumPy", "NumPy Generator", 1 / 1.1)
    table.notes.append("arignote's numbers are NumPy's (same generator, same calls); JAX's come from "
                       "its own generator (checked: same distribution, mean 1 within 5e-3).")
    return table


STEPS, PER_STEP = 100, 10_000
#: E[exp(-x^2)] for x ~ N(0, 1) is 1/sqrt(3)
EXACT = 1 / np.sqrt(3.0)


def _arignote_loop() -> Any:
    import arignote
    import arignote.tensor as at

    rng = at.random.shared_rng(np.random.default_rng(0))

    def step(total: Any, generator: Any) -> Any:
        next_generator, x = generator.normal(0.0, 1.0, size=(PER_STEP,))
        return total + at.exp(-x ** 2).sum(), next_generator

    (totals, final), _ = arignote.scan(step, outputs_info=[at.constant(0.0), rng], n_steps=STEPS)
    f = arignote.function([], totals[-1] / (STEPS * PER_STEP), updates={rng: final}, trust_input=True)
    return f


def _jax_loop() -> Any:
    jax, jnp = load_jax()
    key = [jax.random.key(0)]

    @jax.jit
    def estimate(k: Any) -> Any:
        def step(carry: Any, _: Any) -> Any:
            total, k = carry
            k, sub = jax.random.split(k)
            x = jax.random.normal(sub, (PER_STEP,), dtype=jnp.float64)
            return (total + jnp.exp(-x ** 2).sum(), k), None
        (total, k), _ = jax.lax.scan(step, (jnp.float64(0.0), k), None, length=STEPS)
        return k, total / (STEPS * PER_STEP)

    def case() -> Any:
        key[0], out = estimate(key[0])
        return out.block_until_ready()
    return case


def _numpy_loop() -> Any:
    generator = np.random.default_rng(0)

    def case() -> float:
        total = 0.0
        for _ in range(STEPS):
            total += np.exp(-generator.normal(0.0, 1.0, size=PER_STEP) ** 2).sum()
        return total / (STEPS * PER_STEP)
    return case


def monte_carlo_table(quick: bool) -> Table:
    def check(name: str, value: np.ndarray) -> None:
        # 1e6 draws: the estimate's standard error is about 4e-4
        assert abs(float(value) - EXACT) < 3e-3, (name, float(value))

    makers = [("arignote", _arignote_loop), ("JAX jit (lax.scan)", _jax_loop),
              ("NumPy (Python loop)", _numpy_loop)]
    table = Table(f"Monte Carlo E[exp(-x**2)] over {STEPS * PER_STEP:.0e} normal draws in a loop of "
                  f"{STEPS} steps (arignote: scan)", "ms/call", 1e3, _timed_rows(makers, check, quick),
                  extra_header="calls/rep")
    _goal(table, "no slower than JAX", "JAX jit (lax.scan)", 1.0)
    return table


def run(quick: bool = False) -> list[Table]:
    """The random-draw tables."""
    return [normal_expression_table(quick), monte_carlo_table(quick)]
