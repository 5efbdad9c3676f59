"""Rewrite time: compiling graphs with the ``py`` linker, arignote beside PyTensor.

The time of ``function(...)`` with the ``py`` linker is almost all rewriting
(canonicalize, stabilize, specialize, fusion), since linking a Python
schedule is cheap; both systems compile the same program text with their
default rewrites ("fast_run").

Workloads: the five shapes of :mod:`graph_families` (an elementwise DAG, a
chain with constants, a log-density summed term by term, a product chain,
a balanced tree of sums), each at 1,000, 10,000 and 100,000 operations.
A rule whose cost grows with the graph around the node it looks at shows
as a time per operation that grows with the size.

Goals (issue 13): for every family, at 10,000 operations arignote takes at
most 1/10 of PyTensor's time, and arignote's time grows linearly (100,000
operations at most 11x the time of 10,000).  Each repetition builds a fresh
graph (arignote interns nodes, so a rebuilt graph over the same inputs would
hit caches); only compiling is timed.  The whole-function cache is off for
arignote (this measures rewriting; ``compile`` measures the cache).
PyTensor is not run at 100,000 operations: it takes many minutes there.  Each
PyTensor compilation runs in a child process with a memory cap and a time
limit (its memory grows with the square of a summed chain's length: a 10,000-op
log-density went past 17 GB); a row that hits either says so.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from bench_common import Row, Table, time_once, verdict
from graph_families import DESCRIPTION, FAMILIES, build
from optional_systems import Unavailable, load_pytensor

NAME = "rewrite"
GOAL_RATIO = 10.0     # PyTensor's time / arignote's, at 10k ops, at least
GOAL_GROWTH = 11.0    # arignote's time at 100k / at 10k, at most
SIZES = {1_000: 3, 10_000: 2, 100_000: 2}          # program ops -> repetitions
QUICK_SIZES = {1_000: 1, 10_000: 1}
PYTENSOR_MAX_OPS = 10_000
CHILD_MEMORY_BYTES = 8 * 2**30   # a PyTensor compilation's address space, at most
CHILD_SECONDS = 300              # and its time
HERE = os.path.dirname(os.path.abspath(__file__))

sys.setrecursionlimit(max(sys.getrecursionlimit(), 200_000))  # PyTensor recurses over deep graphs


# --- compilers: build(family, size) -> (inputs, output), compile(inputs, output) ----------
def arignote_system() -> tuple[Callable[..., Any], Callable[..., Any]]:
    import arignote
    import arignote.tensor as at

    mode = arignote.Mode(linker="py", optimizer="fast_run")

    def compile_(inputs: list[Any], output: Any) -> Any:
        with arignote.config.change_flags(program_cache=False):
            return arignote.function(inputs, output, mode=mode)
    return (lambda family, size: build(family, at, at.vector, size)), compile_


def pytensor_system() -> tuple[Callable[..., Any], Callable[..., Any]]:
    pytensor, pt = load_pytensor()
    mode = pytensor.compile.mode.Mode(linker="py", optimizer="fast_run")

    def compile_(inputs: list[Any], output: Any) -> Any:
        return pytensor.function(inputs, output, mode=mode)
    return (lambda family, size: build(family, pt, pt.dvector, size)), compile_


def _pytensor_in_child(family: str, size: int) -> float:
    """Seconds PyTensor takes to compile ``family`` at ``size`` ops, in a child process with
    a memory cap and a time limit; RuntimeError saying which was hit."""
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([HERE, os.environ.get("PYTHONPATH", "")]))
    try:
        done = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", family, str(size)],
                              capture_output=True, text=True, timeout=CHILD_SECONDS, preexec_fn=cap,
                              env=env)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"over {CHILD_SECONDS} s") from None
    if done.returncode != 0:
        memory = "MemoryError" in done.stderr or done.returncode < 0
        raise RuntimeError(f"out of memory ({CHILD_MEMORY_BYTES >> 30} GB cap)" if memory
                           else (done.stderr.strip().splitlines() or ["failed"])[-1][:80])
    return json.loads(done.stdout.strip().splitlines()[-1])["seconds"]


def _child(family: str, size: int) -> None:
    build_one, compile_ = pytensor_system()
    inputs, output = build_one(family, size)
    elapsed, _ = time_once(lambda: compile_(inputs, output))
    print(json.dumps({"seconds": elapsed}))


SYSTEMS = [("arignote", arignote_system), ("PyTensor", pytensor_system)]


def _measure(systems: dict[str, Any], missing: dict[str, str], family: str, size: int,
             reps: int) -> list[Row]:
    rows = {name: Row(name, missing=missing.get(name)) for name, _ in SYSTEMS}
    if size > PYTENSOR_MAX_OPS and "PyTensor" in systems:
        rows["PyTensor"].missing = f"not run above {PYTENSOR_MAX_OPS:,} ops (minutes per compile)"
    order = [name for name in systems if rows[name].missing is None]
    for rep in range(reps):
        shift = rep % len(order)
        for name in order[shift:] + order[:shift]:
            if rows[name].missing is not None:
                continue
            if name == "PyTensor":
                try:
                    rows[name].samples.append(_pytensor_in_child(family, size) / size)
                except RuntimeError as exc:
                    rows[name].missing = f"failed: {exc}"
                continue
            make, compile_ = systems[name]
            inputs, output = make(family, size)
            elapsed, _ = time_once(lambda: compile_(inputs, output))
            rows[name].samples.append(elapsed / size)
    return list(rows.values())


def run(quick: bool = False) -> list[Table]:
    systems: dict[str, Any] = {}
    missing: dict[str, str] = {}
    for name, make in SYSTEMS:
        try:
            systems[name] = make()
            build_one, compile_ = systems[name]
            compile_(*build_one("program", 100))  # warm-up: imports, caches
        except Unavailable as exc:
            missing[name] = str(exc)
            systems.pop(name, None)
    sizes = QUICK_SIZES if quick else SIZES
    tables, summary = [], []
    for family in FAMILIES:
        medians: dict[int, float] = {}
        ratios: dict[int, float | None] = {}
        for n_ops, reps in sizes.items():
            table = Table(f"rewrite (compile, py linker): {DESCRIPTION[family]}, {n_ops:,} ops",
                          "µs/op", 1e6, _measure(systems, missing, family, n_ops, reps))
            base = table.row("arignote")
            if base is not None:
                medians[n_ops] = base.median * n_ops
            ratios[n_ops] = table.ratio("PyTensor")
            if ratios[n_ops] is not None:
                table.notes.append(f"PyTensor/arignote = {ratios[n_ops]:.1f}x")
            tables.append(table)
        summary.append(_summary_line(family, medians, ratios))
    goals = Table("rewrite: goals per family (at 10k ops PyTensor/arignote >= "
                  f"{GOAL_RATIO:.0f}x; arignote 10k -> 100k at most {GOAL_GROWTH:.0f}x)", "s", 1.0, [])
    goals.notes.extend(summary)
    tables.append(goals)
    return tables


def _summary_line(family: str, medians: dict[int, float], ratios: dict[int, float | None]) -> str:
    ratio = ratios.get(10_000)
    ratio_text = "-" if ratio is None else f"{ratio:.1f}x"
    met_ratio = None if ratio is None else ratio >= GOAL_RATIO
    growth = medians[100_000] / medians[10_000] if 100_000 in medians and 10_000 in medians else None
    growth_text = "-" if growth is None else f"{growth:.1f}x"
    met_growth = None if growth is None else growth <= GOAL_GROWTH
    times = ", ".join(f"{n // 1000}k: {t:.2f} s" for n, t in sorted(medians.items()))
    return (f"{family:<11} arignote {times}; PyTensor/arignote at 10k {ratio_text}: {verdict(met_ratio)};"
            f" growth 10k -> 100k {growth_text}: {verdict(met_growth)}")


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--child":
    _child(sys.argv[2], int(sys.argv[3]))
