"""Rewrite time: compiling graphs with the ``py`` linker, arignote beside PyTensor.

The time of ``function(...)`` with the ``py`` linker is almost all rewriting
(canonicalize, stabilize, specialize, fusion), since linking a Python
schedule is cheap; both systems compile the same program text with their
default rewrites ("fast_run").

Workloads:

- the elementwise program of ``graph_build`` (5 inputs, constants, fan-out)
  at 1,000, 10,000 and 100,000 operations;
- a deep chain of additions and multiplications with constants,
  ``y = (y + k) * 0.5 + x * 2.0`` repeated, which the canonical algebra must
  flatten and sort at every level.

Goals: at 10,000 operations arignote takes at most 1/10 of PyTensor's time;
arignote's time grows linearly (100,000 operations at most 11x the time of
10,000).  Each repetition builds a fresh graph (arignote interns nodes, so a
rebuilt graph over the same inputs would hit caches); only compiling is timed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from bench_common import Row, Table, time_once, verdict
from graph_build import OPS_PER_STEP, program
from optional_systems import Unavailable, load_pytensor

NAME = "rewrite"
GOAL_RATIO = 10.0     # PyTensor's time / arignote's, at 10k ops, at least
GOAL_GROWTH = 11.0    # arignote's time at 100k / at 10k, at most
SIZES = {1_000: 5, 10_000: 3, 100_000: 2}          # program ops -> repetitions
QUICK_SIZES = {1_000: 2, 10_000: 1}
PYTENSOR_MAX_OPS = 100_000  # PyTensor at 100k takes minutes; it runs once there
CHAIN_STEPS = {500: 2}
QUICK_CHAIN_STEPS = {200: 1}

sys.setrecursionlimit(max(sys.getrecursionlimit(), 200_000))  # PyTensor recurses over deep graphs


def chain(x: Any, steps: int) -> Any:
    """The deep add/mul chain with constants, the same text for every system."""
    y = x
    for k in range(steps):
        y = (y + float(k)) * 0.5 + x * 2.0
    return y


# --- compilers: build(size) -> (inputs, output), compile(inputs, output) ------------------
def arignote_system() -> tuple[Callable[..., Any], Callable[..., Any]]:
    import arignote
    import arignote.tensor as at

    mode = arignote.Mode(linker="py", optimizer="fast_run")

    def build(kind: str, size: int) -> tuple[list[Any], Any]:
        xs = [at.vector(n) for n in "xabcd"]
        if kind == "chain":
            return xs[:1], chain(xs[0], size)
        return xs, program(at.tanh, at.exp, *xs, size // OPS_PER_STEP)

    def compile_(inputs: list[Any], output: Any) -> Any:
        return arignote.function(inputs, output, mode=mode)
    return build, compile_


def pytensor_system() -> tuple[Callable[..., Any], Callable[..., Any]]:
    pytensor, pt = load_pytensor()
    mode = pytensor.compile.mode.Mode(linker="py", optimizer="fast_run")

    def build(kind: str, size: int) -> tuple[list[Any], Any]:
        xs = [pt.dvector(n) for n in "xabcd"]
        if kind == "chain":
            return xs[:1], chain(xs[0], size)
        return xs, program(pt.tanh, pt.exp, *xs, size // OPS_PER_STEP)

    def compile_(inputs: list[Any], output: Any) -> Any:
        return pytensor.function(inputs, output, mode=mode)
    return build, compile_


SYSTEMS = [("arignote", arignote_system), ("PyTensor", pytensor_system)]


def _measure(systems: dict[str, Any], missing: dict[str, str], kind: str, size: int, reps: int,
             unit_count: int) -> list[Row]:
    rows = {name: Row(name, missing=missing.get(name)) for name, _ in SYSTEMS}
    order = list(systems)
    for rep in range(reps):
        shift = rep % len(order)
        for name in order[shift:] + order[:shift]:
            if name == "PyTensor" and size >= PYTENSOR_MAX_OPS and rows[name].samples:
                continue
            build, compile_ = systems[name]
            inputs, output = build(kind, size)
            elapsed, _ = time_once(lambda: compile_(inputs, output))
            rows[name].samples.append(elapsed / unit_count)
    return list(rows.values())


def run(quick: bool = False) -> list[Table]:
    systems: dict[str, Any] = {}
    missing: dict[str, str] = {}
    for name, make in SYSTEMS:
        try:
            systems[name] = make()
            build, compile_ = systems[name]
            compile_(*build("program", 100))  # warm-up: imports, caches
        except Unavailable as exc:
            missing[name] = str(exc)
            systems.pop(name, None)
    tables = []
    medians: dict[int, float] = {}
    for n_ops, reps in (QUICK_SIZES if quick else SIZES).items():
        rows = _measure(systems, missing, "program", n_ops, reps, n_ops)
        table = Table(f"rewrite (compile, py linker): elementwise program of {n_ops:,} ops",
                      "µs/op", 1e6, rows)
        base = table.row("arignote")
        if base is not None:
            medians[n_ops] = base.median * n_ops
        ratio = table.ratio("PyTensor")
        if ratio is not None:
            table.notes.append(f"PyTensor/arignote = {ratio:.1f}x")
        if n_ops == 10_000:
            met = None if ratio is None else ratio >= GOAL_RATIO
            table.notes.append(f"goal: at 10k ops, PyTensor/arignote >= {GOAL_RATIO:.0f}x -> {verdict(met)}")
        if n_ops == 100_000 and 10_000 in medians:
            growth = medians[100_000] / medians[10_000]
            table.notes.append(f"goal: arignote's time 10k -> 100k at most {GOAL_GROWTH:.0f}x -> "
                               f"{growth:.1f}x: {verdict(growth <= GOAL_GROWTH)}")
        tables.append(table)
    for steps, reps in (QUICK_CHAIN_STEPS if quick else CHAIN_STEPS).items():
        rows = _measure(systems, missing, "chain", steps, reps, steps * 5)
        table = Table(f"rewrite (compile, py linker): add/mul chain with constants, {steps:,} levels "
                      f"({steps * 5:,} ops)", "µs/op", 1e6, rows)
        ratio = table.ratio("PyTensor")
        if ratio is not None:
            table.notes.append(f"PyTensor/arignote = {ratio:.1f}x")
        tables.append(table)
    return tables
