"""Compile time in a fresh process: cold cache, warm C cache, warm whole-function cache.

Every measurement is a new Python process (nothing is cached in memory)
that imports the system, builds the graph (and its gradients), compiles it
and calls it twice.  *Compile* is the time of the compiling call plus the
first call minus the second one (PyTensor's numba mode and JAX compile
inside the first call; arignote and PyTensor's C VM before it), so it
counts compilation the same way for every system; the time of arignote's
``function(...)`` call alone is shown beside it.

Workloads:

- four models, loss and gradients: the MLP 784-256-128-10 with a softmax
  cross-entropy (batch 64), and the three models of ``autodiff.py``
  (logistic regression, a small MLP, a hierarchical normal log-density);
- elementwise graphs of 1,000, 10,000 and 50,000 operations, in two shapes
  of :mod:`graph_families`: the 5-input elementwise program, and a
  log-density summed term by term over one input per term.

States: *cold* (empty caches: arignote's ``ARIGNOTE_CACHE_DIR``, PyTensor's
``compiledir``, numba's cache, each a fresh folder); *warm C cache* (the same
folders after one earlier process compiled the same workload; arignote with
``program_cache=False``, so it rewrites and schedules again); *warm
whole-function cache* (arignote's default: the program is loaded).  PyTensor
has no whole-function cache: its warm time is shown in both warm tables.
JAX (``jax.jit``, no persistent cache) is shown for the MLP, cold.

Goals (issues 5 and 13): the MLP cold under 3 s and warm under 0.3 s, each
below PyTensor's; with the whole-function cache, the ``function`` call of
the MLP under 50 ms and of the hierarchical model under 30 ms; the 10,000-op
graphs cold under 10 s, the 50,000-op ones under 60 s.  PyTensor is not run
on the 50,000-op graphs (many minutes each).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from bench_common import Row, Table, verdict
from optional_systems import SKIPPED

NAME = "compile"
HERE = os.path.dirname(os.path.abspath(__file__))
LAYERS = (784, 256, 128, 10)
BATCH = 64
CHILD_TIMEOUT = 900  # seconds; a compilation that takes longer is reported as such


@dataclass(frozen=True)
class Workload:
    key: str            # what the child builds: a model name, or "family:size"
    title: str
    reps: int
    quick_reps: int
    pytensor: bool = True   # whether PyTensor runs it (it takes minutes on the largest graphs)
    jax: bool = False


WORKLOADS = [
    Workload("mlp784", f"MLP {'-'.join(map(str, LAYERS))} loss + gradients", 5, 1, jax=True),
    Workload("logistic", "logistic regression loss + gradients", 3, 1),
    Workload("mlp", "MLP 100-128-64-10 loss + gradients", 3, 1),
    Workload("hierarchical", "hierarchical normal log-density + gradients", 3, 1),
    Workload("program:1000", "elementwise program, 1,000 ops", 3, 1),
    Workload("program:10000", "elementwise program, 10,000 ops", 2, 1),
    Workload("program:50000", "elementwise program, 50,000 ops", 1, 0, pytensor=False),
    Workload("logdensity:1000", "log-density summed term by term, 1,000 ops", 3, 1),
    Workload("logdensity:10000", "log-density summed term by term, 10,000 ops", 2, 1),
    Workload("logdensity:50000", "log-density summed term by term, 50,000 ops", 1, 0, pytensor=False),
]
GOALS = {("mlp784", "warm function"): 0.050, ("hierarchical", "warm function"): 0.030,
         ("program:10000", "cold"): 10.0, ("logdensity:10000", "cold"): 10.0,
         ("program:50000", "cold"): 60.0, ("logdensity:50000", "cold"): 60.0,
         ("mlp784", "cold"): 3.0, ("mlp784", "warm C"): 0.3}


# --- the child process -------------------------------------------------------------------

def _mlp784(m, grad, vector, matrix):
    x, y = matrix("x"), matrix("y")
    params = [matrix(f"w{k}") if k % 2 == 0 else vector(f"b{k}") for k in range(6)]
    w1, b1, w2, b2, w3, b3 = params
    h1 = m.tanh(m.dot(x, w1) + b1)
    h2 = m.tanh(m.dot(h1, w2) + b2)
    logits = m.dot(h2, w3) + b3
    loss = -(y * m.special.log_softmax(logits, axis=1)).sum(axis=1).mean()
    return [x, y, *params], [loss, *grad(loss, params)]


def _mlp784_data():
    import numpy as np

    rng = np.random.default_rng(0)
    values = [rng.normal(size=(BATCH, LAYERS[0])), np.eye(LAYERS[-1])[rng.integers(0, LAYERS[-1], BATCH)]]
    for fan_in, fan_out in zip(LAYERS[:-1], LAYERS[1:]):
        values += [rng.normal(size=(fan_in, fan_out)) / np.sqrt(fan_in), np.zeros(fan_out)]
    return values


def _autodiff_model(name):
    import autodiff

    return {m.fn.__name__: m for m in autodiff._models()}[{"logistic": "logistic_regression", "mlp": "mlp",
                                                           "hierarchical": "hierarchical_normal"}[name]]


def _symbolic(system, variant, key):
    """``(inputs, outputs, values, compile)`` of workload ``key`` in ``system``."""
    import numpy as np

    if system == "arignote":
        import arignote as lib
        import arignote.tensor as m

        grad, compile_ = lib.grad, lib.function

        def tensor(name, value):
            return m.tensor(name, dtype=value.dtype, shape=(None,) * value.ndim)
    else:
        import pytensor as lib
        import pytensor.tensor as m

        grad = lib.grad
        mode = None if variant == "default" else lib.compile.mode.Mode(linker=variant, optimizer="fast_run")

        def compile_(inputs, outputs):
            return lib.function(inputs, outputs, mode=mode)

        def tensor(name, value):
            return m.tensor(name, dtype=str(value.dtype), shape=(None,) * value.ndim)
    if key == "mlp784":
        values = _mlp784_data()
        inputs, outputs = _mlp784(m, grad, lambda n: m.dvector(n), lambda n: m.dmatrix(n))
        return inputs, outputs, values, compile_
    if ":" in key:
        from graph_families import build

        family, size = key.split(":")
        inputs, output = build(family, m, m.dvector, int(size))
        rng = np.random.default_rng(0)
        return inputs, [output], [rng.normal(size=100) for _ in inputs], compile_
    import autodiff

    model = _autodiff_model(key)
    ops = autodiff._Ops(sigmoid=m.sigmoid, log=m.log, exp=m.exp, tanh=m.tanh, dot=m.dot, mean=m.mean,
                        sum=m.sum, log_softmax=m.special.log_softmax)
    data = [tensor(n, v) for n, v in model.data.items()]
    params = [tensor(n, v) for n, v in model.params.items()]
    cost = model.fn(ops, *data, *params)
    values = [*model.data.values(), *model.params.values()]
    return data + params, [cost, *grad(cost, params)], values, compile_


def _jax_child(key):
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)

    def loss(params, x, y):
        w1, b1, w2, b2, w3, b3 = params
        h1 = jnp.tanh(x @ w1 + b1)
        h2 = jnp.tanh(h1 @ w2 + b2)
        logits = h2 @ w3 + b3
        return -(y * jax.nn.log_softmax(logits, axis=1)).sum(axis=1).mean()
    step = jax.jit(jax.value_and_grad(loss))

    def run(x, y, *params):
        value, grads = step(list(params), x, y)
        jax.block_until_ready(grads)
        return [value, *grads]
    return _mlp784_data(), run


def child(system: str, variant: str, key: str) -> None:
    """Import ``system``, build workload ``key``, time compiling and two calls; print JSON."""
    start = time.perf_counter()
    if system == "jax":
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
        import jax  # noqa: F401
    elif system == "arignote":
        import arignote  # noqa: F401
    else:
        import pytensor  # noqa: F401
    imported = time.perf_counter()
    if system == "jax":
        values, fn = _jax_child(key)
        built = compiled = time.perf_counter()
    else:
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 200_000))
        inputs, outputs, values, compile_ = _symbolic(system, variant, key)
        built = time.perf_counter()
        fn = compile_(inputs, outputs)
        compiled = time.perf_counter()
    outputs = fn(*values)
    first = time.perf_counter()
    fn(*values)
    again = time.perf_counter() - first
    print(json.dumps({"import": imported - start, "build": built - imported, "function": compiled - built,
                      "compile": first - built - again, "call": again,
                      "from_cache": bool(getattr(fn, "from_cache", False)),
                      "first_output": float(sum(float(abs(o).sum()) for o in outputs[:1]))}))


# --- the parent: fresh processes, cold and warm caches ---------------------------------------

def _environment(cache: str, program_cache: bool = True) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("ARIGNOTE_FLAGS", None)
    if not program_cache:
        env["ARIGNOTE_FLAGS"] = "program_cache=False"
    env["ARIGNOTE_CACHE_DIR"] = os.path.join(cache, "arignote")
    # base_compiledir, not compiledir: PyTensor 3 keeps its numba cache in base_compiledir/numba,
    # which a compiledir flag alone leaves warm in the user's home folder
    env["PYTENSOR_FLAGS"] = f"base_compiledir={os.path.join(cache, 'pytensor')}"
    env["NUMBA_CACHE_DIR"] = os.path.join(cache, "numba")
    env["JAX_PLATFORMS"] = "cpu"
    # bytecode caches as in a normal installation (some shells disable them), and one BLAS
    # thread: on a busy 2-core machine OpenBLAS's spinning threads make call times erratic
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["OPENBLAS_NUM_THREADS"] = "1"
    env["PYTHONPATH"] = os.pathsep.join([HERE, os.path.dirname(HERE), env.get("PYTHONPATH", "")])
    return env


def _one(system: str, variant: str, key: str, cache: str, program_cache: bool = True) -> dict:
    try:
        done = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", system, variant, key],
                              env=_environment(cache, program_cache), capture_output=True, text=True,
                              timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"took over {CHILD_TIMEOUT} s") from None
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise RuntimeError(lines[-1] if lines else f"exit status {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


SYSTEMS = [("arignote", "c"), ("pytensor", "default"), ("pytensor", "cvm"), ("jax", "jit")]
STATES = ("cold", "warm C", "warm function")


def _label(system: str, variant: str) -> str:
    return {"arignote": "arignote", "jax": "JAX jit (no persistent cache)",
            "pytensor": "PyTensor default" if variant == "default" else "PyTensor C (cvm)"}[system]


def _runs(workload: Workload, system: str) -> bool:
    if system in SKIPPED:
        return False
    return {"arignote": True, "pytensor": workload.pytensor, "jax": workload.jax}[system]


def _measure(workload: Workload, quick: bool) -> dict[str, list[Row]]:
    reps = workload.quick_reps if quick else workload.reps
    systems = [s for s in SYSTEMS if _runs(workload, s[0])]
    rows = {state: {s: Row(_label(*s)) for s in systems if state == "cold" or s[0] != "jax"}
            for state in STATES}
    seen_cache: dict[tuple[str, str], list[bool]] = {}
    function_times: dict[tuple[str, tuple[str, str]], list[float]] = {}
    warm_dirs = {s: tempfile.mkdtemp(prefix="bench-warm-") for s in systems if s[0] != "jax"}
    try:
        for key, folder in warm_dirs.items():  # fill the warm caches once
            try:
                _one(*key, workload.key, folder)
            except Exception as exc:
                for state in STATES:
                    rows[state][key].missing = f"failed: {exc}"[:100]
        for rep in range(reps):
            order = systems[rep % len(systems):] + systems[:rep % len(systems)]
            for key in order:
                _rep(workload, key, rows, warm_dirs, seen_cache, function_times)
    finally:
        for folder in warm_dirs.values():
            shutil.rmtree(folder, ignore_errors=True)
    for (state, key), times in function_times.items():
        rows[state][key].extra = f"{statistics.median(times) * 1e3:.1f} ms"
    for key, hits in seen_cache.items():
        if not all(hits):
            rows["warm function"][key].extra += " (cache missed!)"
    return {state: list(found.values()) for state, found in rows.items()}


def _rep(workload, key, rows, warm_dirs, seen_cache, function_times) -> None:
    """One repetition of system ``key``: cold, then the warm states."""
    cold_row = rows["cold"][key]
    if cold_row.missing is None:
        cold = tempfile.mkdtemp(prefix="bench-cold-")
        try:
            result = _one(*key, workload.key, cold)
            cold_row.samples.append(result["compile"])
            if key[0] == "arignote":
                function_times.setdefault(("cold", key), []).append(result["function"])
        except Exception as exc:
            cold_row.missing = f"failed: {exc}"[:100]
        finally:
            shutil.rmtree(cold, ignore_errors=True)
    if key not in warm_dirs:
        return
    for state, program_cache in (("warm C", False), ("warm function", True)):
        row = rows[state][key]
        if row.missing is not None:
            continue
        if key[0] != "arignote" and state == "warm function":
            row.samples, row.extra = rows["warm C"][key].samples, "(no such cache: warm C)"
            continue
        try:
            result = _one(*key, workload.key, warm_dirs[key], program_cache)
        except Exception as exc:
            row.missing = f"failed: {exc}"[:100]
            continue
        row.samples.append(result["compile"])
        if key[0] == "arignote":
            function_times.setdefault((state, key), []).append(result["function"])
            if state == "warm function":
                seen_cache.setdefault(key, []).append(result["from_cache"])


def run(quick: bool = False) -> list[Table]:
    tables = []
    # BENCH_COMPILE_WORKLOADS=mlp784,hierarchical runs only those (the full run takes long)
    chosen = [k for k in os.environ.get("BENCH_COMPILE_WORKLOADS", "").split(",") if k]
    for workload in WORKLOADS:
        if (workload.quick_reps if quick else workload.reps) == 0:
            continue
        if chosen and workload.key not in chosen:
            continue
        for state, rows in _measure(workload, quick).items():
            table = Table(f"compile, fresh process: {workload.title}, {state} cache", "s", 1.0, rows,
                          extra_header="arignote's function() alone")
            _goal_notes(table, workload.key, state)
            tables.append(table)
    return tables


def _goal_notes(table: Table, key: str, state: str) -> None:
    mine = table.row("arignote")
    for other in ("PyTensor default", "PyTensor C (cvm)", "JAX jit (no persistent cache)"):
        ratio = table.ratio(other)
        if ratio is not None:
            table.notes.append(f"{other}/arignote = {ratio:.2f}x")
    limit = GOALS.get((key, state))
    if limit is None or mine is None:
        return
    if state == "warm function":  # the goal is on the function() call alone
        shown = mine.extra
        met = float(shown.split()[0]) / 1e3 < limit if shown.split(" (")[0].endswith("ms") else None
    else:
        shown, met = f"{mine.median:.3g} s", mine.median < limit
    table.notes.append(f"goal: under {limit * 1e3:g} ms" if limit < 1 else f"goal: under {limit:g} s")
    table.notes[-1] += f" -> arignote {shown}: {verdict(met)}"


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--child":
    del sys.argv[0]
    child(sys.argv[1], sys.argv[2], sys.argv[3])
