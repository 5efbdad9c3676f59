"""Random draws (issue 15), beside NumPy and JAX in one run.

- 1e6 normal draws pushed through an elementwise expression, ``exp(-x**2) * sin(x) + 1``
  (goal: within 1.1x of NumPy doing the same with its Generator); arignote draws with NumPy's
  Generator (the same numbers) and fuses the expression into one C loop; JAX draws with
  ``jax.random`` (other numbers: its own generator) inside ``jax.jit``.

The Monte Carlo loop of the issue (draws inside a ``scan`` of 100 steps, the generator
carried from step to step) is not measured here yet.
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


def normal_expression_table(quick: bool) -> Table:
    import timeit

    reps, seconds = (QUICK_REPS, QUICK_REP_SECONDS) if quick else (REPS, REP_SECONDS)
    makers = [("arignote", _arignote), ("NumPy Generator", _numpy), ("JAX jit (jax.random)", _jax)]
    rows = {name: Row(name) for name, _ in makers}
    timers = {}
    for name, make in makers:
        try:
            case = make()
            values = np.asarray(case())
        except Unavailable as exc:
            rows[name].missing = str(exc)
            continue
        # the same distribution: mean and spread of exp(-x^2) sin(x) + 1 (odd part: mean 1)
        assert values.shape == (N,) and abs(values.mean() - 1.0) < 5e-3, (name, values.mean())
        timer = timeit.Timer(case)
        calls, took = timer.autorange()
        timers[name] = (timer, max(1, int(calls * seconds / took)))
        rows[name].extra = f"{timers[name][1]:,}"
    _measure(rows, timers, reps)
    table = Table(f"{N:.0e} normal draws through exp(-x**2) * sin(x) + 1, float64", "ms/call", 1e3,
                  list(rows.values()), extra_header="calls/rep")
    _goal(table, "within 1.1x of NumPy", "NumPy Generator", 1 / 1.1)
    table.notes.append("arignote's numbers are NumPy's (same generator, same calls); JAX's come from "
                       "its own generator (checked: same distribution, mean 1 within 5e-3).")
    return table


def run(quick: bool = False) -> list[Table]:
    """The random-draw tables."""
    return [normal_expression_table(quick)]
