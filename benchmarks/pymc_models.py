"""Eight PyMC models compiled through arignote's PyTensor mode beside PyTensor's own backends.

The models are ``tests/interop/pymc_zoo.py``'s ``MODELS`` at ``scale="bench"`` (eight schools,
hierarchical and logistic regression, a GP marginal likelihood, a normal mixture, a Gaussian
random walk, an LKJ multivariate normal, a Kalman filter written with ``scan``).  For each, the
function is ``pytensor.function(model.value_vars, [logp, *pytensor.grad(logp,
model.value_vars)], mode=...)`` with ``logp = model.logp()`` (PyMC's default transforms kept),
called at ``model.initial_point()``.  Systems (``SYSTEMS``): arignote's mode
(``arignote.interop.pytensor.mode()``, C backend; ``mode(backend="jax")`` as an extra row),
PyTensor's default mode (numba in PyTensor 3) and its C mode (``Mode(linker="cvm",
optimizer="fast_run")``).

Figures per model and system:

- *compile*, in a fresh process per measurement: the wall time of ``pytensor.function(...)``
  plus its first call (issue 18's definition); building the model, ``model.logp()`` and
  ``pytensor.grad`` happen before the clock starts (shown apart as "build");
  *cold*: every cache folder empty (arignote's, PyTensor's ``base_compiledir`` with its numba
  cache, numba's ``NUMBA_CACHE_DIR``, JAX's persistent cache); *warm*: a later process
  reusing the folders the first cold process filled;
- *call*: seconds per call at the initial point in this process, systems interleaved.

Every system's values (log-density and gradient) are checked against PyTensor's default
mode's before anything of it is timed.  Goals (issue 18): arignote's cold compile at most
1/10 of PyTensor's default mode's; its warm compile under 0.2 s; each call no slower than
PyTensor's fastest backend.

Run through ``bash benchmarks/run.sh pymc [--quick]`` (``BENCH_PYMC_MODELS``,
``BENCH_PYMC_SYSTEMS``, ``BENCH_PYMC_COMPILE_REPS``, ``BENCH_PYMC_CALL_REPS`` select), or
directly: ``.bench-venv/bin/python benchmarks/pymc_models.py --help``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from bench_common import Row, Table, format_table, interleaved_calls, note_user_warnings, run_child, verdict
from optional_systems import SKIPPED

NAME = "pymc"
HERE = os.path.dirname(os.path.abspath(__file__))
ZOO_DIR = os.path.join(os.path.dirname(HERE), "tests", "interop")
CHILD_TIMEOUT = 1200  # seconds; PyTensor's C mode took up to 140 s cold in the issue
#: system key -> row label; the "arignote" label is the tables' baseline (bench_common)
SYSTEMS = {"arignote": "arignote", "arignote-jax": "arignote, backend=jax",
           "pytensor": "PyTensor default (numba)", "pytensor-c": "PyTensor C (cvm)"}
PYTENSOR_ROWS = ("pytensor", "pytensor-c")
COMPILE_REPS, QUICK_COMPILE_REPS = 3, 1
CALL_REPS, QUICK_CALL_REPS = 21, 3
BATCH_SECONDS = 0.02  # each per-call sample is a batch of calls lasting about this long
# The systems evaluate the same float64 formulas with different kernels, fusion and summation
# orders (arignote also rewrites, e.g. the GP's solves through one Cholesky factor).  Summing n
# terms in any order errs by at most about n * eps * sum|terms| (eps = 2.2e-16); the largest
# sums here have n ~ 1000 terms (2.2e-13), and a factorisation of the GP's well-conditioned
# 200x200 kernel adds about n * eps * cond.  So the log-density must agree within RTOL of its
# size, and each gradient entry within RTOL of its own size plus the gradient's largest entry:
# an entry near 0 is a cancellation of per-term contributions as large as the other entries'
# (eight schools' d/d log(tau) is 2e-16 at the initial point, a sum of O(1) terms).  1e-9
# leaves three orders of magnitude above those bounds.
RTOL = 1e-9
COLD_GOAL, WARM_GOAL, CALL_GOAL = 0.1, 0.2, 1.0


# --- the function each system compiles ---------------------------------------------------------

def _zoo() -> Any:
    if ZOO_DIR not in sys.path:
        sys.path.insert(0, ZOO_DIR)
    import pymc_zoo
    return pymc_zoo


def build(model: str) -> tuple[list[Any], list[Any], list[np.ndarray]]:
    """``(value variables, [logp, *gradient], initial point)`` of a zoo model at bench scale."""
    import pytensor

    m = _zoo().MODELS[model]("bench")
    logp = m.logp()
    start = m.initial_point()
    return m.value_vars, [logp, *pytensor.grad(logp, m.value_vars)], [start[v.name] for v in m.value_vars]


def make_mode(system: str) -> Any:
    """The ``mode=`` argument of ``system`` (None: PyTensor's default mode)."""
    if system == "pytensor":
        return None
    if system == "pytensor-c":
        from pytensor.compile.mode import Mode
        return Mode(linker="cvm", optimizer="fast_run")
    from arignote.interop.pytensor import mode
    return mode(backend="jax" if system == "arignote-jax" else "c")


def compile_model(system: str, model: str) -> Callable[[], list[Any]]:
    """A call of ``model``'s compiled log-density and gradient at its initial point."""
    import pytensor

    inputs, outputs, point = build(model)
    fn = pytensor.function(inputs, outputs, mode=make_mode(system))
    return lambda: fn(*point)


def _import(system: str) -> None:
    """What ``system`` imports before its clock starts (the same for every row, plus JAX)."""
    import pymc  # noqa: F401
    import pytensor  # noqa: F401

    _zoo()
    if system.startswith("arignote"):
        import arignote.interop.pytensor  # noqa: F401
    if system == "arignote-jax":
        from arignote.backend.jax.runtime import load_jax
        load_jax()


def child(system: str, model: str) -> None:
    """In a fresh process: build ``model``, compile it for ``system``, call it twice; print JSON."""
    _import(system)
    import pytensor

    start = time.perf_counter()
    inputs, outputs, point = build(model)
    built = time.perf_counter()
    fn = pytensor.function(inputs, outputs, mode=make_mode(system))
    made = time.perf_counter()
    values = fn(*point)
    first = time.perf_counter()
    fn(*point)
    again = time.perf_counter() - first
    print(json.dumps({"build": built - start, "function": made - built, "first_call": first - made,
                      "compile": first - built, "call": again,
                      "values": [np.asarray(v, dtype=np.float64).tolist() for v in values]}))


# --- value check -------------------------------------------------------------------------------

def disagreement(got: list[Any], want: list[Any]) -> str | None:
    """Why ``got`` (log-density, then gradients) differs from ``want`` beyond the bound of
    ``RTOL`` (see there), or None."""
    if len(got) != len(want):
        return f"{len(got)} outputs, not {len(want)}"
    want = [np.asarray(w, dtype=np.float64) for w in want]
    largest_gradient = max((np.max(np.abs(w), initial=0.0) for w in want[1:]), default=0.0)
    for n, (g, w) in enumerate(zip(got, want, strict=True)):
        g = np.asarray(g, dtype=np.float64)
        if g.shape != w.shape:
            return f"output {n} has shape {g.shape}, not {w.shape}"
        if not np.all(np.isfinite(w)):
            return f"the reference's output {n} is not finite"
        bound = RTOL * (np.abs(w) + (largest_gradient if n else 0.0))
        err = np.abs(g - w)
        if not np.all(err <= bound):  # NaN fails too
            worst = int(np.nanargmax(err / np.maximum(bound, 1e-300))) if np.any(np.isfinite(err)) else 0
            return (f"output {n} differs by {err.flat[worst]:.3g} at entry {worst} "
                    f"(bound {bound.flat[worst]:.3g})")
    return None


# --- compile time: one fresh process per measurement ---------------------------------------------

def _environment(cache: str) -> dict[str, str]:
    env = dict(os.environ)
    folder = os.path.join(cache, "arignote")
    env["ARIGNOTE_FLAGS"] = f"c_cache_dir={folder}"  # its C cache and whole-function cache
    env["ARIGNOTE_CACHE_DIR"] = folder
    # base_compiledir, not compiledir: PyTensor 3 keeps its numba cache under base_compiledir,
    # which a compiledir flag alone leaves warm in the user's home folder
    env["PYTENSOR_FLAGS"] = f"base_compiledir={os.path.join(cache, 'pytensor')}"
    env["NUMBA_CACHE_DIR"] = os.path.join(cache, "numba")
    env["JAX_PLATFORMS"] = "cpu"
    env["JAX_COMPILATION_CACHE_DIR"] = os.path.join(cache, "jax")  # every compilation cached
    env["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"
    env["JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES"] = "0"
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["OPENBLAS_NUM_THREADS"] = "1"  # spinning BLAS threads make times erratic on small machines
    env["PYTHONPATH"] = os.pathsep.join([HERE, os.path.dirname(HERE), env.get("PYTHONPATH", "")])
    return env


def _one(system: str, model: str, cache: str) -> dict[str, Any]:
    return run_child(os.path.abspath(__file__), [system, model], _environment(cache), CHILD_TIMEOUT)


def measure_compile(model: str, systems: list[str], reps: int, reference: list[Any]) -> dict[str, list[Row]]:
    """Cold and warm compile times of ``model`` for each system, systems interleaved; a child
    whose values disagree with ``reference`` turns its row into a failure."""
    rows = {state: {s: Row(SYSTEMS[s]) for s in systems} for state in ("cold", "warm")}
    parts: dict[str, dict[str, list[float]]] = {s: {"build": [], "first_call": []} for s in systems}
    warm_dirs: dict[str, str] = {}

    def sample(system: str, state: str, folder: str) -> None:
        row = rows[state][system]
        try:
            got = _one(system, model, folder)
        except Exception as exc:
            row.missing = f"failed: {exc}"[:140]
            return
        wrong = disagreement(got["values"], reference)
        if wrong:
            row.missing = f"values differ from PyTensor's default mode: {wrong}"[:140]
            return
        row.samples.append(got["compile"])
        if state == "cold":
            for part in parts[system]:
                parts[system][part].append(got[part])

    try:
        for rep in range(reps):
            order = systems[rep % len(systems):] + systems[:rep % len(systems)]
            for system in order:
                if rows["cold"][system].missing is None:
                    folder = tempfile.mkdtemp(prefix="bench-pymc-cold-")
                    sample(system, "cold", folder)
                    if system not in warm_dirs and rows["cold"][system].samples:
                        warm_dirs[system] = folder  # the first cold process fills the warm caches
                    else:
                        shutil.rmtree(folder, ignore_errors=True)
                if rows["warm"][system].missing is None and system in warm_dirs:
                    sample(system, "warm", warm_dirs[system])
                elif system not in warm_dirs and rows["warm"][system].missing is None:
                    rows["warm"][system].missing = "no cold run to warm the caches"
    finally:
        for folder in warm_dirs.values():
            shutil.rmtree(folder, ignore_errors=True)
    for system in systems:
        if parts[system]["build"]:
            rows["cold"][system].extra = (f"build {statistics.median(parts[system]['build']):.2f} s, "
                                          f"1st call {statistics.median(parts[system]['first_call']):.3f} s")
    return {state: list(found.values()) for state, found in rows.items()}


# --- time per call -----------------------------------------------------------------------------

def prepare_calls(model: str, systems: list[str]) -> tuple[dict[str, Row], dict[str, Callable[[], Any]],
                                                            list[Any] | None, list[str]]:
    """Compile ``model`` for PyTensor's default mode (the reference, compiled even when its row
    is not selected) and each system; keep the systems whose values agree.  Returns the rows,
    the agreeing calls, the reference values and notes (warnings given while compiling)."""
    rows = {s: Row(SYSTEMS[s]) for s in systems}
    calls: dict[str, Callable[[], Any]] = {}
    notes: list[str] = []
    reference: list[Any] | None = None
    for system in ["pytensor", *[s for s in systems if s != "pytensor"]]:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                call = compile_model(system, model)
                got = call()
        except Exception as exc:
            if system in rows:
                rows[system].missing = f"failed: {type(exc).__name__}: {exc}"[:140]
            if system == "pytensor":  # no reference: nothing can be checked, so nothing is timed
                for row in rows.values():
                    row.missing = row.missing or "not timed: PyTensor's default mode (the reference) failed"
                return rows, {}, None, notes
            continue
        note_user_warnings(caught, SYSTEMS[system], notes)
        if reference is None:
            reference = [np.array(v, dtype=np.float64) for v in got]
        else:
            wrong = disagreement(got, reference)
            if wrong:
                rows[system].missing = f"values differ from PyTensor's default mode: {wrong}"[:140]
                continue
        if system in rows:
            calls[system] = call
    return rows, calls, reference, notes


def measure_calls(rows: dict[str, Row], calls: dict[str, Callable[[], Any]], reps: int) -> None:
    """Seconds per call into ``rows``: each sample a batch of calls, systems interleaved."""
    interleaved_calls(rows, calls, reps, BATCH_SECONDS)


# --- goals and tables --------------------------------------------------------------------------

def _fastest_pytensor(table: Table) -> Row | None:
    found = [r for r in (table.row(SYSTEMS[s]) for s in PYTENSOR_ROWS) if r is not None]
    return min(found, key=lambda r: r.median) if found else None


def goals(model: str, cold: Table | None, warm: Table | None, calls: Table | None) -> dict[str, Any]:
    """The three goals for ``model`` (notes added to the tables); a dict for the overview."""
    out: dict[str, Any] = {"model": model}
    for mine in ("arignote", "arignote-jax"):
        extra = "" if mine == "arignote" else " (extra row, not a goal)"
        if cold is not None:
            ratio = cold.ratio(SYSTEMS[mine], SYSTEMS["pytensor"])
            met = None if ratio is None else ratio <= COLD_GOAL
            shown = "-" if ratio is None else f"{ratio:.3f}"
            cold.notes.append(f"goal: {SYSTEMS[mine]} / {SYSTEMS['pytensor']} = {shown} "
                              f"(at most {COLD_GOAL}): {verdict(met)}{extra}")
            out.setdefault(mine, {})["cold"] = (ratio, met)
        if warm is not None:
            row = warm.row(SYSTEMS[mine])
            met = None if row is None else row.median < WARM_GOAL
            shown = "-" if row is None else f"{row.median:.3f} s"
            warm.notes.append(f"goal: {SYSTEMS[mine]} warm = {shown} (under {WARM_GOAL} s): "
                              f"{verdict(met)}{extra}")
            out.setdefault(mine, {})["warm"] = (None if row is None else row.median, met)
        if calls is not None:
            row, best = calls.row(SYSTEMS[mine]), _fastest_pytensor(calls)
            ratio = None if row is None or best is None else row.median / best.median
            met = None if ratio is None else ratio <= CALL_GOAL
            shown = "-" if ratio is None else f"{ratio:.2f}"
            versus = "fastest PyTensor" if best is None else best.system
            calls.notes.append(f"goal: {SYSTEMS[mine]} / {versus} = {shown} (at most {CALL_GOAL}): "
                               f"{verdict(met)}{extra}")
            out.setdefault(mine, {})["call"] = (ratio, met)
    return out


def _median(table: Table | None, system: str, scale: float = 1.0) -> str:
    row = None if table is None else table.row(SYSTEMS[system])
    if row is None:
        return "-"
    x = row.median * scale
    return f"{x:.0f}" if x >= 100 else f"{x:.3g}"


def overview(found: list[tuple[dict[str, Any], dict[str, Table]]]) -> Table:
    """One Markdown table over the models (for the README) and the goals' tally."""
    head = ("| model | arignote cold / warm, s | PyTensor default cold / warm, s | PyTensor C cold / warm, s "
            "| arignote, JAX backend cold / warm, s | call µs: arignote / default / C / JAX backend "
            "| cold ratio | call ratio |")
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    tally: list[tuple[str, bool | None]] = []
    for result, tables in found:
        cold, warm, calls = tables.get("cold"), tables.get("warm"), tables.get("calls")
        pairs = [f"{_median(cold, s)} / {_median(warm, s)}" for s in ("arignote", "pytensor", "pytensor-c",
                                                                         "arignote-jax")]
        per_call = " / ".join(_median(calls, s, 1e6) for s in ("arignote", "pytensor", "pytensor-c",
                                                                "arignote-jax"))
        mine = result.get("arignote", {})
        cells = []
        for goal in ("cold", "call"):
            value, met = mine.get(goal, (None, None))
            cells.append("-" if value is None else f"{value:.3g} ({verdict(met)})")
        lines.append(f"| {result['model']} | " + " | ".join([*pairs, per_call, *cells]) + " |")
        for goal in ("cold", "warm", "call"):
            if goal in mine:
                tally.append((f"{result['model']}, {goal}", mine[goal][1]))
    met = sum(1 for _, m in tally if m)
    notes = lines + ["", f"goals met (arignote, C backend): {met} of {len(tally)} (cold <= {COLD_GOAL} of "
                         f"PyTensor default's; warm < {WARM_GOAL} s; call <= fastest PyTensor's)"]
    notes += [f"  NOT MET: {what}" for what, m in tally if m is False]
    notes += [f"  n/a (a row is missing): {what}" for what, m in tally if m is None]
    return Table("pymc: overview and goals", "s", 1.0, [], notes=notes)


def _chosen(env: str, known: list[str], what: str) -> list[str]:
    picked = [x.strip() for x in os.environ.get(env, "").split(",") if x.strip()] or known
    unknown = [x for x in picked if x not in known]
    if unknown:
        raise SystemExit(f"{env}: unknown {what} {', '.join(unknown)}; choose from {', '.join(known)}")
    return picked


def run(quick: bool = False, compile_times: bool = True, call_times: bool = True,
        echo: bool = False) -> list[Table]:
    """Per model: compile cold and warm, time per call, the goals; then the overview
    (``echo``: print each model's tables as soon as they are done)."""
    if "pytensor" in SKIPPED:
        return [Table("pymc: skipped", "s", 1.0, [], notes=["every row needs PyTensor (--without pytensor)"])]
    try:
        zoo = _zoo()
    except ImportError as exc:
        return [Table("pymc: skipped", "s", 1.0, [], notes=[f"cannot import the models: {exc}"])]
    models = _chosen("BENCH_PYMC_MODELS", list(zoo.MODELS), "model")
    systems = _chosen("BENCH_PYMC_SYSTEMS", list(SYSTEMS), "system")
    if "jax" in SKIPPED and "arignote-jax" in systems:
        systems.remove("arignote-jax")
    compile_reps = int(os.environ.get("BENCH_PYMC_COMPILE_REPS")
                       or (QUICK_COMPILE_REPS if quick else COMPILE_REPS))
    call_reps = int(os.environ.get("BENCH_PYMC_CALL_REPS") or (QUICK_CALL_REPS if quick else CALL_REPS))
    out, found = [], []
    for model in models:
        started = time.perf_counter()
        title = f"{model} ({(zoo.MODELS[model].__doc__ or '').strip().rstrip('.')})"
        rows, calls, reference, notes = prepare_calls(model, systems)
        tables: dict[str, Table] = {}
        if compile_times and reference is not None:
            checked = [s for s in systems if rows[s].missing is None]
            for state, compiled in measure_compile(model, checked, compile_reps, reference).items():
                compiled += [Row(r.system, missing=r.missing) for r in rows.values() if r.missing]
                tables[state] = Table(
                    f"pymc compile (function + first call), fresh process, {state} cache: {title}", "s", 1.0,
                    compiled, extra_header="build (not counted), first call" if state == "cold" else "")
        if call_times:
            measure_calls(rows, calls, call_reps)
            tables["calls"] = Table(f"pymc call (log-density + gradient at the initial point): {title}",
                                    "µs/call", 1e6, list(rows.values()), extra_header="batch", notes=notes)
        found.append((goals(model, tables.get("cold"), tables.get("warm"), tables.get("calls")), tables))
        out += tables.values()
        if echo:
            print("\n\n".join(format_table(t) for t in tables.values()) + "\n", flush=True)
        else:  # run.py prints the tables at the end: a line of progress meanwhile
            line = overview(found[-1:]).notes[2]
            print(f"pymc: {model} done ({time.perf_counter() - started:.0f} s): {line}",
                  file=sys.stderr, flush=True)
    out.append(overview(found))
    return out


def main(argv: list[str] | None = None) -> int:
    """Run this benchmark alone, with options ``run.py`` does not have."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", help="comma-separated zoo model names (default: all eight)")
    parser.add_argument("--systems", help=f"comma-separated, from {', '.join(SYSTEMS)} (default: all)")
    parser.add_argument("--quick", action="store_true",
                        help="few repetitions: a smoke run, not a measurement")
    parser.add_argument("--compile-reps", type=int, help="fresh processes per state and system")
    parser.add_argument("--call-reps", type=int, help="per-call samples per system")
    parser.add_argument("--no-compile", action="store_true", help="only the per-call times")
    parser.add_argument("--no-calls", action="store_true", help="only the compile times")
    args = parser.parse_args(argv)
    for env, value in (("BENCH_PYMC_MODELS", args.models), ("BENCH_PYMC_SYSTEMS", args.systems),
                       ("BENCH_PYMC_COMPILE_REPS", args.compile_reps),
                       ("BENCH_PYMC_CALL_REPS", args.call_reps)):
        if value is not None:
            os.environ[env] = str(value)
    start = time.perf_counter()
    tables = run(quick=args.quick, compile_times=not args.no_compile, call_times=not args.no_calls, echo=True)
    print(format_table(tables[-1]) + "\n")
    print(f"(pymc: {time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
