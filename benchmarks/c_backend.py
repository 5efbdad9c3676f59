"""The C backend at run time, beside NumPy, JAX (``jax.jit``) and PyTensor (default and C modes).

Four workloads, each a table with its goal (issue 5):

- fused elementwise over 1e6 float64: ``exp(-x**2)*sin(y) + log1p(exp(z))``
  (goal: at least 2x faster than NumPy, no slower than JAX);
- row-wise logsumexp of a 1000x1000 matrix (goal: no slower than JAX);
- ``exp(x).sum()`` over 1e6 float64: peak memory during a call, measured with
  ``tracemalloc`` (goal: no temporary of x's size), and its time;
- call overhead of ``f(x) = x + 1`` on a 0-d array (goal: at most 2 µs, below
  PyTensor's and JAX's).

Every system computes the same values (checked against NumPy before timing).
Each repetition times a ``timeit`` loop of about 0.1 s per system; systems
are interleaved within each repetition and the median over repetitions kept.
"""

from __future__ import annotations

import timeit
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from bench_common import Row, Table, quiet_gc, verdict
from optional_systems import Unavailable, load_jax, load_pytensor

NAME = "c"
REPS, QUICK_REPS = 11, 3
REP_SECONDS, QUICK_REP_SECONDS = 0.1, 0.02
N = 1_000_000
ROWS = COLS = 1000

Case = Callable[[], Any]          # computes the workload once and returns the result
Maker = Callable[[dict[str, np.ndarray]], Case]


# --- the workloads, written once per system ----------------------------------------------

def _arignote(build: Callable[..., Any], names: list[str], ranks: list[int], **flags: Any) -> Maker:
    def make(data: dict[str, np.ndarray]) -> Case:
        import arignote
        import arignote.tensor as at

        with arignote.config.change_flags(**flags):
            inputs = [at.tensor(n, dtype="float64", shape=(None,) * r) for n, r in zip(names, ranks)]
            f = arignote.function(inputs, build(at, *inputs), trust_input=True)
        args = [data[n] for n in names]
        return lambda: f(*args)
    return make


def _pytensor(build: Callable[..., Any], names: list[str], ranks: list[int], linker: str | None) -> Maker:
    def make(data: dict[str, np.ndarray]) -> Case:
        pytensor, pt = load_pytensor()
        inputs = [pt.tensor(n, dtype="float64", shape=(None,) * r) for n, r in zip(names, ranks)]
        mode = None if linker is None else pytensor.compile.mode.Mode(linker=linker, optimizer="fast_run")
        f = pytensor.function(inputs, build(pt, *inputs), mode=mode, trust_input=True)
        args = [data[n] for n in names]
        return lambda: f(*args)
    return make


def _jax(build: Callable[..., Any], names: list[str]) -> Maker:
    def make(data: dict[str, np.ndarray]) -> Case:
        jax, jnp = load_jax()
        f = jax.jit(lambda *xs: build(jnp, *xs))
        args = [jax.device_put(data[n]) for n in names]
        return lambda: f(*args).block_until_ready()
    return make


def fused(m: Any, x: Any, y: Any, z: Any) -> Any:
    return m.exp(-x ** 2) * m.sin(y) + m.log1p(m.exp(z))


def logsumexp_rows(m: Any, x: Any) -> Any:
    if m.__name__.startswith("jax"):
        import jax.scipy.special as jsp

        return jsp.logsumexp(x, axis=1)
    if m.__name__ == "numpy":
        largest = x.max(axis=1, keepdims=True)
        return np.log(np.exp(x - largest).sum(axis=1)) + largest[:, 0]
    return m.logsumexp(x, axis=1)


def exp_sum(m: Any, x: Any) -> Any:
    return m.exp(x).sum()


def plus_one(m: Any, x: Any) -> Any:
    return x + 1


def _systems(build: Callable[..., Any], names: list[str], ranks: list[int]) -> list[tuple[str, Maker]]:
    return [
        ("arignote", _arignote(build, names, ranks)),
        ("arignote, 1 thread", _arignote(build, names, ranks, c_threads=1)),
        ("arignote, py linker", _arignote_py(build, names, ranks)),
        ("NumPy", lambda data: (lambda args=[data[n] for n in names]: build(np, *args))),
        ("JAX jit (device arrays)", _jax(build, names)),
        ("PyTensor default", _pytensor(build, names, ranks, None)),
        ("PyTensor C (cvm)", _pytensor(build, names, ranks, "cvm")),
    ]


def _arignote_py(build: Callable[..., Any], names: list[str], ranks: list[int]) -> Maker:
    def make(data: dict[str, np.ndarray]) -> Case:
        import arignote
        import arignote.tensor as at

        inputs = [at.tensor(n, dtype="float64", shape=(None,) * r) for n, r in zip(names, ranks)]
        f = arignote.function(inputs, build(at, *inputs), mode="PY", trust_input=True)
        args = [data[n] for n in names]
        return lambda: f(*args)
    return make


# --- measuring --------------------------------------------------------------------------

def _prepare(systems: list[tuple[str, Maker]], data: dict[str, np.ndarray], reference: Any,
             rtol: float, seconds: float) -> tuple[dict[str, Row], dict[str, tuple[timeit.Timer, int]]]:
    rows = {name: Row(name) for name, _ in systems}
    timers = {}
    for name, make in systems:
        try:
            case = make(data)
            result = np.asarray(case())
            np.testing.assert_allclose(result, reference, rtol=rtol, atol=rtol)
        except Unavailable as exc:
            rows[name].missing = str(exc)
            continue
        except Exception as exc:
            if name.startswith("arignote"):
                raise
            rows[name].missing = f"failed: {type(exc).__name__}: {exc}"[:100]
            continue
        timer = timeit.Timer(case)
        calls, took = timer.autorange()
        timers[name] = (timer, max(1, int(calls * seconds / took)))
        rows[name].extra = f"{timers[name][1]:,}"
    return rows, timers


def _measure(rows: dict[str, Row], timers: dict[str, tuple[timeit.Timer, int]], reps: int) -> None:
    order = list(timers)
    for rep in range(reps):
        shift = rep % len(order)
        for name in order[shift:] + order[:shift]:
            timer, number = timers[name]
            with quiet_gc():
                rows[name].samples.append(timer.timeit(number) / number)


def _timed_table(title: str, unit: str, scale: float, build: Callable[..., Any], names: list[str],
                 ranks: list[int], data: dict[str, np.ndarray], rtol: float, quick: bool) -> Table:
    reps, seconds = (QUICK_REPS, QUICK_REP_SECONDS) if quick else (REPS, REP_SECONDS)
    reference = np.asarray(build(np, *[data[n] for n in names]))
    rows, timers = _prepare(_systems(build, names, ranks), data, reference, rtol, seconds)
    _measure(rows, timers, reps)
    return Table(title, unit, scale, list(rows.values()), extra_header="calls/rep")


def _goal(table: Table, label: str, system: str, at_least: float) -> None:
    """A note: system's median / arignote's >= at_least?"""
    ratio = table.ratio(system)
    met = None if ratio is None else ratio >= at_least
    shown = "-" if ratio is None else f"{ratio:.2f}x"
    table.notes.append(f"goal: {label} -> {system}/arignote = {shown} (need >= {at_least:g}x): "
                       f"{verdict(met)}")


def fused_table(quick: bool) -> Table:
    rng = np.random.default_rng(0)
    data = {n: rng.normal(size=N) for n in "xyz"}
    table = _timed_table(f"fused elementwise exp(-x**2)*sin(y) + log1p(exp(z)), {N:.0e} float64",
                         "ms/call", 1e3, fused, list("xyz"), [1, 1, 1], data, 1e-12, quick)
    _goal(table, "at least 2x faster than NumPy", "NumPy", 2.0)
    _goal(table, "no slower than JAX", "JAX jit (device arrays)", 1.0)
    table.notes.append("arignote fuses the expression into one loop calling glibc's vector exp, sin "
                       "and log1p (libmvec); large loops are split across the available cores.")
    return table


def logsumexp_table(quick: bool) -> Table:
    rng = np.random.default_rng(1)
    data = {"x": rng.normal(size=(ROWS, COLS)) * 10}
    table = _timed_table(f"row-wise logsumexp of a {ROWS}x{COLS} float64 matrix", "ms/call", 1e3,
                         logsumexp_rows, ["x"], [2], data, 1e-12, quick)
    _goal(table, "no slower than JAX", "JAX jit (device arrays)", 1.0)
    table.notes.append("NumPy row: max, then log(sum(exp(x - max))) + max, in NumPy.")
    return table


def _peak_bytes(case: Case) -> int:
    case()
    with quiet_gc():
        tracemalloc.start()
        try:
            case()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return peak


def memory_table(quick: bool) -> Table:
    rng = np.random.default_rng(2)
    data = {"x": rng.normal(size=N)}
    reference = np.asarray(exp_sum(np, data["x"]))
    rows = []
    for name, make in _systems(exp_sum, ["x"], [1]):
        row = Row(name)
        if name.startswith("JAX"):
            row.missing = "XLA allocates outside Python's allocator: tracemalloc cannot see it"
            rows.append(row)
            continue
        try:
            case = make(data)
            np.testing.assert_allclose(np.asarray(case()), reference, rtol=1e-12)
            row.samples = [float(_peak_bytes(case)) for _ in range(3 if not quick else 1)]
        except Unavailable as exc:
            row.missing = str(exc)
        except Exception as exc:
            if name.startswith("arignote"):
                raise
            row.missing = f"failed: {type(exc).__name__}: {exc}"[:100]
        rows.append(row)
    table = Table(f"exp(x).sum() over {N:.0e} float64 (x is {data['x'].nbytes / 1e6:.0f} MB): peak memory "
                  "allocated during a call (tracemalloc)", "MB", 1e-6, rows)
    mine = table.row("arignote")
    met = None if mine is None else mine.median < data["x"].nbytes / 2
    shown = "-" if mine is None else f"{mine.median / 1e6:.3f} MB"
    table.notes.append(f"goal: no temporary of x's size -> arignote peaks at {shown}: {verdict(met)}")
    table.notes.append("(ratios here are of memory, not time; the time is in the next table)")
    return table


def exp_sum_time_table(quick: bool) -> Table:
    rng = np.random.default_rng(2)
    data = {"x": rng.normal(size=N)}
    return _timed_table(f"exp(x).sum() over {N:.0e} float64: time", "ms/call", 1e3, exp_sum, ["x"], [1],
                        data, 1e-12, quick)


def overhead_table(quick: bool) -> Table:
    from call_overhead import arignote_case, jax_case, pytensor_case

    reps, seconds = (QUICK_REPS, 0.03) if quick else (15, 0.2)
    cases = [("arignote", arignote_case), ("arignote, trust_input=True", lambda: arignote_case(True)),
             ("PyTensor default", pytensor_case),
             ("PyTensor default, trust_input=True", lambda: pytensor_case(trust_input=True)),
             ("JAX jit, NumPy 0-d input", jax_case), ("JAX jit, device array", lambda: jax_case(True))]
    rows, timers = {name: Row(name) for name, _ in cases}, {}
    for name, make in cases:
        try:
            stmt, namespace = make()
            timer = timeit.Timer(stmt, globals=namespace)
            timer.timeit(3)
        except Unavailable as exc:
            rows[name].missing = str(exc)
            continue
        calls, took = timer.autorange()
        timers[name] = (timer, max(1, int(calls * seconds / took)))
    _measure(rows, timers, reps)
    table = Table("call overhead: f(x) = x + 1 on a 0-d float64 array (FAST_RUN: the C backend)",
                  "µs/call", 1e6, list(rows.values()))
    mine = table.row("arignote")
    met = None if mine is None else mine.median <= 2e-6
    shown = "-" if mine is None else f"{mine.median * 1e6:.2f} µs"
    table.notes.append(f"goal: at most 2 µs -> arignote {shown}: {verdict(met)}")
    _goal(table, "below PyTensor's", "PyTensor default", 1.0)
    _goal(table, "below JAX's", "JAX jit, NumPy 0-d input", 1.0)
    return table


def run(quick: bool = False) -> list[Table]:
    """The C backend's run-time tables."""
    return [fused_table(quick), logsumexp_table(quick), memory_table(quick), exp_sum_time_table(quick),
            overhead_table(quick)]
